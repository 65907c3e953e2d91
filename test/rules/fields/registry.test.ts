// The registry as a table: every field Falco's syscall rules read is in it (from the rules inventory in
// ../shared), references with arguments parse once, unknown names fail with a position, values are
// extracted at most once per event, and `sensord list-fields` prints them all.
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { sharedPath } from '../../helpers/shared.js';
import { FIELD_REGISTRY, FieldError, FieldRegistry, ALL_FIELDS, FIELD_CLASSES, field, type FieldDef } from '../../../sensor/src/rules/fields/index.js';
import { Formatter, FormatError } from '../../../sensor/src/decode/format.js';
import { fieldListText, fieldListing } from '../../../sensor/src/daemon/commands/list-fields.js';
import { SystemState } from '../../../sensor/src/state/index.js';
import { world } from './helpers.js';

const INVENTORY = sharedPath('reference', 'rules-field-inventory.json');
const SYSCALL_RULE_FILES = /^(falco_rules|falco-incubating_rules|falco-sandbox_rules|legacy falco_rules)\.yaml/;

interface InventoryFile { fields_all: string[]; args_used: string[] }

/** Field names and argument forms of the syscall rule files; null (skip) when ../shared is absent. */
function inventory(): { fields: string[]; args: string[] } | null {
  if (!existsSync(INVENTORY)) {
    if (process.env.CI === 'true') throw new Error(`rules field inventory missing at ${INVENTORY} (required under CI)`);
    console.warn(`SKIP inventory coverage: ${INVENTORY} not found`);
    return null;
  }
  const inv = JSON.parse(readFileSync(INVENTORY, 'utf8')) as Record<string, InventoryFile>;
  const fields = new Set<string>(), args = new Set<string>();
  for (const [file, v] of Object.entries(inv)) {
    if (!SYSCALL_RULE_FILES.test(file)) continue;
    v.fields_all.forEach((f) => fields.add(f));
    v.args_used.forEach((a) => args.add(a));
  }
  return { fields: [...fields].sort(), args: [...args].sort() };
}

const inv = inventory();
const parses = (f: string): boolean => { try { FIELD_REGISTRY.parse(f); return true; } catch { return false; } };

describe('coverage of the Falco rules inventory', () => {
  it.skipIf(inv === null)('every field of the stable, incubating, sandbox and legacy syscall rules resolves', () => {
    // The inventory lists names without their arguments (container.mount.dest for container.mount.dest[/etc]);
    // the argument forms are checked below.
    const missing = inv!.fields.filter((f) => FIELD_REGISTRY.get(f) === undefined && !parses(f));
    expect(missing).toEqual([]);
    expect(inv!.fields.length).toBeGreaterThanOrEqual(100);
  });

  it.skipIf(inv === null)('every field argument form the rules use parses', () => {
    for (const a of inv!.args) expect(() => FIELD_REGISTRY.parse(a), a).not.toThrow();
  });

  it.skipIf(inv === null)('list-fields (text and --json) lists every inventory field', () => {
    const text = fieldListText();
    const names = new Set(fieldListing().map((r) => r.name));
    for (const f of inv!.fields) {
      const base = FIELD_REGISTRY.get(f)?.name ?? FIELD_REGISTRY.parse(f).def.name;
      expect(names.has(base), f).toBe(true);
      expect(text, f).toMatch(new RegExp(`^${base.replace(/\./g, '\\.')}\\s`, 'm'));
    }
  });
});

describe('registry shape', () => {
  it('one entry per name, each with a type, a description and a class', () => {
    const names = ALL_FIELDS.map((f) => f.name);
    expect(new Set(names).size).toBe(names.length);
    for (const f of ALL_FIELDS) {
      expect(f.desc.length, f.name).toBeGreaterThan(5);
      expect(f.type, f.name).toBeTruthy();
      expect(FIELD_CLASSES.some((c) => c.prefixes.some((p) => f.name.startsWith(p))), f.name).toBe(true);
    }
    expect(FIELD_REGISTRY.size).toBe(ALL_FIELDS.length);
  });

  it('list-fields prints class headers like falco --list, and JSON rows with type and arg notes', () => {
    const text = fieldListText();
    for (const c of FIELD_CLASSES) expect(text).toContain(`Field Class:                  ${c.name}\n`);
    const aname = fieldListing().find((r) => r.name === 'proc.aname')!;
    expect(aname).toMatchObject({ class: 'process', type: 'charbuf', arg: { kind: 'index', required: false } });
    expect(fieldListing().find((r) => r.name === 'fd.net')).toMatchObject({ filterOnly: true, type: 'ipnet' });
  });
});

