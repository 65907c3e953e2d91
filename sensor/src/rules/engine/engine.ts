// The engine: judges every event against the rules registered for its type, after the state has applied the
// event (libsinsp parses, then filters). A rule set is prepared beside the running one and swapped in between
// two events; counters (matches, suppressed, errors) are kept per rule and survive swaps by rule name.
import type { CaptureMetadata, EventBatch } from '../../schema/capture-types.js';
import type { EventView } from '../../decode/event-view.js';
import { Formatter } from '../../decode/format.js';
import { EventSequencer, SystemState } from '../../state/index.js';
import type { FieldContext, MetadataView } from '../fields/index.js';
import type { MetadataGate } from '../../enrich/store.js';
import type { CompiledRule, Priority, RuleSet } from '../types.js';
import type { Alert } from '../../output/types.js';
import { compileRuleOutput, type RuleOutput } from './rule-output.js';
import { TokenBuckets, type RateLimit } from './rate-limit.js';
import { eventTypesOf, ruleFilter, type RuleFilter } from './selection.js';
import { EngineError } from './errors.js';
import { compileRuleGroup, typesByMembers, type GroupJudge } from '../compiler/group.js';

export interface EngineOptions extends RuleFilter {
  /** Per-rule token bucket; null/undefined = no rate limiting (Falco's default). */
  rateLimit?: RateLimit | null;
  /** Prefix alerts with %evt.time.iso8601 (Falco's time_format_iso_8601) instead of %evt.time. */
  timeIso8601?: boolean;
  /** Compute output_fields for each alert (needed by JSON outputs). */
  outputFields?: boolean;
  /** Receives each alert; a returned promise is awaited before the next event (output back-pressure). */
  emit: (alert: Alert) => Promise<void> | void;
  /** Called once per rule, on the first exception its condition or output throws (later ones are only counted). */
  onRuleError?: (rule: CompiledRule, error: unknown) => void;
  /** The state to update and read (default: a new SystemState). */
  state?: SystemState;
  /**
   * Falco's `rule_matching`: 'first' stops at the first rule (in load order, among those registered for the
   * event's type) whose condition matches — Falco's default; 'all' judges every rule (the default here).
   */
  ruleMatching?: 'first' | 'all';
  /**
   * Container/pod metadata (enrich/ MetadataStore). An event of a container seen for the first time, of a type
   * whose rules read container or pod metadata, waits (bounded by the store) before it is judged; the stream
   * behind it waits too, so state and order stay exact.
   */
  metadata?: (MetadataGate & MetadataView) | null;
  /** Fields added to every alert's output_fields (the container and pod block when enrichment runs). */
  extraOutputFields?: readonly string[];
  /**
   * Called with every event after the state took it and before the rules judge it (Falco's syscall_event_drops
   * check sits there); returning false stops processBatch before that event is judged.
   */
  beforeJudge?: (ev: EventView) => boolean;
}

/** A rule that runs, with its compiled output and alert constants. */
export interface ActiveRule {
  /** Dense index in its PreparedSet (counter and bucket slot). */
  readonly index: number;
  readonly rule: CompiledRule;
  readonly output: RuleOutput;
  readonly tags: readonly string[];
}

export interface RuleStats {
  name: string;
  priority: Priority;
  matches: number;
  suppressed: number;
  errors: number;
  firstError?: string;
}

export interface EngineStats {
  /** Events numbered and passed through state. */
  events: number;
  /** Rule condition calls. */
  evaluations: number;
  alerts: number;
  suppressed: number;
  ruleErrors: number;
  swaps: number;
  /** Per rule, aggregated over every rule set by name, in first-seen order. */
  rules: RuleStats[];
}

/**
 * The rules registered for some event types (the same list for each), judged by one generated function
 * (compiler/group.ts) compiled when the first of those events arrives.
 */
export class RuleGroup {
  private compiled: GroupJudge | null = null;
  /** Counts a throwing condition against its rule (the generated function goes on with the next rule). */
  readonly onError: (member: number, error: unknown) => void;

