// Falco's syscall_event_drops policy: once per second of event time, compare the events and drops counters of
// the source with the last check; when drops were seen (and their share of the events passes the threshold), take
// the configured actions, at most as often as a token bucket allows:
//   ignore  nothing (the drop is still counted),
//   log     a log line,
//   alert   an alert "Falco internal: syscall event drop" (priority DEBUG, the counters as output_fields), under
//           the rule name Falco uses so pipelines keyed on it keep working,
//   exit    a critical log line, "Exiting.", and the event loop stops (exit status 1).
// simulate_drops adds one drop at every check (and sets the threshold to 0), as Falco's does, to test the
// actions. At the end, summary() gives Falco's "Syscall event drop monitoring" lines.
// This is Falco's policy for Falco's users; sensord's own loss alert is the windowed 'Sensor Blind' (blind.ts).
import type { Alert } from '../output/types.js';
import { TokenBuckets } from '../rules/engine/rate-limit.js';
import { alertTimePrefix } from './blind.js';
import type { EventView } from '../decode/event-view.js';

export type DropAction = 'ignore' | 'log' | 'alert' | 'exit';

export interface DropPolicy {
  /** In the order given; 'ignore' alone when none. */
  readonly actions: readonly DropAction[];
  /** Share of the events (0..1) that must have been dropped within a check before actions run (Falco's 0.1). */
  readonly threshold: number;
  /** Actions per second of event time (token bucket rate, Falco's .03333: one per 30 s). */
  readonly rate: number;
  /** Token bucket size (Falco's 1). */
  readonly maxBurst: number;
  /** Add one drop at every check (threshold 0), to exercise the actions. */
  readonly simulate: boolean;
}

/** The command-line flags of the policy (run and replay), as commander hands them over. */
export interface DropFlags {
  dropActions?: string[];
  dropThreshold?: string;
  dropRate?: string;
  dropMaxBurst?: string;
  simulateDrops?: boolean;
}

export class DropPolicyError extends Error {
  readonly code = 'EDROPS';
  constructor(message: string) { super(message); this.name = 'DropPolicyError'; }
}

export const DROP_RULE = 'Falco internal: syscall event drop';
const ACTIONS: readonly DropAction[] = ['ignore', 'log', 'alert', 'exit'];
const ONE_SECOND_NS = 1e9;

function numberFlag(flag: string, text: string | undefined, dflt: number): number {
  if (text === undefined) return dflt;
  const v = Number(text.trim());
  if (text.trim() === '' || !Number.isFinite(v)) throw new DropPolicyError(`${flag}: expected a number, got ${JSON.stringify(text)}`);
  return v;
}

/**
 * The policy the flags ask for, or null when no drop flag was given (no monitoring). Checks as Falco's config
 * reader does, with its messages: 'log'/'alert' next to 'ignore', unknown actions, a threshold outside [0, 1].
 */
export function dropPolicyFrom(flags: DropFlags): DropPolicy | null {
  if (flags.dropActions === undefined && flags.dropThreshold === undefined && flags.dropRate === undefined
    && flags.dropMaxBurst === undefined && flags.simulateDrops === undefined) return null;
  const actions: DropAction[] = [];
  for (const raw of (flags.dropActions ?? []).flatMap((a) => a.split(','))) {
    const act = raw.trim();
    if (act === '') continue;
    if (!(ACTIONS as readonly string[]).includes(act)) {
      throw new DropPolicyError(`--drop-actions: available actions for syscall event drops are "ignore", "log", "alert", and "exit" (got ${JSON.stringify(act)})`);
    }
    if ((act === 'log' || act === 'alert') && actions.includes('ignore')) {
      throw new DropPolicyError(`--drop-actions: syscall event drop action "${act}" does not make sense with the "ignore" action`);
    }
    if (!actions.includes(act as DropAction)) actions.push(act as DropAction);
  }
  if (actions.length === 0) actions.push('ignore');
  const threshold = numberFlag('--drop-threshold', flags.dropThreshold, 0.1);
  if (threshold < 0 || threshold > 1) throw new DropPolicyError(`--drop-threshold: syscall event drops threshold must be a double in the range [0, 1] (got ${threshold})`);
  const rate = numberFlag('--drop-rate', flags.dropRate, 0.03333);
  if (!(rate > 0)) throw new DropPolicyError(`--drop-rate: expected actions per second > 0, got ${rate}`);
  const maxBurst = numberFlag('--drop-max-burst', flags.dropMaxBurst, 1);
  if (!(maxBurst >= 1)) throw new DropPolicyError(`--drop-max-burst: expected a bucket size >= 1, got ${maxBurst}`);
  return { actions, threshold, rate, maxBurst, simulate: flags.simulateDrops === true };
}

