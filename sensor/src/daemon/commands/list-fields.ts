// `sensord list-fields [--json]`: prints the field registry the way `falco --list` does (class headers, then
// `name  description` with type and argument notes), or a machine-readable list.
import { FIELD_CLASSES, FIELD_REGISTRY, type FieldDef } from '../../rules/fields/index.js';

export interface ListFieldsOptions { json?: boolean }

export interface FieldListing {
  name: string;
  class: string;
  type: string;
  desc: string;
  arg?: { kind: 'index' | 'key' | 'name'; required: boolean };
  filterOnly?: boolean;
}

export function fieldListing(): FieldListing[] {
  const out: FieldListing[] = [];
  for (const cls of FIELD_CLASSES) {
    for (const f of FIELD_REGISTRY.ofClass(cls)) {
      const row: FieldListing = { name: f.name, class: cls.name, type: f.type, desc: f.desc };
      if (f.arg) row.arg = { kind: f.arg.kind, required: f.arg.required };
      if (f.filterOnly) row.filterOnly = true;
      out.push(row);
    }
  }
  return out;
}

const NAME_WIDTH = 30;

function notes(f: FieldDef<any>): string {
  const n: string[] = [`type ${f.type}`];
  if (f.arg) {
    const form = f.arg.kind === 'name' ? `${f.name}.NAME or ${f.name}[N]` : f.arg.kind === 'index' ? `${f.name}[N]` : `${f.name}[KEY]`;
    n.push(`${f.arg.required ? 'argument required' : 'optional argument'}: ${form}`);
  }
  if (f.filterOnly) n.push('filter only');
  return n.join('; ');
}

/** The falco --list style text. */
export function fieldListText(): string {
  let out = '';
  for (const cls of FIELD_CLASSES) {
    out += `-------------------------------\nField Class:                  ${cls.name}\nDescription:                  ${cls.desc}\n\n`;
    for (const f of FIELD_REGISTRY.ofClass(cls)) {
      const head = f.name.length >= NAME_WIDTH ? f.name + '\n' + ' '.repeat(NAME_WIDTH) : f.name.padEnd(NAME_WIDTH);
      out += `${head}${f.desc} (${notes(f)})\n`;
    }
    out += '\n';
  }
  return out;
}

export function runListFields(opts: ListFieldsOptions): number {
  process.stdout.write(opts.json ? JSON.stringify(fieldListing(), null, 2) + '\n' : fieldListText());
  return 0;
}
