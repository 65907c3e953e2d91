// "Sensor Blind": injected drop counters crossing the threshold within the window give exactly one CRITICAL
// alert per window, through the normal outputs (Falco JSON: rule, priority, source internal, tags).
import { afterEach, describe, expect, it } from 'vitest';
import { BlindDetector, alertTimePrefix } from '../../sensor/src/daemon/blind.js';
import { Telemetry, blindDetectorFrom } from '../../sensor/src/daemon/telemetry.js';
import { createLogger } from '../../sensor/src/daemon/log.js';
import { OutputQueue, type AlertOutput } from '../../sensor/src/output/index.js';

describe('blind detector', () => {
  it('alerts once when kernel + output drops reach the threshold within the window', () => {
    const d = new BlindDetector({ threshold: 100, windowMs: 10_000 });
    expect(d.sample({ kernelDrops: 0, outputDrops: 0 }, 0)).toBeNull();
    expect(d.sample({ kernelDrops: 50, outputDrops: 0 }, 1000)).toBeNull();
    const a = d.sample({ kernelDrops: 90, outputDrops: 20 }, 2000);
    expect(a).not.toBeNull();
    expect(a!.rule).toBe('Sensor Blind');
    expect(a!.priority).toBe('CRITICAL');
    expect(a!.source).toBe('internal');
    expect(a!.tags).toEqual(['loss', 'sensord']);
    expect(a!.output).toMatch(/^\d\d:\d\d:\d\d\.\d{9}: Critical Sensor blind: 110 events lost in the last 10 s \(kernel drops=90 output drops=20 threshold=100 window=10s\)$/);
    expect(JSON.parse(a!.outputFields!)).toEqual({
      'sensord.blind.span_ms': 2000, 'sensord.blind.threshold': 100, 'sensord.blind.window_s': 10,
      'sensord.drops.kernel': 90, 'sensord.drops.output': 20, 'sensord.drops.total': 110,
    });
    // Still losing: at most one alert per window.
    for (let t = 3000; t < 12_000; t += 1000) expect(d.sample({ kernelDrops: 90 + t, outputDrops: 20 }, t)).toBeNull();
    expect(d.emitted).toBe(1);
    // A window later, still over the threshold: the next alert.
    expect(d.sample({ kernelDrops: 20_000, outputDrops: 20 }, 12_000)).not.toBeNull();
    expect(d.emitted).toBe(2);
  });

  it('loss spread thinner than the threshold per window never alerts; the window slides', () => {
    const d = new BlindDetector({ threshold: 100, windowMs: 10_000 });
    let drops = 0;
    for (let t = 0; t <= 120_000; t += 1000) { expect(d.sample({ kernelDrops: drops, outputDrops: 0 }, t)).toBeNull(); drops += 9; } // 90 per 10 s
    expect(d.emitted).toBe(0);
    // 100 dropped at once after a long quiet spell: blind.
    expect(d.sample({ kernelDrops: drops + 100, outputDrops: 0 }, 121_000)).not.toBeNull();
  });

  it('ISO 8601 prefix when --iso8601; rejects bad thresholds and windows', () => {
    expect(alertTimePrefix(1_700_000_000_000_000_042n, true)).toBe('2023-11-14T22:13:20.000000042+0000');
    expect(new BlindDetector({ threshold: 1, windowMs: 1000, timeIso8601: true }).sample({ kernelDrops: 0, outputDrops: 0 }, 0)).toBeNull();
    expect(() => blindDetectorFrom({ blindThreshold: '0' }, false)).toThrow(/--blind-threshold/);
    expect(() => blindDetectorFrom({ blindWindow: 'x' }, false)).toThrow(/--blind-window/);
    const d = blindDetectorFrom({ blindThreshold: '5', blindWindow: '2' }, false);
    expect([d.threshold, d.windowMs]).toEqual([5, 2000]);
    expect([blindDetectorFrom({}, false).threshold, blindDetectorFrom({}, false).windowMs]).toEqual([1000, 10_000]);
  });
});

class Memory implements AlertOutput {
  readonly lines: string[] = [];
  readonly name = 'mem';
  readonly format = 'json' as const;
  init(): void {}
  write(l: string): void { this.lines.push(l); }
  flush(): void {}
  close(): void {}
}

let tel: Telemetry | undefined;
afterEach(async () => { await tel?.close(); tel = undefined; });

describe('blind alert in the daemon', () => {
  it('goes through the normal outputs as Falco JSON, once per window, and is logged and counted', async () => {
    const mem = new Memory();
    const queue = new OutputQueue([mem], { hostname: 'node-1' });
    await queue.init();
    let drops = 0;
    const logs: string[] = [];
    tel = new Telemetry({
      log: createLogger({ stream: { write: (s) => logs.push(s) } }), queue, outputs: [mem],
      blind: blindDetectorFrom({ blindThreshold: 500, blindWindow: 1 }, false),
      sources: { source: () => ({ stats: () => ({ events: 0, drops }) }) },
    });
    await tel.start(undefined);
    drops = 400;
    await new Promise((r) => setTimeout(r, 150));
    expect(mem.lines).toHaveLength(0); // under the threshold
    drops = 1000;
    await new Promise((r) => setTimeout(r, 300));
    drops = 5000; // more loss within the same window: no second alert
    await new Promise((r) => setTimeout(r, 150));
    await queue.flush();
    expect(mem.lines).toHaveLength(1);
    const j = JSON.parse(mem.lines[0]);
    expect(j).toMatchObject({ hostname: 'node-1', rule: 'Sensor Blind', priority: 'Critical', source: 'internal', tags: ['loss', 'sensord'] });
    expect(j.output).toMatch(/Sensor blind: 1000 events lost in the last 1 s/);
    expect(j.output_fields['sensord.drops.kernel']).toBe(1000);
    expect(Object.keys(j)).toEqual(['hostname', 'output', 'output_fields', 'priority', 'rule', 'source', 'tags', 'time']);
    const m = await tel.metrics.text();
    expect(m).toMatch(/^sensord_blind_alerts_total 1$/m);
    expect(logs.some((l) => JSON.parse(l).level === 50 && /Sensor blind/.test(JSON.parse(l).msg))).toBe(true);
    await queue.close();
  });
});
