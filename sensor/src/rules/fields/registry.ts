// The field registry: every field sensord knows, one entry each, grouped in classes like `falco --list`.
// Field references (`proc.aname[2]`, `evt.arg.fd`) are parsed once, at compile time, into a BoundField whose
// slot indexes the per-event cache in FieldContext. Unknown names are errors (no sysdig prefix matching).
import { CONTAINER_FIELDS } from './container.js';
import { EVT_FIELDS } from './evt.js';
import { FD_FIELDS } from './fd.js';
import { PROC_FIELDS } from './proc.js';
import { USER_FIELDS } from './user.js';
import { FieldError, type BoundField, type FieldDef, type FieldValue } from './types.js';

export interface FieldClass { readonly name: string; readonly desc: string; readonly prefixes: readonly string[] }

/** Classes in `falco --list` order, each owning the field names that start with one of its prefixes. */
export const FIELD_CLASSES: readonly FieldClass[] = [
  { name: 'evt', desc: 'Event fields: number, time, type, direction, parameters and result of the event.', prefixes: ['evt.', 'syscall.'] },
  { name: 'process', desc: 'The process and thread executing the event, and their ancestors.', prefixes: ['proc.', 'thread.'] },
  { name: 'user', desc: 'The user executing the event.', prefixes: ['user.'] },
  { name: 'group', desc: 'The group of the user executing the event.', prefixes: ['group.'] },
  { name: 'container', desc: "The container of the process; 'host' outside containers. Names, images and mounts need container enrichment.", prefixes: ['container.'] },
  { name: 'fd', desc: 'The file descriptor the event uses, creates or closes: files, directories, sockets, pipes, ...', prefixes: ['fd.'] },
  { name: 'k8s', desc: 'Kubernetes pod and namespace of the container (need pod enrichment).', prefixes: ['k8s.'] },
];

export const ALL_FIELDS: readonly FieldDef<any>[] = [...EVT_FIELDS, ...PROC_FIELDS, ...USER_FIELDS, ...CONTAINER_FIELDS, ...FD_FIELDS];

export interface ParsedField { readonly def: FieldDef<any>; readonly arg: unknown; readonly key: string }

export class FieldRegistry {
  private readonly byName = new Map<string, FieldDef<any>>();
  /** Fields taking `.NAME` arguments (evt.arg.fd, thread.cgroup.cpuacct), longest name first. */
  private readonly dotted: FieldDef<any>[];
  private readonly slots = new Map<string, number>();

  constructor(readonly fields: readonly FieldDef<any>[] = ALL_FIELDS) {
    for (const f of fields) {
      if (this.byName.has(f.name)) throw new Error(`field registry: ${f.name} defined twice`);
      if (classOf(f.name) === undefined) throw new Error(`field registry: ${f.name} belongs to no class`);
      this.byName.set(f.name, f);
    }
    this.dotted = fields.filter((f) => f.arg?.kind === 'name').sort((a, b) => b.name.length - a.name.length);
  }

  get(name: string): FieldDef<any> | undefined { return this.byName.get(name); }
  get size(): number { return this.byName.size; }

  /**
   * Parses a field reference: `name`, `name[arg]` or `name.ARG` (for fields whose argument is a name).
   * `position` is where the reference starts in its source text, for error messages.
   */
  parse(text: string, position = 0): ParsedField {
    let name = text;
    let argText: string | undefined;
    const br = text.indexOf('[');
    if (br >= 0) {
      if (!text.endsWith(']')) throw new FieldError('EFIELD_SYNTAX', `field ${text} at position ${position}: missing ]`, position);
      name = text.slice(0, br);
      argText = text.slice(br + 1, -1);
    }
    let def = this.byName.get(name);
    if (def === undefined && argText === undefined) {
      for (const d of this.dotted) {
        if (name.length > d.name.length + 1 && name.startsWith(d.name) && name.charCodeAt(d.name.length) === 46 /* . */) {
          def = d;
          argText = name.slice(d.name.length + 1);
          break;
        }
      }
    }
    if (def === undefined) throw new FieldError('EFIELD_UNKNOWN', `unknown field '${name}' at position ${position}`, position);
    if (argText === undefined) {
      if (def.arg?.required) throw new FieldError('EFIELD_ARG', `field ${def.name} at position ${position} needs an argument (${def.arg.kind === 'name' ? `${def.name}.NAME or ${def.name}[N]` : `${def.name}[...]`})`, position);
      return { def, arg: undefined, key: def.name };
    }
    if (def.arg === undefined || def.parseArg === undefined) throw new FieldError('EFIELD_ARG', `field ${def.name} at position ${position} takes no argument`, position);
    let arg: unknown;
    try {
      arg = def.parseArg(argText);
    } catch (e) {
      if (e instanceof FieldError) throw new FieldError(e.code, `${e.message} (at position ${position})`, position);
      throw e;
    }
    return { def, arg, key: `${def.name}[${argText}]` };
  }

  /** Parses and binds a reference to its cache slot: the same reference text always gets the same slot. */
  bind(text: string, position = 0): BoundField {
    const p = this.parse(text, position);
    let slot = this.slots.get(p.key);
    if (slot === undefined) { slot = this.slots.size; this.slots.set(p.key, slot); }
    return { def: p.def, arg: p.arg, key: p.key, slot };
  }

  /** Fields of one class, in registry order. */
  ofClass(cls: FieldClass): FieldDef<any>[] { return this.fields.filter((f) => cls.prefixes.some((p) => f.name.startsWith(p))); }
}

export function classOf(name: string): FieldClass | undefined {
  return FIELD_CLASSES.find((c) => c.prefixes.some((p) => name.startsWith(p)));
}

/**
 * A value as sysdig/Falco print it: integers in decimal (hex for PF_HEX fields, 9 zero-padded digits for
 * PF_10_PADDED_DEC ones), booleans as true/false,
 * lists as `(a,b)`; `undefined` (not available) is left to the caller, which prints `<NA>`.
 */
export function renderValue(def: Pick<FieldDef<any>, 'hex' | 'padded'>, v: FieldValue): string | undefined {
  switch (typeof v) {
    case 'string': return v;
    // PF_HEX prints like libsinsp's "%" PRIX32 / PRIX64: upper-case hex digits.
    case 'number': return def.hex === true ? (v >>> 0).toString(16).toUpperCase() : def.padded === true ? String(v).padStart(9, '0') : String(v);
    case 'bigint': return def.hex === true ? v.toString(16).toUpperCase() : def.padded === true ? v.toString().padStart(9, '0') : v.toString();
    case 'boolean': return v ? 'true' : 'false';
    case 'undefined': return undefined;
    default: return '(' + v.join(',') + ')';
  }
}

/** The registry every compiled format and condition uses. */
export const FIELD_REGISTRY = new FieldRegistry();
