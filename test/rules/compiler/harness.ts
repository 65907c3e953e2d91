// A tiny field world for condition tests: a FieldRegistry of test fields whose values come from a plain object,
// and a context exposing `value(bound)` like FieldContext (the only thing compiled conditions call).
import { FieldRegistry } from '../../../sensor/src/rules/fields/registry.js';
import { field, type FieldDef, type FieldType, type FieldValue, type BoundField } from '../../../sensor/src/rules/fields/types.js';
import type { FieldContext } from '../../../sensor/src/rules/fields/context.js';
import { compileCondition, eventIdsOf } from '../../../sensor/src/rules/compiler/index.js';
import { SourceText } from '../../../sensor/src/rules/parser/source.js';

export type Values = Record<string, FieldValue>;

const f = (name: string, type: FieldType, extra: Partial<FieldDef<any>> = {}): FieldDef<any> =>
  field<any>({ name, type, desc: name, extract: (c, arg) => (c as unknown as FakeContext).get(arg === undefined ? name : `${name}[${String(arg)}]`), ...extra });

export const TEST_REGISTRY = new FieldRegistry([
  f('evt.type', 'string'), f('evt.num', 'uint64'), f('evt.rawres', 'int64'), f('evt.buffer', 'bytebuf'), f('evt.is_open_read', 'bool'),
  f('proc.name', 'string'), f('proc.pname', 'string'), f('proc.cmdline', 'string'), f('proc.pid', 'int64'), f('proc.exepath', 'string'),
  f('proc.aname', 'string', { arg: { kind: 'index', required: false }, parseArg: (t: string) => Number(t) }),
  f('thread.cap_effective', 'uint64'),
  f('fd.name', 'string'), f('fd.sport', 'port'), f('fd.sip', 'ipaddr'), f('fd.typechar', 'string'),
  f('fd.ip', 'ipaddr', { filterOnly: true }), f('fd.net', 'ipnet', { filterOnly: true }), f('fd.port', 'port', { filterOnly: true }),
]);

export class FakeContext {
  /** The event as `match` sees it: its type id is that of the `evt.type` value (0 when none). */
  readonly ev: { type: number };
  constructor(public values: Values) {
    const name = values['evt.type'];
    this.ev = { type: typeof name === 'string' ? (eventIdsOf(name)?.[0] ?? 0) : 0 };
  }
  get(key: string): FieldValue { return this.values[key]; }
  value(b: BoundField): FieldValue { return b.def.extract(this as unknown as FieldContext, b.arg); }
}

export interface Env { lists?: Record<string, string[]>; macros?: Record<string, string> }

/** Compiles a condition against the test registry with optional lists and macros (all macros visible). */
export function compile(cond: string, env: Env = {}) {
  const lists = new Map(Object.entries(env.lists ?? {}));
  const { parseCondition } = await_parse;
  const macros = new Map(Object.entries(env.macros ?? {}).map(([name, text]) => [name, { name, ast: parseCondition(text), visible: () => true }]));
  return compileCondition(new SourceText(cond), { lists, macros, usedLists: new Set(), usedMacros: new Set() }, TEST_REGISTRY);
}

import * as await_parse from '../../../sensor/src/rules/parser/parser.js';

/** Does `cond` match an event with these field values? */
export function matches(cond: string, values: Values, env: Env = {}): boolean {
  return compile(cond, env).match(new FakeContext(values) as unknown as FieldContext);
}