/** Cumulative counters of the event source: events delivered and events lost before delivery. */
export interface DropCounters { events: number; drops: number }

export interface DropHooks {
  /** The source's cumulative counters now. */
  counters(): DropCounters;
  /** A log line of the 'log' and 'exit' actions (and, verbose, of a simulated drop). */
  log(msg: string, level: 'debug' | 'info' | 'warn' | 'error'): void;
  /** The 'alert' action's alert. */
  alert(a: Alert): void;
  /** Falco's time_format_iso_8601 for the alert's time prefix. */
  timeIso8601?: boolean;
}

export class DropMonitor {
  private readonly policy: DropPolicy;
  private readonly bucket: TokenBuckets;
  /** Event time of the next check, ns as a double (exact to ~256 ns: plenty for a once-a-second check). */
  private nextCheck = 0;
  /**
   * Counters at the last check. The first check counts from zero: what the source counted since it opened (the
   * sources are made fresh for the monitor: a probe, an engine), as Falco's drop manager reads its baseline right
   * after the inspector opens, so drops while the rings filled at start-up are reported.
   */
  private last: DropCounters = { events: 0, drops: 0 };
  /** Checks that saw drops above the threshold (Falco's "event drop detected"). */
  detected = 0;
  /** Checks whose actions ran (the token bucket had a token). */
  actionsTaken = 0;

  constructor(policy: DropPolicy, private readonly hooks: DropHooks) {
    this.policy = policy.simulate ? { ...policy, threshold: 0 } : policy;
    this.bucket = new TokenBuckets(1, { rate: policy.rate, burst: policy.maxBurst });
  }

  /**
   * A monitor judging every event of an engine built with `opts` (its beforeJudge), or none without a policy. The
   * hooks are first called at the first check, so they may name a source or engine made after this call.
   */
  static attach(policy: DropPolicy | null, hooks: DropHooks, opts: { beforeJudge?: (ev: EventView) => boolean }): DropMonitor | undefined {
    if (policy === null) return undefined;
    const m = new DropMonitor(policy, hooks);
    opts.beforeJudge = (ev) => m.event(ev);
    return m;
  }

  /**
   * Called for every event (after the state took it, before the rules judge it); false = stop (the 'exit' action
   * ran). Nothing is allocated per event: the counters and the exact (BigInt) time are read at most once per second
   * of event time.
   */
  event(ev: { tsApproxNs(): number; readonly ts: bigint }): boolean {
    const t = ev.tsApproxNs();
    if (this.nextCheck === 0) this.nextCheck = t + ONE_SECOND_NS;
    if (t <= this.nextCheck) return true;
    this.nextCheck = t + ONE_SECOND_NS;
    const ts = ev.ts;
    const now = this.hooks.counters();
    const events = Math.max(0, now.events - this.last.events);
    let drops = Math.max(0, now.drops - this.last.drops);
    this.last = { ...now };
    if (this.policy.simulate) { this.hooks.log('simulating a syscall event drop', 'debug'); drops++; }
    if (drops === 0) return true;
    // Falco's n_evts counts the dropped events too; ours are the delivered ones.
    const ratio = drops / (events + drops);
    if (!(ratio > this.policy.threshold)) return true;
    this.detected++;
    if (!this.bucket.take(0, ts)) {
      this.hooks.log('syscall event drop but token bucket depleted, skipping actions', 'debug');
      return true;
    }
    this.actionsTaken++;
    return this.act(ts, events + drops, drops);
  }

  private act(ts: bigint, events: number, drops: number): boolean {
    const msg = `${DROP_RULE}. ${drops} system calls dropped in last second.`;
    let go = true;
    for (const act of this.policy.actions) {
      if (act === 'log') this.hooks.log(msg, 'warn');
      else if (act === 'alert') this.hooks.alert(this.alertOf(ts, events, drops, msg));
      else if (act === 'exit') { this.hooks.log(msg, 'error'); this.hooks.log('Exiting.', 'error'); go = false; }
    }
    return go;
  }

  private alertOf(ts: bigint, events: number, drops: number, msg: string): Alert {
    const fields: Record<string, string> = { n_drops: String(drops), n_evts: String(events) };
    const keys = Object.keys(fields).sort();
    return {
      ts, rule: DROP_RULE, priority: 'DEBUG', source: 'internal', tags: [],
      output: `${alertTimePrefix(ts, this.hooks.timeIso8601 === true)}: Debug ${msg} (${keys.map((k) => `${k}=${fields[k]}`).join(' ')})`,
      outputFields: JSON.stringify(fields, keys),
    };
  }

  /** Falco's closing lines. */
  summary(): string {
    return 'Syscall event drop monitoring:\n'
      + `   - event drop detected: ${this.detected} occurrences\n`
      + `   - num times actions taken: ${this.actionsTaken}\n`;
  }
}
