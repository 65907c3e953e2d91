// The rules of one event type judged by one generated function (HOUSE-STYLE 8–11): the conditions share their
// field locals (a field read by twelve rules is extracted once per event), every subexpression that occurs more
// than once among them — a macro such as open_read or sensitive_files, an exception list — is computed at most
// once per call, and `evt.type` tests are constants for the group's types. Rules are tried in order; the
// function returns the index of the first one at or after `from` that matches, so the engine keeps Falco's
// `first` and `all` matching and its per-rule counters.
import type { FieldContext } from '../fields/context.js';
import type { FieldRegistry } from '../fields/registry.js';
import type { Expr } from '../parser/ast.js';
import { Emitter, countSubexpressions } from './emit.js';
import { ident, js, type Code } from './js.js';

/** A rule condition as the group compiler takes it: the expanded AST when there is one, else its function. */
export interface GroupMember {
  readonly condition?: { readonly expanded: Expr; readonly registry: FieldRegistry };
  /** Used as is for members without `condition` (or of another field registry than the first member's). */
  readonly matchIndexed: (ctx: FieldContext) => boolean;
}

/**
 * Index (into the group's members) of the first member at or after `from` whose condition holds for the event
 * the context is on, or -1. A member whose condition throws is reported to `onError` and counts as no match.
 */
export type GroupJudge = (ctx: FieldContext, from: number, onError: (member: number, error: unknown) => void) => number;

export interface CompiledGroup {
  readonly judge: GroupJudge;
  /** The generated source (for dumps and tests). */
  readonly js: string;
}

/**
 * Compiles members that the engine judges only on events whose type is in `types` (each member's conditions
 * already compiled alone, so this cannot meet an error a single rule would not have had).
 */
export function compileRuleGroup(members: readonly GroupMember[], types: ReadonlySet<number>): CompiledGroup {
  const registry = members.find((m) => m.condition !== undefined)?.condition?.registry;
  const counts = new Map<string, number>();
  for (const m of members) if (m.condition !== undefined && m.condition.registry === registry) countSubexpressions(m.condition.expanded, counts);
  const e = registry === undefined ? undefined : new Emitter(registry, { types, counts });
  const cases: string[] = [];
  const fallbacks: Array<(ctx: FieldContext) => boolean> = [];
  members.forEach((m, k) => {
    let test: Code;
    if (e !== undefined && m.condition !== undefined && m.condition.registry === registry) test = e.expr(m.condition.expanded);
    else { test = js`${ident(`R${fallbacks.length}`)}(ctx)`; fallbacks.push(m.matchIndexed); }
    const index = k.toString();
    cases.push(`    case ${index}: try { if (${test.text}) return ${index}; } catch (err) { onError(${index}, err); }`);
  });
  const hoisted = e?.hoist.values ?? [];
  const consts = hoisted.map((_, i) => `const H${i} = H[${i}];`).join('\n');
  const preds = (e?.predicates ?? []).map((p, i) => `const P${i} = (x) => ${p.text};`).join('\n');
  const rs = fallbacks.map((_, i) => `const R${i} = R[${i}];`).join('\n');
  const source = `"use strict";\nconst U = Symbol("unread");\n${consts}\n${rs}\n${preds}\n` +
    `return function judge(ctx, from, onError) {\n  ${e?.declarations() ?? 'let x, y;'}\n  switch (from) {\n${cases.join('\n')}\n  }\n  return -1;\n};`;
  // The source is built only from compiler identifiers and JSON literals (js.ts); H and R hold the hoisted values.
  const judge = new Function('H', 'R', source)(hoisted, fallbacks) as GroupJudge;
  return { judge, js: source };
}

/**
 * Event types with the same members, together (by the members' ids, in order): one group function serves them
 * all. `lists[type]` holds the members judged for that type; types without members are left out.
 */
export function typesByMembers<T>(lists: ReadonlyArray<readonly T[] | undefined>, id: (member: T) => number): Array<{ types: number[]; members: readonly T[] }> {
  const byKey = new Map<string, { types: number[]; members: readonly T[] }>();
  lists.forEach((members, type) => {
    if (members === undefined || members.length === 0) return;
    const key = members.map(id).join(',');
    const g = byKey.get(key);
    if (g === undefined) byKey.set(key, { types: [type], members }); else g.types.push(type);
  });
  return [...byKey.values()];
}
