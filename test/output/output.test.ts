// Output stage: Falco's JSON and text alert lines, the bounded queue (block and drop policies, counters),
// the file output, and Falco's end-of-replay summary.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import {
  FileOutput, OutputQueue, StdoutOutput, detectionSummary, jsonLine, rfc3339Nano, textLine, type Alert, type AlertOutput,
} from '../../sensor/src/output/index.js';

const alert = (over: Partial<Alert> = {}): Alert => ({
  ts: 1_470_327_477_881_781_397n, rule: 'open_from_cat', priority: 'WARNING', source: 'syscall',
  tags: ['filesystem', 'process', 'testing'],
  output: '2016-08-04T16:17:57.881781397+0000: Warning An open was seen (command=cat /dev/null)',
  outputFields: '{"evt.time.iso8601":1470327477881781397,"proc.cmdline":"cat /dev/null"}', ...over,
});

describe('alert lines', () => {
  it("JSON has Falco's keys, order and value types", () => {
    const line = jsonLine(alert(), 'node-1');
    expect(line).toBe('{"hostname":"node-1","output":"2016-08-04T16:17:57.881781397+0000: Warning An open was seen (command=cat /dev/null)",'
      + '"output_fields":{"evt.time.iso8601":1470327477881781397,"proc.cmdline":"cat /dev/null"},"priority":"Warning","rule":"open_from_cat",'
      + '"source":"syscall","tags":["filesystem","process","testing"],"time":"2016-08-04T16:17:57.881781397Z"}');
    expect(Object.keys(JSON.parse(line))).toEqual(['hostname', 'output', 'output_fields', 'priority', 'rule', 'source', 'tags', 'time']);
    expect(JSON.parse(jsonLine(alert({ outputFields: null, priority: 'INFORMATIONAL' }), 'h'))).toMatchObject({ output_fields: {}, priority: 'Informational' });
  });

  it('text is the output line; RFC 3339 time keeps nanoseconds, zero-padded', () => {
    expect(textLine(alert())).toBe('2016-08-04T16:17:57.881781397+0000: Warning An open was seen (command=cat /dev/null)');
    expect(rfc3339Nano(1_700_000_000_000_000_042n)).toBe('2023-11-14T22:13:20.000000042Z');
  });
});

class Memory implements AlertOutput {
  readonly lines: string[] = [];
  flushes = 0;
  constructor(readonly name: string, readonly format: 'text' | 'json', private readonly slow = false, private readonly failWrites = false) {}
  init(): void {}
  async write(line: string): Promise<void> {
    if (this.failWrites) throw new Error('disk full');
    if (this.slow) await new Promise((r) => setImmediate(r));
    this.lines.push(line);
  }
  flush(): void { this.flushes++; }
  close(): void {}
}

describe('output queue', () => {
  it('fans alerts out to every output in its format, with init/write/flush/close counters', async () => {
    const text = new Memory('text', 'text');
    const json = new Memory('json', 'json');
    const q = new OutputQueue([text, json], { hostname: 'h' });
    await q.init();
    for (let i = 0; i < 3; i++) q.push(alert({ rule: 'r' + i }));
    await q.close();
    expect(text.lines).toHaveLength(3);
    expect(JSON.parse(json.lines[2]).rule).toBe('r2');
    const st = q.stats();
    expect(st.enqueued).toBe(3);
    expect(st.outputs.text).toMatchObject({ init: 1, write: 3, close: 1, errors: 0 });
    expect(st.outputs.text.flush).toBeGreaterThanOrEqual(1);
  });

  it("policy 'block' returns back-pressure when full and loses nothing; 'drop' counts what it drops", async () => {
    const slow = new Memory('slow', 'text', true);
    const q = new OutputQueue([slow], { hostname: 'h', capacity: 10, policy: 'block' });
    let waits = 0;
    for (let i = 0; i < 1000; i++) { const p = q.push(alert()); if (p) { waits++; await p; } }
    await q.close();
    expect(slow.lines).toHaveLength(1000);
    expect(waits).toBeGreaterThan(0);
    expect(q.stats().maxDepth).toBeLessThanOrEqual(10);

    const slow2 = new Memory('slow2', 'text', true);
    const d = new OutputQueue([slow2], { hostname: 'h', capacity: 10, policy: 'drop' });
    for (let i = 0; i < 1000; i++) expect(d.push(alert())).toBeUndefined();
    await d.close();
    expect(d.stats().dropped).toBe(990);
    expect(slow2.lines).toHaveLength(10);
  });

  it('a failing output is counted and reported once; the others keep receiving', async () => {
    const bad = new Memory('bad', 'text', false, true);
    const good = new Memory('good', 'text');
    const reported: string[] = [];
    const q = new OutputQueue([bad, good], { hostname: 'h', onError: (n, k) => reported.push(`${n}:${k}`) });
    for (let i = 0; i < 5; i++) q.push(alert());
    await q.close();
    expect(good.lines).toHaveLength(5);
    expect(q.stats().outputs.bad.errors).toBe(5);
    expect(reported).toEqual(['bad:write']);
  });

  it('stdout and file outputs write whole lines', async () => {
    const sink = new PassThrough();
    const chunks: string[] = [];
    sink.on('data', (c: Buffer) => chunks.push(c.toString()));
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'sensord-out-')), 'alerts.json');
    const q = new OutputQueue([new StdoutOutput('text', sink), new FileOutput(file, 'json')], { hostname: 'h' });
    await q.init();
    q.push(alert());
    q.push(alert({ rule: 'second' }));
    await q.close();
    expect(chunks.join('').split('\n')).toEqual([textLine(alert()), textLine(alert()), '']);
    const lines = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.rule)).toEqual(['open_from_cat', 'second']);
    await expect(new FileOutput('/nonexistent-dir/x', 'text').init()).rejects.toMatchObject({ code: 'EOUTPUT_OPEN' });
  });
});

describe('summary', () => {
  it("Falco's Events detected / by severity / by rule block, plus suppressed and errors when any", () => {
    expect(detectionSummary([
      { name: 'a', priority: 'WARNING', matches: 8 }, { name: 'b', priority: 'CRITICAL', matches: 2, suppressed: 1 },
      { name: 'quiet', priority: 'DEBUG', matches: 0, errors: 3 },
    ])).toBe('Events detected: 10\nRule counts by severity:\n   CRITICAL: 2\n   WARNING: 8\nTriggered rules by rule name:\n   a: 8\n   b: 2\n'
      + 'Suppressed alerts by rule name (rate limit):\n   b: 1\nRule evaluation errors by rule name:\n   quiet: 3\n');
  });
});
