// `sensord rules validate PATH...` (Falco's -V: errors and warnings in Falco's shape, exit 0 when no errors;
// --json for the machine shape, --dump-js for the generated code: each rule's, then the per-event-type functions
// the engine runs) and `sensord rules list [--rules PATH...]`.
import { formatMessage, loadRuleSet, type LoadedRuleSet } from '../../rules/loader/index.js';
import type { LoadMessage } from '../../rules/types.js';
import { compileRuleGroup, typesByMembers } from '../../rules/compiler/group.js';
import { EVENTS } from '../../schema/index.js';

export interface ValidateOptions { json?: boolean; dumpJs?: boolean }

export function runRulesValidate(paths: readonly string[], opts: ValidateOptions, out: (s: string) => void = (s) => process.stdout.write(s + '\n')): number {
  const set = loadRuleSet(paths);
  if (opts.json === true) {
    out(JSON.stringify(validationJson(set, paths), null, 2));
  } else {
    out(validationText(set, paths));
    if (opts.dumpJs === true) {
      for (const r of set.allRules) {
        out(`// rule '${r.name}' (${r.location.file}:${r.location.line}:${r.location.col})${r.enabled ? '' : ' [disabled]'}`);
        out(`// condition: ${r.expandedCondition}`);
        out(r.js);
        out('');
      }
      // What the engine runs: one function per set of event types that have the same enabled rules.
      for (const g of typesByMembers(set.byEventType, (r) => r.id)) {
        const names = [...new Set(g.types.map((t) => EVENTS[t].name))].join(', ');
        out(`// event types ${names} (${g.types.length} event ids): ${g.members.length} rule(s): ${g.members.map((r) => `'${r.name}'`).join(', ')}`);
        out(compileRuleGroup(g.members, new Set(g.types)).js);
        out('');
      }
    }
  }
  return set.errors.length === 0 ? 0 : 1;
}

/** Falco's -V text: per invocation `<files>: Ok|Invalid`, then counted errors and warnings. */
export function validationText(set: LoadedRuleSet, paths: readonly string[]): string {
  const lines: string[] = [];
  const name = paths.join(', ');
  lines.push(`${name}: ${set.errors.length === 0 ? 'Ok' : 'Invalid'}`);
  const section = (title: string, msgs: readonly LoadMessage[]): void => {
    if (msgs.length === 0) return;
    lines.push(`${msgs.length} ${title}:`);
    for (const m of msgs) lines.push(formatMessage(m), '');
  };
  section('Errors', set.errors);
  section('Warnings', set.warnings);
  return lines.join('\n').trimEnd();
}

/** Falco's -V --json shape: {falco_load_results: [{successful, name, errors, warnings}]}. */
export function validationJson(set: LoadedRuleSet, paths: readonly string[]) {
  return {
    falco_load_results: [{ successful: set.errors.length === 0, name: paths.join(', '), errors: set.errors, warnings: set.warnings }],
  };
}

export interface ListOptions { rules?: string[]; json?: boolean }

export function runRulesList(opts: ListOptions, defaultRules: readonly string[], out: (s: string) => void = (s) => process.stdout.write(s + '\n')): number {
  const paths = opts.rules !== undefined && opts.rules.length > 0 ? opts.rules : defaultRules;
  if (paths.length === 0) {
    out('no rules files given (use --rules PATH)');
    return 1;
  }
  const set = loadRuleSet(paths);
  for (const e of set.errors) process.stderr.write(formatMessage(e) + '\n');
  const rows = set.allRules.map((r) => ({
    name: r.name, priority: r.priority, source: r.source, enabled: r.enabled, tags: r.tags,
    evttypes: r.evttypes === null ? 'all' : String(r.evttypes.length),
  }));
  if (opts.json === true) out(JSON.stringify(rows, null, 2));
  else {
    const w = Math.min(60, Math.max(4, ...rows.map((r) => r.name.length)));
    out(`${'RULE'.padEnd(w)}  ${'PRIORITY'.padEnd(13)}  ${'SOURCE'.padEnd(9)}  EVTTYPES  TAGS`);
    for (const r of rows) {
      out(`${r.name.padEnd(w)}  ${r.priority.padEnd(13)}  ${r.source.padEnd(9)}  ${(r.evttypes + (r.enabled ? '' : ' (off)')).padEnd(8)}  ${r.tags.join(',')}`);
    }
    out(`${rows.length} rules (${rows.filter((r) => r.enabled).length} enabled), ${set.errors.length} errors, ${set.warnings.length} warnings`);
  }
  return set.errors.length === 0 ? 0 : 1;
}