  constructor(readonly list: readonly ActiveRule[], set: PreparedSet, onRuleError: EngineOptions['onRuleError'], readonly types: readonly number[]) {
    this.onError = (member, error) => set.ruleError(list[member], error, onRuleError);
  }

  /** Called for every judged event: it must not allocate (compile() holds the closure, so V8 makes its context there). */
  get judge(): GroupJudge { return this.compiled ?? this.compile(); }

  private compile(): GroupJudge {
    const list = this.list;
    try {
      this.compiled = compileRuleGroup(list.map((a) => a.rule), new Set(this.types)).judge;
    } catch (e) {
      // Every member compiled alone; should the shared function not (a compiler bug), each rule is called alone:
      // the same answers, only slower. Said once on stderr, not hidden.
      process.emitWarning(`rules of event types ${this.types.join(',')} are judged one by one: ${(e as Error).message}`, 'SensordRuleGroupWarning');
      this.compiled = (ctx, from, onError) => {
        for (let k = from; k < list.length; k++) {
          try { if (list[k].rule.matchIndexed(ctx)) return k; } catch (e) { onError(k, e); }
        }
        return -1;
      };
    }
    return this.compiled;
  }
}

/** A rule set filtered (priority, tags), with outputs compiled and counters: what the engine runs. */
export class PreparedSet {
  readonly rules: readonly ActiveRule[];
  /** The group judging each event type (undefined: no rule for it); types with the same rules share one. */
  readonly groups: ReadonlyArray<RuleGroup | undefined>;
  /** Event types the running rules need (the probe's selection source). */
  readonly eventTypes: ReadonlySet<number>;
  /** 1 for event types with a rule whose condition or output reads container/pod metadata. */
  readonly metadataTypes: Uint8Array;
  readonly matches: Float64Array;
  readonly suppressed: Float64Array;
  readonly errors: Float64Array;
  readonly firstErrors: (string | undefined)[];
  /** Events judged while this set was current. */
  events = 0;
  evaluations = 0;
  readonly buckets: TokenBuckets | null;

  constructor(readonly ruleSet: RuleSet, opts: Omit<EngineOptions, 'emit'>) {
    const keep = ruleFilter(opts);
    const active: ActiveRule[] = [];
    const byRule = new Map<CompiledRule, ActiveRule>();
    const problems: string[] = [];
    for (const rule of ruleSet.rules) {
      if (rule.source !== 'syscall' || !keep(rule)) continue;
      let output: RuleOutput;
      try {
        output = compileRuleOutput(rule, { timeIso8601: opts.timeIso8601, extraFields: opts.outputFields ? opts.extraOutputFields : undefined });
      } catch (e) {
        problems.push((e as Error).message);
        continue;
      }
      const a: ActiveRule = { index: active.length, rule, output, tags: [...new Set(rule.tags)].sort() }; // Falco keeps tags in a std::set
      active.push(a);
      byRule.set(rule, a);
    }
    if (problems.length > 0) throw new EngineError('EOUTPUT', problems.join('\n'));
    const byType: ActiveRule[][] = ruleSet.byEventType.map((list) => {
      const kept: ActiveRule[] = [];
      for (const r of list) { const a = byRule.get(r); if (a !== undefined) kept.push(a); }
      return kept;
    });
    this.rules = active;
    const groups: (RuleGroup | undefined)[] = [];
    this.metadataTypes = new Uint8Array(byType.length);
    for (const { types, members } of typesByMembers(byType, (a) => a.index)) {
      const g = new RuleGroup(members, this, opts.onRuleError, types);
      const usesMetadata = members.some((a) => a.rule.usesMetadata || a.output.usesMetadata);
      for (const t of types) { groups[t] = g; if (usesMetadata) this.metadataTypes[t] = 1; }
    }
    this.groups = groups;
    this.eventTypes = eventTypesOf(active.map((a) => a.rule));
    const n = active.length;
    this.matches = new Float64Array(n);
    this.suppressed = new Float64Array(n);
    this.errors = new Float64Array(n);
    this.firstErrors = new Array(n).fill(undefined);
    this.buckets = opts.rateLimit ? new TokenBuckets(n, opts.rateLimit) : null;
  }

