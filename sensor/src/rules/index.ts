// rules/: conditions, operators and fields evaluated on events. Public surface of the stage.
export * from './fields/index.js';
export * from './types.js';
export {
  loadRuleSet, loadRuleSetFromTexts, expandRulePaths, indexByEventType, ENGINE_VERSION, BUILTIN_PLUGINS, formatMessage, parsePriority,
  ERROR_CODES, WARNING_CODES, type LoadOptions, type LoadedRuleSet, type RulesText, type CompiledRuleInfo,
} from './loader/index.js';
export { parseCondition, ConditionSyntaxError, ALL_OPERATORS } from './parser/parser.js';
export { SourceText } from './parser/source.js';
export { printCondition } from './parser/print.js';
export type { Expr } from './parser/ast.js';
export { compileCondition, CompileError, inferEventTypes, eventIdsOf, type CompiledCondition } from './compiler/index.js';
export { OPERATORS, operator } from './operators/index.js';
export * from './engine/index.js';
