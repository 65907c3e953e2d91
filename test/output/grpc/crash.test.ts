// Crash: a sensor process is SIGKILLed mid-stream and started again on the same spool: everything spooled before
// the kill reaches the collector, once, and seq keeps growing across the restart.
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { Collector } from '../../../sensor/src/output/grpc/index.js';
import { makeCerts, readCollected, tmp } from './helpers.js';

const root = path.resolve(import.meta.dirname, '../../..');
const viteNode = path.join(root, 'node_modules/.bin/vite-node');
const script = path.join(import.meta.dirname, 'sensor-proc.ts');

function startSensor(args: string[], onLine: (l: string) => void) {
  const child = spawn(viteNode, [script, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  createInterface({ input: child.stdout! }).on('line', onLine);
  return child;
}

describe('gRPC output: sensor crash', () => {
  it('SIGKILL mid-stream: everything spooled before the kill arrives after a restart; seq keeps growing', async () => {
    const c = makeCerts();
    const dir = tmp('sensord-crash-');
    const out = path.join(dir, 'alerts.jsonl');
    const spool = path.join(dir, 'spool');
    // A slow collector, so the kill finds alerts spooled but not yet acked.
    const col = new Collector({ listen: '127.0.0.1:0', out, tls: { ca: c.ca, cert: c.serverCert, key: c.serverKey }, slowMs: 20 });
    const port = await col.start();
    const common = [`127.0.0.1:${port}`, c.ca, c.clientCert, c.clientKey, spool];

    let spooledBeforeKill = 0;
    const first = startSensor([...common, '0', '100000'], (l) => { const m = /^spooled (\d+)/.exec(l); if (m) spooledBeforeKill = Number(m[1]); });
    await new Promise<void>((resolve) => { const t = setInterval(() => { if (spooledBeforeKill >= 3000) { clearInterval(t); resolve(); } }, 5); });
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
    const deliveredAtKill = col.summary()[0]?.highestContiguousSeq ?? 0;
    expect(deliveredAtKill).toBeLessThan(spooledBeforeKill); // it really was mid-stream

    let drainedLine = '';
    const second = startSensor([...common, '200000', '500', 'drain'], (l) => { if (l.startsWith('drained')) drainedLine = l; });
    const code = await new Promise((r) => second.once('exit', r));
    expect(code).toBe(0);
    await col.stop();

    const lines = readCollected(out);
    const seqs = lines.map((l) => l.seq).sort((a, b) => a - b);
    expect(new Set(seqs).size).toBe(seqs.length);
    for (let s = 1; s <= spooledBeforeKill; s++) if (seqs[s - 1] !== s) throw new Error(`seq ${s} spooled before the kill is missing`);
    const lastSeq = Number(drainedLine.split(' ')[2]);
    expect(drainedLine.startsWith('drained true')).toBe(true);
    expect(lastSeq).toBeGreaterThanOrEqual(spooledBeforeKill + 500); // seq continued after the restart
    expect(seqs[seqs.length - 1]).toBe(lastSeq);
    expect(lines.length).toBe(lastSeq);
    // The restarted process produced alerts 200000.. with seqs after everything spooled before the kill.
    const after = lines.filter((l) => Number((l.output as string).split(' ')[1]) >= 200_000);
    expect(Math.min(...after.map((l) => l.seq))).toBeGreaterThan(spooledBeforeKill);
  }, 60_000);
});