  /** Counts an exception of a rule's condition or output; the first one is kept and reported. */
  ruleError(a: ActiveRule, e: unknown, report: EngineOptions['onRuleError']): void {
    if (this.errors[a.index]++ === 0) {
      this.firstErrors[a.index] = e instanceof Error ? e.message : String(e);
      report?.(a.rule, e);
    }
  }
}

export class Engine {
  readonly state: SystemState;
  readonly formatter: Formatter;
  readonly fields: FieldContext;
  private readonly sequencer: EventSequencer;
  private current: PreparedSet;
  private pending: PreparedSet | null = null;
  private readonly totals = new Map<string, RuleStats>();
  private alerts = 0;
  private swaps = 0;
  private retiredEvaluations = 0;
  /** Back-pressure from the last emit of the current event. */
  private wait: Promise<void> | undefined;
  private readonly gate: MetadataGate | null;

  constructor(ruleSet: RuleSet, private readonly opts: EngineOptions) {
    this.state = opts.state ?? new SystemState();
    this.sequencer = new EventSequencer(this.state);
    this.formatter = new Formatter(this.state);
    this.fields = this.formatter.fields;
    this.gate = opts.metadata ?? null;
    if (opts.metadata) this.fields.metadata = opts.metadata;
    this.current = this.prepare(ruleSet);
  }

  /** The running set (the one judging events now; a pending swap is not yet visible here). */
  get prepared(): PreparedSet { return this.current; }
  get ruleSet(): RuleSet { return this.current.ruleSet; }

  /** Filters and compiles a rule set beside the running one; throws EngineError (EOUTPUT) without side effects. */
  prepare(ruleSet: RuleSet): PreparedSet { return new PreparedSet(ruleSet, this.opts); }

  /**
   * Replaces the rule set from the next event on: the event being judged (if any) finishes with the old set.
   * Returns the prepared set (its eventTypes give the new probe selection).
   */
  swap(next: RuleSet | PreparedSet): PreparedSet {
    const set = next instanceof PreparedSet ? next : this.prepare(next);
    this.pending = set;
    return set;
  }

  /** Users, groups, interfaces and hostname of a capture section or /proc snapshot, for state and fields. */
  loadMetadata(md: CaptureMetadata): void {
    this.state.loadMetadata(md);
    this.formatter.loadMetadata(md);
  }

  /**
   * Every event of a batch, in order: number it, update state, judge it. Awaits output back-pressure. Returns
   * false when the beforeJudge option stopped it (the rest of the batch is left alone), else true.
   */
  async processBatch(batch: EventBatch): Promise<boolean> {
    const view = this.sequencer.view;
    const before = this.opts.beforeJudge;
    for (let k = 0; k < batch.count; k++) {
      if (!this.sequencer.advance(batch, k)) continue;
      this.fields.tick(view);
      if (before !== undefined && !before(view)) return false;
      this.judge(view);
      if (this.wait !== undefined) { const w = this.wait; this.wait = undefined; await w; }
    }
    return true;
  }

  /**
   * Judges one event already applied to the state (the engine's own loop does both; tests and other loops may
   * call this after state.process). Alerts go to `emit`; errors of a rule are counted against it.
   */
  judge(ev: EventView): void {
    if (this.pending !== null) this.applyPending();
    const set = this.current;
    set.events++;
    const type = ev.type;
    const group = type < set.groups.length ? set.groups[type] : undefined;
    if (group === undefined) return;
    const ctx = this.fields;
    ctx.begin(ev);
    if (this.gate !== null && set.metadataTypes[type] === 1) {
      const th = ctx.thread();
      const id = th?.containerFullId;
      if (id !== undefined && id !== 'host' && id !== '') {
        const held = this.gate.hold(id);
        // Nothing after this event is applied to the state until it is judged (processBatch awaits `wait`).
        if (held !== null) { this.wait = held.then(() => this.judgeHeld(ev, set, group)); return; }
      }
    }
    this.evaluate(ev, set, group);
  }

