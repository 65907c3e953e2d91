// rules/engine: judges events against a compiled RuleSet (only the rules of the event's type), renders alerts,
// rate-limits per rule, swaps rule sets between events and reloads them from disk. Public surface.
export { Engine, PreparedSet, type ActiveRule, type EngineOptions, type EngineStats, type RuleStats } from './engine.js';
export { EngineError, type EngineErrorCode } from './errors.js';
export { compileRuleOutput, outputPrefix, RuleOutput, type RuleOutputOptions } from './rule-output.js';
export { TokenBuckets, type RateLimit } from './rate-limit.js';
export { checkFilter, eventTypesOf, parsePriority, ruleFilter, STATE_SYSCALLS, syscallSelection, type RuleFilter } from './selection.js';
export { RuleReloader, type ReloaderOptions, type ReloadStats } from './reload.js';
export { defaultRulesDir, formatLoadMessage, loadRules, packageRoot, resolveRulePaths, ruleLoader, useRuleLoader, type LoadRuleSet } from './rule-files.js';
