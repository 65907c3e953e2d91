// Status messages: besides the spool's numbers, each one carries what the status source reports — events judged,
// kernel drops, rule-engine suppressed (rate_limit), output-queue drops — and rates since the previous one.
import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { OutputQueue } from '../../../sensor/src/output/index.js';
import { Collector, GrpcOutput, type StatusMessage } from '../../../sensor/src/output/grpc/index.js';
import { makeCerts, testAlert, tmp, until } from './helpers.js';

describe('gRPC output: status messages', () => {
  it('the collector receives Status with events, drops per stage and rates from the status source', async () => {
    const c = makeCerts();
    const dir = tmp('sensord-status-');
    const got: StatusMessage[] = [];
    const col = new Collector({ listen: '127.0.0.1:0', out: path.join(dir, 'alerts.jsonl'), tls: { ca: c.ca, cert: c.serverCert, key: c.serverKey }, onStatus: (_id, s) => got.push(s) });
    const port = await col.start();
    const g = new GrpcOutput({
      address: `127.0.0.1:${port}`, serverName: 'localhost', tls: { ca: c.ca, cert: c.clientCert, key: c.clientKey },
      spoolDir: path.join(dir, 'spool'), fsync: 'never', heartbeatMs: 100,
    });
    const queue = new OutputQueue([g], { hostname: 'node-a', policy: 'block' });
    let events = 1000;
    g.setStatusSource(() => {
      events += 500;
      return { events, alerts: 3, drops: { kernel: 7, rate_limit: 11, output_queue: queue.stats().dropped + 13 } };
    });
    try {
      await queue.init();
      for (let i = 0; i < 3; i++) queue.push(testAlert(i));
      await queue.flush();
      expect(await g.drained(10_000)).toBe(true);
      expect(await until(() => got.length >= 3, 10_000)).toBe(true);
    } finally {
      await queue.close();
      await col.stop();
    }
    const s = got[got.length - 1]!;
    expect(Number(s.events)).toBeGreaterThan(1000);
    expect(s.drops).toMatchObject({ kernel: '7', rate_limit: '11', output_queue: '13', spool: '0' });
    expect(s.unacked).toBe('0');
    expect(BigInt(s.time_ns!)).toBeGreaterThan(0n);
    // 500 more events every ~100 ms: a rate in the thousands per second; no new alerts: rate 0.
    expect(s.rates?.events).toBeGreaterThan(1000);
    expect(s.rates?.alerts).toBe(0);
    expect(col.lastStatus(g.sensorId)?.events).toBe(s.events);
  }, 30_000);
});
