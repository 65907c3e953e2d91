// Falco's syscall_event_drops policy (daemon/drops.ts): flags → policy with Falco's checks and messages; the
// monitor checks once per second of event time, compares with the threshold, spends tokens, takes the actions.
import { describe, expect, it } from 'vitest';
import { DROP_RULE, DropMonitor, DropPolicyError, dropPolicyFrom, type DropCounters, type DropPolicy } from '../../sensor/src/daemon/drops.js';
import type { Alert } from '../../sensor/src/output/types.js';

const S = 1_000_000_000n;
const US = 1000n; // event times compare to ~256 ns (doubles), so the tests step past a second by microseconds
/** An event at `ts` as the monitor reads it. */
const at = (ts: bigint) => ({ ts, tsApproxNs: () => Number(ts) });
const T0 = 1_700_000_000n * S;

describe('dropPolicyFrom', () => {
  it('is null without drop flags and takes Falco defaults otherwise', () => {
    expect(dropPolicyFrom({})).toBeNull();
    expect(dropPolicyFrom({ simulateDrops: false })).toEqual({ actions: ['ignore'], threshold: 0.1, rate: 0.03333, maxBurst: 1, simulate: false });
    expect(dropPolicyFrom({ dropActions: ['log,alert', 'exit', 'log'], dropThreshold: '0', dropRate: '2', dropMaxBurst: '10', simulateDrops: true }))
      .toEqual({ actions: ['log', 'alert', 'exit'], threshold: 0, rate: 2, maxBurst: 10, simulate: true });
  });

  it("refuses what Falco's config reader refuses, with its messages", () => {
    const err = (f: Parameters<typeof dropPolicyFrom>[0]) => { try { dropPolicyFrom(f); return ''; } catch (e) { expect(e).toBeInstanceOf(DropPolicyError); return (e as Error).message; } };
    expect(err({ dropActions: ['ignore', 'log'] })).toMatch(/syscall event drop action "log" does not make sense with the "ignore" action/);
    expect(err({ dropActions: ['ignore,alert'] })).toMatch(/action "alert" does not make sense with the "ignore" action/);
    expect(err({ dropActions: ['shout'] })).toMatch(/available actions for syscall event drops are "ignore", "log", "alert", and "exit"/);
    expect(err({ dropThreshold: '1.1' })).toMatch(/syscall event drops threshold must be a double in the range \[0, 1\]/);
    expect(err({ dropThreshold: '-1' })).toMatch(/threshold must be a double in the range/);
    expect(err({ dropThreshold: 'lots' })).toMatch(/--drop-threshold: expected a number/);
    expect(err({ dropRate: '0' })).toMatch(/--drop-rate/);
    expect(err({ dropMaxBurst: '0.5' })).toMatch(/--drop-max-burst/);
    // 'exit' and 'log' go together; 'ignore' after 'log' is Falco's order rule too (only log/alert after ignore fail).
    expect(err({ dropActions: ['log', 'ignore', 'exit'] })).toBe('');
  });
});

function monitor(policy: Partial<DropPolicy>, counters: DropCounters) {
  const logs: string[] = [];
  const alerts: Alert[] = [];
  let reads = 0;
  const m = new DropMonitor({ actions: ['ignore'], threshold: 0.1, rate: 0.03333, maxBurst: 1, simulate: false, ...policy }, {
    counters: () => { reads++; return counters; },
    log: (msg, level) => logs.push(`${level} ${msg}`),
    alert: (a) => alerts.push(a),
    timeIso8601: true,
  });
  return { m, logs, alerts, reads: () => reads };
}

