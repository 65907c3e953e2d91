// Loss accounting: the Prometheus exposition built on scrape from the stats() of an engine fed a few events, a fake
// probe, the output queue and the reloader; /metrics, /healthz and /readyz over loopback.
import { afterEach, describe, expect, it } from 'vitest';
import { MetricsServer, SensorMetrics, parseListen } from '../../sensor/src/daemon/metrics.js';
import { OutputQueue, type Alert, type AlertOutput } from '../../sensor/src/output/index.js';
import { OPENAT_X, makeRuleSet, testEngine } from '../rules/engine/helpers.js';

class Sink implements AlertOutput {
  readonly format = 'text' as const;
  constructor(readonly name: string) {}
  init(): void {}
  write(): void {}
  flush(): void {}
  close(): void {}
}

/** `name{labels} value` lines of the exposition → map. */
function samples(text: string): Map<string, number> {
  const m = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const i = line.lastIndexOf(' ');
    m.set(line.slice(0, i), Number(line.slice(i + 1)));
  }
  return m;
}

async function fixture() {
  const set = makeRuleSet([
    { name: 'Read marker', types: ['openat'], priority: 'ERROR' },
    { name: 'Broken rule', types: ['openat'], priority: 'NOTICE', match: () => { throw new Error('boom'); } },
  ]);
  const { engine, feed } = testEngine(set, { rateLimit: { rate: 1, burst: 2 } });
  await feed([OPENAT_X('/a'), OPENAT_X('/b'), OPENAT_X('/c'), OPENAT_X('/d'), OPENAT_X('/e')]);
  const queue = new OutputQueue([new Sink('stdout'), new Sink('http:http://127.0.0.1:1/x')], { hostname: 'h', capacity: 1, policy: 'drop' });
  const a: Alert = { ts: 1n, rule: 'r', priority: 'ERROR', source: 'syscall', tags: [], output: 'x', outputFields: null };
  queue.push(a); queue.push(a); queue.push(a); // capacity 1: two dropped
  await queue.flush();
  const source = { stats: () => ({ events: 1234, drops: 7 }), dropsPerCpu: () => [3, 4] };
  const metrics = new SensorMetrics({
    source: () => source, engine: () => engine.stats(), state: () => engine.state.stats(), queue: () => queue.stats(),
    reloads: () => ({ requested: 3, succeeded: 2, failed: 1, watchErrors: 0 }),
    decodeErrors: () => ({ bad_length: 2 }),
    deliveries: () => ({ 'http:http://127.0.0.1:1/x': { sent: 10, failed: 3, retried: 5 } }),
    blindAlerts: () => 1,
  });
  return { engine, metrics, queue };
}

const stops: Array<() => Promise<void>> = [];
afterEach(async () => { for (const s of stops.splice(0)) await s(); });

