// Rule set swaps while events flow: ~100k events, the set replaced twice mid-stream from timers while the engine
// waits on output back-pressure. Every event is judged by exactly one set, and sets follow each other in order.
import { describe, expect, it } from 'vitest';
import { buildEvent, batchOf } from '../../helpers/event-builder.js';
import { makeRuleSet, testEngine } from './helpers.js';
import type { FieldContext } from '../../../sensor/src/rules/fields/index.js';
import { RuleReloader } from '../../../sensor/src/rules/engine/index.js';
import { CAT } from '../fields/helpers.js';

const TOTAL = 100_000;
const PER_BATCH = 1000;

describe('engine: swap between events', () => {
  it('every event of a 100k stream is judged by exactly one of three sets', async () => {
    // judgedBy[num] = set label (1..3) of every rule call for that event; 255 marks a mix.
    const judgedBy = new Uint8Array(TOTAL + 1);
    const calls = [0, 0, 0, 0];
    const setOf = (label: number) => {
      const see = (ctx: FieldContext) => {
        const n = ctx.ev.num;
        judgedBy[n] = judgedBy[n] === 0 || judgedBy[n] === label ? label : 255;
        calls[label]++;
        return (n & 63) === 0;
      };
      // Two rules per type, so a swap inside one event would show as a mix.
      return makeRuleSet([
        { name: `open-${label}-a`, types: ['openat'], match: see }, { name: `open-${label}-b`, types: ['openat'], match: see },
        { name: `close-${label}`, types: ['close'], match: see }, { name: 'shared', types: ['close'], match: see },
      ]);
    };
    let emitted = 0;
    const { engine } = testEngine(setOf(1), {
      // Back-pressure every 50 alerts: the engine awaits between events, timers get to run.
      emit: () => (++emitted % 50 === 0 ? new Promise<void>((r) => setImmediate(r)) : undefined),
    });
    const open = buildEvent('PPME_SYSCALL_OPENAT_2_X', { fd: 9, dirfd: -100, name: '/tmp/x', flags: 1, mode: 0, dev: 0, ino: 0 }, { tid: CAT });
    const close = buildEvent('PPME_SYSCALL_CLOSE_X', { res: 0, fd: 9 }, { tid: CAT });
    const batch = batchOf(Array.from({ length: PER_BATCH }, (_, i) => (i % 2 === 0 ? open : close)));
    const sets = [setOf(2), setOf(3)];
    const swapper = setInterval(() => { const s = sets.shift(); if (s) engine.swap(s); }, 5);
    let fed = 0;
    while (fed < TOTAL) {
      await engine.processBatch(batch);
      fed += PER_BATCH;
      // Let the timer run between some batches too.
      if (fed % 10_000 === 0) await new Promise((r) => setTimeout(r, 6));
    }
    clearInterval(swapper);

    expect(engine.stats().events).toBe(TOTAL);
    const perSet = [0, 0, 0, 0];
    let last = 0;
    const problems: string[] = [];
    for (let n = 1; n <= TOTAL; n++) {
      const l = judgedBy[n];
      if (l === 255) problems.push(`event ${n} judged by two sets`);
      else if (l < last) problems.push(`event ${n} judged by set ${l} after set ${last}`); // 1…1 2…2 3…3
      else { last = l; perSet[l]++; }
    }
    expect(problems.slice(0, 5)).toEqual([]);
    expect(perSet[0]).toBe(0);
    expect(perSet[1] + perSet[2] + perSet[3]).toBe(TOTAL);
    expect(perSet[1]).toBeGreaterThan(0);
    expect(perSet[2]).toBeGreaterThan(0);
    expect(perSet[3]).toBeGreaterThan(0);
    expect(engine.stats().swaps).toBe(2);
    // The engine's own count per set agrees with what the rules saw.
    expect(engine.prepared.events).toBe(perSet[3]);
    // Counters survive swaps by rule name: 'shared' exists in all three sets.
    const shared = engine.stats().rules.find((r) => r.name === 'shared')!;
    expect(shared.matches).toBe(Math.floor(TOTAL / 64)); // multiples of 64 are even numbers: close events
    console.log(`swap test: events per set ${perSet.slice(1).join(' / ')}`);
  });
});

describe('reloader', () => {
  it('a good set is swapped in, a set with errors is refused and the running set stays', async () => {
    const { engine, alerts, feed } = testEngine(makeRuleSet([{ name: 'v1', types: ['openat'] }]));
    let next = makeRuleSet([{ name: 'v2', types: ['openat'] }]);
    const failed: string[] = [];
    const swapped: string[] = [];
    const r = new RuleReloader(engine, {
      compile: () => next,
      onSwapped: (s, why) => swapped.push(`${why}:${s.rules.map((a) => a.rule.name).join()}`),
      onFailed: (why, errs) => failed.push(`${why}:${Array.isArray(errs) ? errs.length : (errs as Error).message}`),
    });
    await r.reload('SIGHUP');
    await feed([['PPME_SYSCALL_OPENAT_2_X', { fd: 9, dirfd: -100, name: '/a', flags: 1, mode: 0, dev: 0, ino: 0 }]]);
    next = { ...makeRuleSet([{ name: 'v3', types: ['openat'] }]), errors: [{ code: 'LOAD_ERR_COMPILE_CONDITION', codedesc: 'x', message: 'bad', context: { locations: [], snippet: '' } }] };
    await r.reload('SIGHUP');
    next = makeRuleSet([{ name: 'v4', types: ['openat'], output: '%nope.field' }]);
    await r.reload('change');
    await feed([['PPME_SYSCALL_OPENAT_2_X', { fd: 10, dirfd: -100, name: '/b', flags: 1, mode: 0, dev: 0, ino: 0 }]]);
    expect(alerts.map((a) => a.rule)).toEqual(['v2', 'v2']);
    expect(swapped).toEqual(['SIGHUP:v2']);
    expect(failed[0]).toBe('SIGHUP:1');
    expect(failed[1]).toMatch(/^change:rule "v4": invalid output format/);
    expect(r.stats()).toMatchObject({ succeeded: 1, failed: 2 });
  });

  it('file changes are debounced into one reload', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const path = await import('node:path');
    const dir = mkdtempSync(path.join(tmpdir(), 'sensord-reload-'));
    const file = path.join(dir, 'rules.yaml');
    writeFileSync(file, '- rule: a\n');
    const { engine } = testEngine(makeRuleSet([{ name: 'v1', types: ['openat'] }]));
    let compiles = 0;
    const r = new RuleReloader(engine, { compile: () => { compiles++; return makeRuleSet([{ name: 'v2', types: ['openat'] }]); }, debounceMs: 100 });
    r.watch([file]);
    for (let i = 0; i < 5; i++) { writeFileSync(file, `- rule: a${i}\n`); await new Promise((res) => setTimeout(res, 10)); }
    writeFileSync(path.join(dir, 'other.txt'), 'x'); // not a watched file
    await new Promise((res) => setTimeout(res, 400));
    r.close();
    expect(compiles).toBe(1);
    expect(r.stats().succeeded).toBe(1);
  });
});
