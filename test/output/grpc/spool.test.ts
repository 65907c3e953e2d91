// The spool on its own (restart recovery, torn record) and spool full end to end: the oldest alerts go and one
// Gap with their exact count, time span and rules reaches the collector in their place.
import { describe, expect, it } from 'vitest';
import { appendFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { Collector, GrpcOutput, Spool } from '../../../sensor/src/output/grpc/index.js';
import { makeCerts, readCollected, testAlert, testLine, tmp } from './helpers.js';

const rec = (i: number) => ({ timeNs: String(testAlert(i).ts), rule: testAlert(i).rule, alert: { output: `alert ${i}` } });

describe('spool', () => {
  it('recovers the highest seq after a restart, truncates a torn last record, deletes acked segments', () => {
    const dir = tmp('sensord-spool-');
    const s = new Spool({ dir, maxBytes: 1024 * 1024, segmentBytes: 8 * 1024, fsync: 'never' });
    s.open();
    for (let i = 0; i < 500; i += 10) s.append(Array.from({ length: 10 }, (_, k) => rec(i + k)));
    const segs = s.stats().segments;
    expect(segs).toBeGreaterThan(3);
    s.ack(200);
    expect(s.stats().segments).toBeLessThan(segs);
    s.close();
    const newest = readdirSync(dir).filter((n) => n.startsWith('seg-')).sort().pop()!;
    const size = statSync(path.join(dir, newest)).size;
    appendFileSync(path.join(dir, newest), Buffer.from([200, 0, 0, 0, 1, 2, 3])); // a torn record

    const r = new Spool({ dir, maxBytes: 1024 * 1024, segmentBytes: 8 * 1024, fsync: 'never' });
    r.open();
    expect(r.stats().truncatedOnOpen).toBe(7);
    expect(statSync(path.join(dir, newest)).size).toBe(size);
    expect(r.lastSeq).toBe(500);
    expect(r.ackedSeq).toBe(200);
    expect(r.readAfter(200, 1000).map((x) => x.seq)).toEqual(Array.from({ length: 300 }, (_, k) => 201 + k));
    expect(r.append([rec(500)])).toEqual([501]); // seq only grows across restarts
    r.ack(501);
    r.close();
    const again = new Spool({ dir, maxBytes: 1024 * 1024, fsync: 'never' });
    again.open();
    expect(again.nextSeq).toBe(502); // even with everything acked and deleted
    again.close();
  });

  it('full: the oldest alerts go and a Gap with the right count, span and rules arrives at the collector', async () => {
    const c = makeCerts();
    const dir = tmp('sensord-spoolfull-');
    const out = path.join(dir, 'alerts.jsonl');
    // Reserve a port, then keep the collector down while 1000 alerts overflow a 64 KiB spool.
    const probe = new Collector({ listen: '127.0.0.1:0', out, tls: { ca: c.ca, cert: c.serverCert, key: c.serverKey } });
    const port = await probe.start();
    await probe.stop();
    const maxBytes = 64 * 1024;
    const g = new GrpcOutput({
      address: `127.0.0.1:${port}`, serverName: 'localhost', tls: { ca: c.ca, cert: c.clientCert, key: c.clientKey },
      spoolDir: path.join(dir, 'spool'), spoolMaxBytes: maxBytes, spoolSegmentBytes: 8 * 1024, fsync: 'never',
      backoffInitialMs: 50, backoffMaxMs: 300,
    });
    g.init();
    for (let i = 0; i < 1000; i += 10) { for (let k = 0; k < 10; k++) g.write(testLine(i + k)); g.flush(); }
    const st = g.stats().spool;
    expect(st.dropped).toBeGreaterThan(500);
    expect(st.peakBytes).toBeLessThanOrEqual(maxBytes);

    const col = new Collector({ listen: `127.0.0.1:${port}`, out, tls: { ca: c.ca, cert: c.serverCert, key: c.serverKey } });
    await col.start();
    expect(await g.drained(15_000)).toBe(true);
    await g.close();
    await col.stop();

    const lines = readCollected(out);
    const gaps = lines.filter((l) => l.kind === 'gap');
    const alerts = lines.filter((l) => l.kind === 'alert');
    expect(gaps).toHaveLength(1);
    const gap = gaps[0]!;
    const lost = Number(gap.count);
    expect(lost).toBe(st.dropped);
    expect(alerts.length + lost).toBe(1000);
    // The dropped ones are the oldest: seq 1..lost (alert i has seq i+1).
    expect([Number(gap.first_seq), Number(gap.last_seq)]).toEqual([1, lost]);
    expect(alerts.map((a) => a.seq).sort((a, b) => a - b)[0]).toBe(lost + 1);
    expect(gap.first_time_ns).toBe(String(testAlert(0).ts));
    expect(gap.last_time_ns).toBe(String(testAlert(lost - 1).ts));
    const rules: Record<string, string> = {};
    for (let i = 0; i < lost; i++) rules[testAlert(i).rule] = String(Number(rules[testAlert(i).rule] ?? 0) + 1);
    expect(gap.rules).toEqual(rules);
    expect(col.summary()[0]).toMatchObject({ received: 1000 - lost, lost, gaps: 1, highestContiguousSeq: 1000 });
  }, 60_000);
});