describe('metrics', () => {
  it('exposes Prometheus names, labels and values read from the stats', async () => {
    const { engine, metrics } = await fixture();
    const text = await metrics.text();
    const m = samples(text);
    const st = engine.stats();
    expect(st.events).toBe(5);
    expect(m.get('sensord_events_total')).toBe(5);
    expect(m.get('sensord_kernel_events_total')).toBe(1234);
    expect(m.get('sensord_kernel_drops_total{cpu="0"}')).toBe(3);
    expect(m.get('sensord_kernel_drops_total{cpu="1"}')).toBe(4);
    expect(m.get('sensord_decode_errors_total{kind="bad_length"}')).toBe(2);
    expect(m.get('sensord_alerts_total{rule="Read marker",priority="ERROR"}')).toBe(2);
    expect(m.get('sensord_alerts_suppressed_total{rule="Read marker"}')).toBe(3);
    expect(m.get('sensord_rule_errors_total{rule="Broken rule"}')).toBe(5);
    expect(m.has('sensord_alerts_total{rule="Broken rule",priority="NOTICE"}')).toBe(false);
    expect(m.get('sensord_output_queue_drops_total{output="all"}')).toBe(2);
    expect(m.get('sensord_output_errors_total{output="stdout"}')).toBe(0);
    expect(m.get('sensord_output_errors_total{output="http:http://127.0.0.1:1/x"}')).toBe(3);
    expect(m.get('sensord_output_sent_total{output="http:http://127.0.0.1:1/x"}')).toBe(10);
    expect(m.get('sensord_output_retries_total{output="http:http://127.0.0.1:1/x"}')).toBe(5);
    expect(m.get('sensord_state_threads')).toBe(engine.state.stats().threads.size);
    expect(m.get('sensord_state_threads')).toBeGreaterThan(0);
    expect(m.get('sensord_state_fds')).toBe(engine.state.stats().fds.size);
    for (const t of ['threads', 'fds', 'users', 'groups']) expect(m.get(`sensord_state_evictions_total{table="${t}"}`)).toBe(0);
    expect(m.get('sensord_rules_reloads_total{result="success"}')).toBe(2);
    expect(m.get('sensord_rules_reloads_total{result="failure"}')).toBe(1);
    expect(m.get('sensord_blind_alerts_total')).toBe(1);
    expect(m.get('sensord_ready')).toBe(0);
    expect(text).toContain('# TYPE sensord_kernel_drops_total counter');
    expect(text).toContain('# TYPE sensord_state_threads gauge');
    expect(m.get('sensord_process_resident_memory_bytes')).toBeGreaterThan(0); // process metrics
  });

  it('reads the stats again on every scrape (no per-event updates)', async () => {
    let drops = [1, 2];
    const metrics = new SensorMetrics({ source: () => ({ stats: () => ({ events: 0, drops: drops[0] + drops[1] }), dropsPerCpu: () => drops }) }, { processMetrics: false });
    expect(samples(await metrics.text()).get('sensord_kernel_drops_total{cpu="1"}')).toBe(2);
    drops = [10, 20];
    expect(samples(await metrics.text()).get('sensord_kernel_drops_total{cpu="1"}')).toBe(20);
  });

  it('serves /metrics, /healthz and /readyz (503 until probe attached and rules loaded) on loopback', async () => {
    const { metrics } = await fixture();
    const server = new MetricsServer(metrics);
    const { port } = await server.listen('127.0.0.1', 0);
    stops.push(() => server.close());
    const base = `http://127.0.0.1:${port}`;
    const r = await fetch(`${base}/metrics`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(await r.text()).toContain('sensord_events_total 5');
    const h = await fetch(`${base}/healthz`);
    expect(h.status).toBe(200);
    expect(await h.text()).toBe('ok\n');
    let y = await fetch(`${base}/readyz`);
    expect(y.status).toBe(503);
    expect(await y.json()).toEqual({ ready: false, probe_attached: false, rules_loaded: false });
    metrics.readiness.rulesLoaded = true;
    y = await fetch(`${base}/readyz`);
    expect(y.status).toBe(503);
    expect(await y.json()).toMatchObject({ rules_loaded: true, probe_attached: false });
    metrics.readiness.probeAttached = true;
    y = await fetch(`${base}/readyz`);
    expect(y.status).toBe(200);
    expect(await y.json()).toEqual({ ready: true, probe_attached: true, rules_loaded: true });
    expect((await fetch(`${base}/nope`)).status).toBe(404);
    expect((await fetch(`${base}/metrics`, { method: 'POST' })).status).toBe(405);
  });

  it('parses --metrics-listen', () => {
    expect(parseListen('127.0.0.1:9376')).toEqual({ host: '127.0.0.1', port: 9376 });
    expect(parseListen('[::1]:9376')).toEqual({ host: '::1', port: 9376 });
    expect(parseListen(':9376')).toEqual({ host: '127.0.0.1', port: 9376 });
    expect(() => parseListen('9376')).toThrow(/HOST:PORT/);
    expect(() => parseListen('h:99999')).toThrow(/HOST:PORT/);
  });
});

describe('loss accounting sources', () => {
  it('decode errors are counted where a record is found undecodable, by kind', async () => {
    const { EventView, decodeErrorCounts } = await import('../../sensor/src/decode/index.js');
    const before = decodeErrorCounts().bad_length;
    // A header whose len claims more bytes than the buffer holds.
    const bytes = new Uint8Array(26);
    const dv = new DataView(bytes.buffer);
    dv.setUint32(16, 500, true);
    dv.setUint16(20, 3, true);
    dv.setUint32(22, 6, true);
    const v = new EventView().set(bytes, dv, 0, 0, 1);
    expect(v.paramCount()).toBe(0);
    expect(decodeErrorCounts().bad_length).toBe(before + 1);
  });
});