describe('DropMonitor', () => {
  it('reads the counters once per second of event time and acts on drops above the threshold', () => {
    const c = { events: 0, drops: 0 };
    const { m, logs, alerts, reads } = monitor({ actions: ['log', 'alert'], maxBurst: 5, rate: 1 }, c);
    expect(reads()).toBe(0); // nothing read before the first check (the source may not exist yet)
    for (let i = 0n; i < 1000n; i++) expect(m.event(at(T0 + i * 1_000_000n))).toBe(true); // 1 s of events: no check yet
    expect(reads()).toBe(0);
    c.events = 900; c.drops = 100; // 10% dropped: not above 0.1
    expect(m.event(at(T0 + S + US))).toBe(true);
    expect(reads()).toBe(1);
    expect(m.detected).toBe(0);
    c.events = 1700; c.drops = 300; // 200 of 1000 in this second: 20%
    expect(m.event(at(T0 + 2n * S + 2n * US))).toBe(true);
    expect(m.event(at(T0 + 2n * S + 3n * US))).toBe(true); // within the second: no second check
    expect(reads()).toBe(2);
    expect([m.detected, m.actionsTaken]).toEqual([1, 1]);
    expect(logs).toEqual(['warn Falco internal: syscall event drop. 200 system calls dropped in last second.']);
    expect(alerts).toHaveLength(1);
    const a = alerts[0]!;
    expect(a).toMatchObject({ rule: DROP_RULE, priority: 'DEBUG', source: 'internal', tags: [], ts: T0 + 2n * S + 2n * US });
    expect(a.output).toBe('2023-11-14T22:13:22.000002000+0000: Debug Falco internal: syscall event drop. 200 system calls dropped in last second. (n_drops=200 n_evts=1000)');
    expect(JSON.parse(a.outputFields!)).toEqual({ n_drops: '200', n_evts: '1000' });
    expect(m.summary()).toBe('Syscall event drop monitoring:\n   - event drop detected: 1 occurrences\n   - num times actions taken: 1\n');
  });

  it('counts from the source\'s start: drops before the first event (rings filling at start-up) are in the first check, as Falco', () => {
    const c = { events: 0, drops: 0 };
    const { m, alerts } = monitor({ actions: ['alert'] }, c);
    c.events = 1000; c.drops = 1000; // what the source counted before delivering its first event
    m.event(at(T0));
    c.events = 1900; // the next second: 900 more events, no more drops
    m.event(at(T0 + S + US));
    expect([m.detected, alerts.length]).toEqual([1, 1]);
    expect(JSON.parse(alerts[0]!.outputFields!)).toEqual({ n_drops: '1000', n_evts: '2900' });
    c.events = 2800; // then a clean second
    m.event(at(T0 + 2n * S + 2n * US));
    expect(m.detected).toBe(1);
  });

  it('spends one token per action: a depleted bucket counts the drop but skips the actions', () => {
    const c = { events: 0, drops: 0 };
    const { m, alerts, logs } = monitor({ actions: ['alert'], rate: 0.5, maxBurst: 1 }, c); // one action per 2 s
    m.event(at(T0));
    for (let s = 1n; s <= 6n; s++) { c.events += 10; c.drops += 10; m.event(at(T0 + s * S + s * US)); }
    expect(m.detected).toBe(6); // a check each second, each seeing 50% dropped
    expect(m.actionsTaken).toBe(3); // a full bucket, then a token every 2 s
    expect(alerts).toHaveLength(3);
    expect(logs.filter((l) => l.includes('token bucket depleted'))).toHaveLength(3);
  });

  it("simulate_drops adds one drop per check with threshold 0; 'exit' stops and 'ignore' only counts", () => {
    const quiet = monitor({ actions: ['ignore'], simulate: true, maxBurst: 10 }, { events: 0, drops: 0 });
    quiet.m.event(at(T0));
    for (let s = 1n; s <= 4n; s++) expect(quiet.m.event(at(T0 + s * S + s * US))).toBe(true);
    expect([quiet.m.detected, quiet.m.actionsTaken, quiet.alerts.length]).toEqual([4, 4, 0]);
    expect(quiet.logs.every((l) => l.startsWith('debug '))).toBe(true);

    const ex = monitor({ actions: ['exit'], simulate: true }, { events: 0, drops: 0 });
    expect(ex.m.event(at(T0))).toBe(true);
    expect(ex.m.event(at(T0 + S + US))).toBe(false);
    expect(ex.logs.filter((l) => !l.startsWith('debug '))).toEqual(['error Falco internal: syscall event drop. 1 system calls dropped in last second.', 'error Exiting.']);
  });
});