  /** Judges an event that waited for its container's metadata; returns the output back-pressure, if any. */
  private judgeHeld(ev: EventView, set: PreparedSet, group: RuleGroup): Promise<void> | undefined {
    this.fields.begin(ev);
    this.evaluate(ev, set, group);
    const w = this.wait;
    this.wait = undefined;
    return w;
  }

  private evaluate(ev: EventView, set: PreparedSet, group: RuleGroup): void {
    const ctx = this.fields;
    const list = group.list;
    const judge = group.judge;
    const first = this.opts.ruleMatching === 'first';
    let judged = list.length;
    for (let k = judge(ctx, 0, group.onError); k >= 0; k = judge(ctx, k + 1, group.onError)) {
      const a = list[k];
      set.matches[a.index]++;
      this.fire(ev, set, a);
      // 'first': no rule after this one is judged (its alert is still emitted).
      if (first) { judged = k + 1; break; }
    }
    set.evaluations += judged;
  }

  /** A matched rule: its token bucket, then its alert (an exception rendering it counts against the rule). */
  private fire(ev: EventView, set: PreparedSet, a: ActiveRule): void {
    if (set.buckets !== null && !set.buckets.take(a.index, ev.ts)) { set.suppressed[a.index]++; return; }
    const ctx = this.fields;
    let alert: Alert;
    try {
      alert = {
        ts: ev.ts, rule: a.rule.name, priority: a.rule.priority, source: a.rule.source, tags: a.tags,
        output: a.output.render(ctx),
        outputFields: this.opts.outputFields ? a.output.fieldsJson(ctx) : null,
      };
    } catch (e) {
      set.ruleError(a, e, this.opts.onRuleError);
      return;
    }
    this.alerts++;
    const p = this.opts.emit(alert);
    if (p !== undefined) this.wait = p;
  }

  private applyPending(): void {
    this.fold(this.current);
    this.retiredEvaluations += this.current.evaluations;
    this.current = this.pending!;
    this.pending = null;
    this.swaps++;
  }

  private fold(set: PreparedSet): void {
    for (const a of set.rules) {
      const t = this.entry(a.rule);
      t.matches += set.matches[a.index];
      t.suppressed += set.suppressed[a.index];
      t.errors += set.errors[a.index];
      t.firstError ??= set.firstErrors[a.index];
    }
  }

  private entry(rule: CompiledRule): RuleStats {
    let t = this.totals.get(rule.name);
    if (t === undefined) { t = { name: rule.name, priority: rule.priority, matches: 0, suppressed: 0, errors: 0 }; this.totals.set(rule.name, t); }
    return t;
  }

  stats(): EngineStats {
    const rules = new Map<string, RuleStats>();
    for (const [name, t] of this.totals) rules.set(name, { ...t });
    const set = this.current;
    for (const a of set.rules) {
      let t = rules.get(a.rule.name);
      if (t === undefined) { t = { name: a.rule.name, priority: a.rule.priority, matches: 0, suppressed: 0, errors: 0 }; rules.set(a.rule.name, t); }
      t.priority = a.rule.priority;
      t.matches += set.matches[a.index];
      t.suppressed += set.suppressed[a.index];
      t.errors += set.errors[a.index];
      t.firstError ??= set.firstErrors[a.index];
    }
    const list = [...rules.values()];
    let suppressed = 0, ruleErrors = 0;
    for (const r of list) { suppressed += r.suppressed; ruleErrors += r.errors; }
    for (const r of list) if (r.firstError === undefined) delete r.firstError;
    return {
      events: this.sequencer.num, evaluations: this.retiredEvaluations + set.evaluations, alerts: this.alerts,
      suppressed, ruleErrors, swaps: this.swaps, rules: list,
    };
  }
}
