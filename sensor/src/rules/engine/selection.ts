// Which rules of a RuleSet run (Falco's priority threshold, -t/-T tags) and which syscalls the probe must trace
// for them: the rule set's event types mapped to syscall names, plus what state tracking always needs.
import { EVENTS, PROBED_SYSCALLS } from '../../schema/index.js';
import { PRIORITIES, type CompiledRule, type Priority } from '../types.js';
import { EngineError } from './errors.js';

export interface RuleFilter {
  /** Least severe priority that still runs (Falco's `priority` setting); default DEBUG = all. */
  minPriority?: Priority;
  /** Falco -t: only rules carrying at least one of these tags. */
  tags?: readonly string[];
  /** Falco -T: rules carrying any of these tags are disabled. */
  disabledTags?: readonly string[];
}

/** Accepts Falco's spellings: any case, INFO for INFORMATIONAL. */
export function parsePriority(name: string): Priority {
  const up = name.trim().toUpperCase();
  const p = up === 'INFO' ? 'INFORMATIONAL' : up;
  if (!(PRIORITIES as readonly string[]).includes(p)) {
    throw new EngineError('EPRIORITY', `unknown priority ${JSON.stringify(name)} (one of ${PRIORITIES.join(', ')}, or INFO)`);
  }
  return p as Priority;
}

export function checkFilter(f: RuleFilter): void {
  if ((f.tags?.length ?? 0) > 0 && (f.disabledTags?.length ?? 0) > 0) {
    throw new EngineError('ETAGS', 'you can not specify both disabled (-T) and enabled (-t) tags');
  }
}

/** A predicate over rules, built once per rule set (never per event). */
export function ruleFilter(f: RuleFilter): (r: CompiledRule) => boolean {
  checkFilter(f);
  const maxLevel = f.minPriority === undefined ? PRIORITIES.length - 1 : PRIORITIES.indexOf(f.minPriority);
  const only = f.tags && f.tags.length > 0 ? new Set(f.tags) : null;
  const off = f.disabledTags && f.disabledTags.length > 0 ? new Set(f.disabledTags) : null;
  return (r) => r.priorityLevel <= maxLevel
    && (only === null || r.tags.some((t) => only.has(t)))
    && (off === null || !r.tags.some((t) => off.has(t)));
}

/**
 * Syscalls state tracking needs whatever the rules ask for: process lifecycle (clone/fork/exec, credentials,
 * cwd), and every call that creates, duplicates or closes an fd, so fd.* fields stay right for any rule.
 */
export const STATE_SYSCALLS: readonly string[] = [
  ...PROBED_SYSCALLS.filter((s) => s.purpose === 'state').map((s) => s.name),
  'execve', 'execveat', 'open', 'openat', 'openat2', 'creat', 'socket', 'accept', 'accept4', 'connect',
  'dup', 'dup2', 'dup3',
];

const PROBED = new Set(PROBED_SYSCALLS.map((s) => s.name));

/** The probe's syscall selection for a set of event type ids: their syscalls (when probed) ∪ STATE_SYSCALLS. */
export function syscallSelection(eventTypes: Iterable<number>): string[] {
  const names = new Set(STATE_SYSCALLS);
  for (const id of eventTypes) {
    const e = EVENTS[id];
    if (e !== undefined && PROBED.has(e.name)) names.add(e.name);
  }
  return [...names].sort();
}

/** Event type ids of the rules that pass the filter (null evttypes = the rule needs every probed syscall). */
export function eventTypesOf(rules: readonly CompiledRule[]): Set<number> {
  const out = new Set<number>();
  for (const r of rules) {
    if (r.source !== 'syscall') continue;
    if (r.evttypes === null) { for (const e of EVENTS) out.add(e.id); continue; }
    for (const t of r.evttypes) out.add(t);
  }
  return out;
}
