// Hand-built CompiledRules and RuleSets for engine tests (the loader's contract in sensor/src/rules/types.ts),
// and an engine over the field tests' small world (process tree ending in cat, pid 400).
import { EVENTS } from '../../../sensor/src/schema/index.js';
import { PRIORITIES, type CompiledRule, type Priority, type RuleSet } from '../../../sensor/src/rules/types.js';
import type { FieldContext } from '../../../sensor/src/rules/fields/index.js';
import { Engine, type EngineOptions } from '../../../sensor/src/rules/engine/index.js';
import type { Alert } from '../../../sensor/src/output/index.js';
import { buildEvent, batchOf, type ParamValue } from '../../helpers/event-builder.js';
import { world, CAT } from '../fields/helpers.js';

export interface RuleSpec {
  name: string;
  /** Event names (both directions), or null for every type. */
  types: string[] | null;
  match?: (ctx: FieldContext) => boolean;
  priority?: Priority;
  tags?: string[];
  output?: string;
  source?: string;
  usesMetadata?: boolean;
}

export function idsOf(names: string[]): number[] {
  return EVENTS.filter((e) => names.includes(e.name)).map((e) => e.id);
}

export function makeRuleSet(specs: RuleSpec[]): RuleSet {
  const rules: CompiledRule[] = specs.map((s, id) => {
    const priority = s.priority ?? 'WARNING';
    const match = s.match ?? (() => true);
    return {
      id, name: s.name, desc: s.name, priority, priorityLevel: PRIORITIES.indexOf(priority), tags: s.tags ?? [],
      source: s.source ?? 'syscall', output: s.output ?? `${s.name} fired (proc=%proc.name)`,
      evttypes: s.types === null ? null : idsOf(s.types), match, matchIndexed: match,
      expandedCondition: '', js: '', usesMetadata: s.usesMetadata ?? false, location: { file: 'test.yaml', line: id + 1, col: 1 },
    };
  });
  const byEventType: CompiledRule[][] = EVENTS.map(() => []);
  const eventTypes = new Set<number>();
  for (const r of rules) {
    if (r.source !== 'syscall') continue;
    const ids = r.evttypes ?? EVENTS.map((e) => e.id);
    for (const t of ids) { byEventType[t].push(r); eventTypes.add(t); }
  }
  return { rules, byEventType, eventTypes, errors: [], warnings: [], files: ['test.yaml'] };
}

export function testEngine(set: RuleSet, opts: Partial<EngineOptions> = {}) {
  const w = world();
  const alerts: Alert[] = [];
  const engine = new Engine(set, { emit: (a) => { alerts.push(a); }, ...opts, state: w.state });
  engine.formatter.loadMetadata(w.md);
  const feed = async (events: Array<[string, Record<string, ParamValue>, { tid?: number; ts?: bigint }?]>) => {
    await engine.processBatch(batchOf(events.map(([code, params, o]) => buildEvent(code, params, { tid: o?.tid ?? CAT, ts: o?.ts }))));
  };
  return { engine, alerts, feed, world: w };
}

export const OPENAT_X = (name: string, fd = 9): [string, Record<string, ParamValue>] =>
  ['PPME_SYSCALL_OPENAT_2_X', { fd, dirfd: -100, name, flags: 1, mode: 0, dev: 0, ino: 0 }];
export const CLOSE_X = (fd = 9): [string, Record<string, ParamValue>] => ['PPME_SYSCALL_CLOSE_X', { res: 0, fd }];
