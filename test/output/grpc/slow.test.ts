// A slow collector: the sensor keeps at most `window` alerts in flight and nothing else in memory — the spool
// absorbs the backlog — and every alert arrives.
import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { OutputQueue } from '../../../sensor/src/output/index.js';
import { Collector, GrpcOutput } from '../../../sensor/src/output/grpc/index.js';
import { makeCerts, readCollected, testAlert, tmp } from './helpers.js';

setFlagsFromString('--expose_gc');
const gc = runInNewContext('gc') as () => void;

describe('gRPC output: slow collector', () => {
  it('memory stays bounded (in-flight ≤ window, the spool holds the rest) and nothing is lost', async () => {
    const c = makeCerts();
    const dir = tmp('sensord-slow-');
    const out = path.join(dir, 'alerts.jsonl');
    const col = new Collector({ listen: '127.0.0.1:0', out, tls: { ca: c.ca, cert: c.serverCert, key: c.serverKey }, slowMs: 25 });
    const port = await col.start();
    const window = 1000;
    const g = new GrpcOutput({
      address: `127.0.0.1:${port}`, serverName: 'localhost', tls: { ca: c.ca, cert: c.clientCert, key: c.clientKey },
      spoolDir: path.join(dir, 'spool'), fsync: 'never', window, batchSize: 200,
    });
    const queue = new OutputQueue([g], { hostname: 'node-a', policy: 'block', capacity: 1000 });
    await queue.init();
    gc();
    const heap0 = process.memoryUsage().heapUsed;
    let maxInFlight = 0;
    let maxUnacked = 0;
    const sampler = setInterval(() => {
      const s = g.stats();
      maxInFlight = Math.max(maxInFlight, s.inFlight);
      maxUnacked = Math.max(maxUnacked, s.spool.unacked);
    }, 5);
    const total = 30_000;
    for (let i = 0; i < total; i++) { const p = queue.push(testAlert(i)); if (p) await p; }
    await queue.flush();
    gc();
    const heapProduced = process.memoryUsage().heapUsed - heap0;
    expect(await g.drained(60_000)).toBe(true);
    clearInterval(sampler);
    await queue.close();
    await col.stop();

    expect(maxInFlight).toBeLessThanOrEqual(window);
    expect(maxUnacked).toBeGreaterThan(10 * window); // the backlog sat in the spool, not in memory
    // The backlog is ~20 MiB on disk; in memory only the window and one parsed segment (≤ 1 MiB of file) stay.
    expect(heapProduced).toBeLessThan(8 * 1024 * 1024);
    const lines = readCollected(out);
    expect(lines.length).toBe(total);
    expect(new Set(lines.map((l) => l.seq)).size).toBe(total);
    console.log(`slow collector: max in flight ${maxInFlight}, max unacked (spooled) ${maxUnacked}, heap retained at the peak backlog ${(heapProduced / 1048576).toFixed(1)} MiB, spool peak ${(g.stats().spool.peakBytes / 1048576).toFixed(1)} MiB`);
  }, 90_000);
});