describe('field references', () => {
  it('arguments are parsed once: [N], [key], .NAME', () => {
    expect(FIELD_REGISTRY.parse('proc.aname[2]')).toMatchObject({ key: 'proc.aname[2]', arg: 2 });
    expect(FIELD_REGISTRY.parse('proc.aexe[1]').def.name).toBe('proc.aexe');
    expect(FIELD_REGISTRY.parse('evt.arg[0]').arg).toEqual({ index: 0, name: '' });
    expect(FIELD_REGISTRY.parse('evt.arg.name').arg).toEqual({ index: -1, name: 'name' });
    expect(FIELD_REGISTRY.parse('evt.rawarg.res').def.name).toBe('evt.rawarg');
    expect(FIELD_REGISTRY.parse('k8s.pod.label[app]')).toMatchObject({ key: 'k8s.pod.label[app]', arg: 'app' });
    expect(FIELD_REGISTRY.parse('container.mount.dest[/proc*]').arg).toEqual({ index: -1, re: /^\/proc[\s\S]*$/ });
    expect(FIELD_REGISTRY.parse('thread.cgroup.cpuacct').arg).toBe('cpuacct');
    expect(FIELD_REGISTRY.parse('proc.aname').arg).toBeUndefined();
  });

  it('bad references are FieldErrors with stable codes', () => {
    const code = (t: string) => { try { FIELD_REGISTRY.parse(t, 7); return 'ok'; } catch (e) { return (e as FieldError).code; } };
    expect(code('proc.nope')).toBe('EFIELD_UNKNOWN');
    expect(code('proc.namex')).toBe('EFIELD_UNKNOWN'); // no sysdig-style prefix matching
    expect(code('proc.aname[x]')).toBe('EFIELD_ARG');
    expect(code('proc.name[1]')).toBe('EFIELD_ARG');
    expect(code('k8s.pod.label')).toBe('EFIELD_ARG');
    expect(code('proc.aname[2')).toBe('EFIELD_SYNTAX');
    expect(() => FIELD_REGISTRY.parse('proc.nope', 7)).toThrow(/unknown field 'proc.nope' at position 7/);
  });

  it('-p formats reject unknown fields, naming the field and its position', () => {
    const f = new Formatter(new SystemState());
    let err: FormatError | undefined;
    try { f.compile('*%evt.num %fd.nameraw %proc.exe_ino.ctimex'); } catch (e) { err = e as FormatError; }
    expect(err).toBeInstanceOf(FormatError);
    expect(err!.code).toBe('EFIELD');
    expect(err!.position).toBe(23);
    expect(err!.message).toContain("'proc.exe_ino.ctimex'");
  });

  it('-p accepts every registry field (with an argument where one is required)', () => {
    const f = new Formatter(new SystemState());
    for (const d of ALL_FIELDS) {
      const ref = d.arg?.required ? (d.arg.kind === 'name' ? `${d.name}.x` : `${d.name}[1]`) : d.name;
      expect(() => f.compile(`%${ref}`), ref).not.toThrow();
    }
  });
});

describe('extracted at most once per event', () => {
  it('a field used several times in a format, and in two formats, is extracted once per event', () => {
    let calls = 0;
    const counted: FieldDef<any> = field({ name: 'evt.test_counted', type: 'uint64', desc: 'counts its extractions', extract: (c) => { calls++; return c.ev.num; } });
    const registry = new FieldRegistry([...ALL_FIELDS, counted]);
    const w = world();
    const f = new Formatter(w.state, {}, registry);
    const a = f.compile('%evt.test_counted %evt.test_counted %proc.name');
    const b = f.compile('[%evt.test_counted]');
    w.apply('PPME_SYSCALL_READ_E', { fd: 3, size: 1 });
    expect(a.render(w.view)).toBe('1 1 cat');
    expect(b.render(w.view)).toBe('[1]');
    expect(calls).toBe(1);
    w.apply('PPME_SYSCALL_READ_E', { fd: 3, size: 1 });
    expect(a.render(w.view)).toBe('2 2 cat');
    expect(calls).toBe(2);
  });

  it('the same event number in a different buffer is a new event (no stale values)', () => {
    const w = world();
    const fmt = w.formatter.compile('%fd.name');
    w.apply('PPME_SYSCALL_READ_E', { fd: 3, size: 1 });
    expect(fmt.render(w.view)).toBe('/etc/hostname');
    const num = w.view.num;
    w.apply('PPME_SYSCALL_READ_E', { fd: 5, size: 1 });
    w.view.num = num;
    expect(fmt.render(w.view)).toBe('/var/log');
  });
});
