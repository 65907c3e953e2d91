// Outage: the collector is down for 60 s while 12k alerts are produced through the output queue; after it
// comes back every alert arrives exactly once (after dedupe) and the spool never passed its bound.
import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { OutputQueue } from '../../../sensor/src/output/index.js';
import { Collector, GrpcOutput } from '../../../sensor/src/output/grpc/index.js';
import { makeCerts, readCollected, testAlert, tmp, until } from './helpers.js';

/** 60 s as the issue asks; SENSORD_OUTAGE_MS shortens it while iterating. */
const OUTAGE_MS = Number(process.env.SENSORD_OUTAGE_MS ?? 60_000);

describe('gRPC output: collector outage', () => {
  it('loses nothing and duplicates nothing across a 60 s outage with 12k alerts; the spool stays in bound', async () => {
    const c = makeCerts();
    const dir = tmp('sensord-outage-');
    const out = path.join(dir, 'alerts.jsonl');
    const tls = { ca: c.ca, cert: c.serverCert, key: c.serverKey };
    let col = new Collector({ listen: '127.0.0.1:0', out, tls });
    const port = await col.start();
    const spoolMaxBytes = 16 * 1024 * 1024;
    const g = new GrpcOutput({
      address: `127.0.0.1:${port}`, serverName: 'localhost', tls: { ca: c.ca, cert: c.clientCert, key: c.clientKey },
      spoolDir: path.join(dir, 'spool'), spoolMaxBytes, fsync: 'interval', backoffInitialMs: 100, backoffMaxMs: 2000,
    });
    const queue = new OutputQueue([g], { hostname: 'node-a', policy: 'block', capacity: 1000 });
    await queue.init();
    let n = 0;
    const produce = async (count: number) => { for (let i = 0; i < count; i++) { const p = queue.push(testAlert(n++)); if (p) await p; } await queue.flush(); };

    await produce(2000);
    expect(await g.drained(10_000)).toBe(true);

    await col.stop(); // outage: 60 s, 12k alerts produced at a steady rate (200 per second)
    const t0 = Date.now();
    while (Date.now() - t0 < OUTAGE_MS) {
      await produce(200);
      await new Promise((r) => setTimeout(r, 1000 - ((Date.now() - t0) % 1000)));
    }
    const producedDuringOutage = n - 2000;
    expect(producedDuringOutage).toBeGreaterThanOrEqual(OUTAGE_MS / 6);
    expect(g.stats().spool.unacked).toBe(producedDuringOutage);

    col = new Collector({ listen: `127.0.0.1:${port}`, out, tls });
    await col.start();
    const drained = await g.drained(30_000);
    if (!drained) console.error(g.stats());
    expect(drained).toBe(true);
    await queue.close();
    await col.stop();

    const lines = readCollected(out);
    const ids = new Set(lines.map((l) => l.id));
    const seqs = lines.map((l) => l.seq).sort((a, b) => a - b);
    expect(lines.every((l) => l.kind === 'alert')).toBe(true);
    expect(ids.size).toBe(lines.length); // 0 duplicates after dedupe
    expect(lines.length).toBe(n); // 0 lost
    expect(seqs[0]).toBe(1);
    expect(seqs[seqs.length - 1]).toBe(n);
    const st = g.stats().spool;
    expect(st.peakBytes).toBeLessThanOrEqual(spoolMaxBytes);
    expect(st.dropped).toBe(0);
    expect(col.summary()[0]).toMatchObject({ received: n, highestContiguousSeq: n, gaps: 0 });
  }, 120_000);
});
