// End to end as a platform team deploys it: `sensord collector` and `sensord run --grpc` as their own processes,
// mTLS on loopback, the live probe and a Falco-language rules file. `cat MARKER` must arrive at the collector as
// one durable alert with the rule, output and the sensor's identity; SIGINT ends both with exit 0. The backend is
// reached by IP address with --tls-server-name naming its certificate's host.
import { afterAll, describe, expect, it } from 'vitest';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from '../../helpers/shared.js';
import { skipWithoutProbe } from '../../helpers/live.js';
import { makeCerts, readCollected, until } from './helpers.js';

const SENSORD = path.join(REPO_ROOT, 'bin', 'sensord.js');

interface Proc { child: ChildProcess; err: () => string; exited: Promise<number | null> }

function start(args: string[]): Proc {
  const child = spawn(process.execPath, [SENSORD, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => { err += d.toString(); });
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return { child, err: () => err, exited };
}

describe.skipIf(skipWithoutProbe('sensord run --grpc (live, end to end)'))('sensord run --grpc → sensord collector', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'sensord-e2e-'));
  const procs: Proc[] = [];
  afterAll(() => {
    for (const p of procs) if (p.child.exitCode === null) p.child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('a live alert reaches the collector once, over mTLS, and both stop cleanly', async () => {
    const certs = makeCerts();
    const marker = path.join(dir, 'e2e-marker.txt');
    writeFileSync(marker, 'x\n');
    const rules = path.join(dir, 'rules.yaml');
    writeFileSync(rules, [
      '- rule: E2E marker read',
      '  desc: cat of the end-to-end marker file',
      `  condition: evt.type in (open, openat, openat2) and evt.dir = < and proc.name = cat and fd.name = ${JSON.stringify(marker)}`,
      '  output: marker %fd.name read by %proc.name (pid=%proc.pid)',
      '  priority: WARNING',
      '  tags: [filesystem, mitre_discovery, T1083]',
      '',
    ].join('\n'));
    const out = path.join(dir, 'collected.jsonl');

    const collector = start(['collector', '--listen', '127.0.0.1:0', '--out', out, '--tls-ca', certs.ca, '--tls-cert', certs.serverCert, '--tls-key', certs.serverKey]);
    procs.push(collector);
    expect(await until(() => /\(port (\d+)\)/.test(collector.err()), 15_000), collector.err()).toBe(true);
    const port = /\(port (\d+)\)/.exec(collector.err())![1];

    const sensor = start(['run', '--rules', rules, '--grpc', `127.0.0.1:${port}`, '--tls-server-name', 'localhost',
      '--tls-ca', certs.ca, '--tls-cert', certs.clientCert, '--tls-key', certs.clientKey, '--spool', path.join(dir, 'spool'), '--log-format', 'text']);
    procs.push(sensor);
    expect(await until(() => sensor.err().includes('running:') || sensor.child.exitCode !== null, 30_000), sensor.err()).toBe(true);
    expect(sensor.child.exitCode, sensor.err()).toBeNull();

    const pid = (() => { const c = spawn('cat', [marker], { stdio: 'ignore' }); return c.pid; })();
    expect(await until(() => readCollected(out).some((l) => l.kind === 'alert'), 15_000), `collector got nothing; sensor: ${sensor.err()}`).toBe(true);

    sensor.child.kill('SIGINT');
    expect(await sensor.exited, sensor.err()).toBe(0);
    collector.child.kill('SIGINT');
    expect(await collector.exited, collector.err()).toBe(0);

    const lines = readCollected(out);
    expect(lines.filter((l) => l.kind === 'alert')).toHaveLength(1);
    const a = lines[0] as Record<string, unknown>;
    expect(a.rule).toBe('E2E marker read');
    expect(a.priority).toBe('Warning');
    expect(a.output).toContain(`marker ${marker} read by cat (pid=${pid})`);
    expect(a.tags).toEqual(['T1083', 'filesystem', 'mitre_discovery']);
    // output_fields as text keeps the nanosecond time's digits: the alert's own time.
    expect((a.output_fields as Record<string, string>)['evt.time']).toBe(a.time_ns);
    expect(typeof a.sensor_id).toBe('string');
    expect(a.seq).toBe(1);
    // The certificate names localhost and 127.0.0.1; --tls-server-name keeps Node from warning about an IP as SNI.
    expect(sensor.err()).not.toContain('DEP0123');
    expect(execFileSync('ls', [path.join(dir, 'spool')]).toString()).not.toBe('');
  });
});
