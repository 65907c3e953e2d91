// The condition compiler: parse → expand macros and lists → type-check and emit JS → infer event types.
// Pure: the same inputs give the same compiled function; nothing here knows about files or YAML.
import type { FieldRegistry } from '../fields/registry.js';
import type { FieldContext } from '../fields/context.js';
import { parseCondition } from '../parser/parser.js';
import { printCondition } from '../parser/print.js';
import type { SourceText } from '../parser/source.js';
import type { Expr } from '../parser/ast.js';
import { emitCondition, type EmittedCondition } from './emit.js';
import { expandCondition, type ExpandEnv } from './expand.js';
import { inferEventTypes } from './evttypes.js';
import { PPM_EVENT_MAX } from '../../schema/index.js';

export interface CompiledCondition extends EmittedCondition {
  readonly expanded: Expr;
  readonly expandedText: string;
  /** Event ids the condition can match (all ids when unconstrained). */
  readonly evttypes: ReadonlySet<number>;
  /** `evttypes` by event id (1 = can match), for callers that dispatch by type themselves. */
  readonly typeMask: Uint8Array;
  /** `match` for events whose type is in `evttypes` only: evt.type tests they all pass are left out. */
  readonly matchIndexed: (ctx: FieldContext) => boolean;
}

/** Compiles one rule condition. Throws ConditionSyntaxError (parse) or CompileError (expansion, types). */
export function compileCondition(src: SourceText, env: ExpandEnv, registry: FieldRegistry, macroCache = new Map<string, Expr>()): CompiledCondition {
  const ast = parseCondition(src);
  const expanded = expandCondition(ast, env, macroCache);
  const evttypes = inferEventTypes(expanded);
  const expandedText = printCondition(expanded);
  const typeMask = new Uint8Array(PPM_EVENT_MAX);
  for (const t of evttypes) typeMask[t] = 1;
  if (evttypes.size >= PPM_EVENT_MAX) {
    const emitted = emitCondition(expanded, registry);
    return { ...emitted, matchIndexed: emitted.match, typeMask, expanded, expandedText, evttypes };
  }
  // The engine judges a rule only on events of its types: the code leaves out the evt.type tests those types
  // always pass (matchIndexed); `match` stays the whole condition for any event, through the type mask.
  const emitted = emitCondition(expanded, registry, evttypes);
  const indexed = emitted.match;
  const match = (ctx: FieldContext): boolean => { const t = ctx.ev.type; return t < PPM_EVENT_MAX && typeMask[t] === 1 && indexed(ctx); };
  return { ...emitted, match, matchIndexed: indexed, typeMask, expanded, expandedText, evttypes };
}

export { CompileError, expandCondition, itemValue, resolveMacro, type ExpandEnv, type MacroDef } from './expand.js';
export { emitCondition, type EmittedCondition, type EmitWarning } from './emit.js';
export { inferEventTypes, eventIdsOf, ALL_EVENT_IDS, GENERIC_EVENT_IDS } from './evttypes.js';
export { TRANSFORMERS, transformer, typeClass, type TransformerDef } from './transformers.js';
export { js, lit, ident, Hoist, type Code } from './js.js';
