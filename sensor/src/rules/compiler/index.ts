// The condition compiler: parse → expand macros and lists → type-check and emit JS → infer event types.
// Pure: the same inputs give the same compiled function; nothing here knows about files or YAML.
import type { FieldRegistry } from '../fields/registry.js';
import { parseCondition } from '../parser/parser.js';
import { printCondition } from '../parser/print.js';
import type { SourceText } from '../parser/source.js';
import type { Expr } from '../parser/ast.js';
import { emitCondition, type EmittedCondition } from './emit.js';
import { expandCondition, type ExpandEnv } from './expand.js';
import { inferEventTypes } from './evttypes.js';

export interface CompiledCondition extends EmittedCondition {
  readonly expanded: Expr;
  readonly expandedText: string;
  /** Event ids the condition can match (all ids when unconstrained). */
  readonly evttypes: ReadonlySet<number>;
}

/** Compiles one rule condition. Throws ConditionSyntaxError (parse) or CompileError (expansion, types). */
export function compileCondition(src: SourceText, env: ExpandEnv, registry: FieldRegistry, macroCache = new Map<string, Expr>()): CompiledCondition {
  const ast = parseCondition(src);
  const expanded = expandCondition(ast, env, macroCache);
  const emitted = emitCondition(expanded, registry);
  return { ...emitted, expanded, expandedText: printCondition(expanded), evttypes: inferEventTypes(expanded) };
}

export { CompileError, expandCondition, itemValue, type ExpandEnv, type MacroDef } from './expand.js';
export { emitCondition, typeClass, type EmittedCondition, type EmitWarning } from './emit.js';
export { inferEventTypes, eventIdsOf, ALL_EVENT_IDS } from './evttypes.js';
export { TRANSFORMERS, transformer, type TransformerDef } from './transformers.js';
export { js, lit, ident, Hoist, type Code } from './js.js';
