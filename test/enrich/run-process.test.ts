// `sensord run` as its own process with enrichment configured: it starts, and on SIGINT it shuts down with exit 0
// and prints the metadata summary — an event held for metadata must keep the process alive (a wait with nothing
// else pending once ended the process with Node's exit 13), and a broken pod-watch configuration must not hang it.
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { skipWithoutProbe } from '../helpers/live.js';
import { REPO_ROOT } from '../helpers/shared.js';
import { ContainerdHarness, skipWithoutContainerd } from '../helpers/containerd.js';

const skip = skipWithoutProbe('sensord run process with enrichment');

/** Spawns `sensord run ARGS`, collecting stdout and stderr; resolves once it says `running:`. */
async function startSensord(args: string[]) {
  const child = spawn(process.execPath, [path.join(REPO_ROOT, 'bin', 'sensord.js'), 'run', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const io = { out: '', err: '' };
  child.stdout!.on('data', (d: Buffer) => { io.out += d.toString(); });
  child.stderr!.on('data', (d: Buffer) => { io.err += d.toString(); });
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const t0 = Date.now();
  while (!io.err.includes('running:') && Date.now() - t0 < 30_000 && child.exitCode === null) await new Promise((r) => setTimeout(r, 50));
  return { child, io, exited };
}

describe.skipIf(skip)('sensord run (process) with enrichment', () => {
  it('--kubeconfig MISSING: logs the error, runs, stops on SIGINT with exit 0 and the metadata summary', async () => {
    const { child, io, exited } = await startSensord(['--kubeconfig', '/nonexistent/kubeconfig', '--log-format', 'text']);
    const err = () => io.err;
    expect(err()).toContain('running:');
    expect(err()).toMatch(/pod watch: kubeconfig \/nonexistent\/kubeconfig: .*ENOENT/);
    // Let some events through (each sandbox job is a "container" here), then stop.
    await new Promise((r) => setTimeout(r, 1000));
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(err()).toMatch(/Metadata: \d+ containers cached, .* events that needed it: /);
  });

  it.skipIf(skipWithoutContainerd('sensord run with a CRI socket'))('--cri-socket: the default rules\' shadow-read alert from a CRI pod names the pod (JSON), then a clean stop', async () => {
    const h = await ContainerdHarness.start();
    const dir = mkdtempSync(path.join(tmpdir(), 'sensord-runproc-'));
    try {
      writeFileSync(path.join(dir, 'shadow'), 'root:*:19000:0:99999:7:::\n');
      const { child, io, exited } = await startSensord(['--cri-socket', h.socket, '--json', '--log-format', 'text']);
      expect(io.err).toContain(`enrichment: CRI at ${h.socket}`);
      const pod = await h.runPod({ name: 'reader-6f7c9', namespace: 'sensord-proc', labels: { app: 'reader' } });
      const id = await h.runContainer(pod, {
        name: 'cat', command: ['/bin/cat', '/etc/shadow'],
        mounts: [{ container_path: '/etc/shadow', host_path: path.join(dir, 'shadow'), readonly: true }],
      });
      const t0 = Date.now();
      const mine = () => io.out.split('\n').filter((l) => l.includes(id.slice(0, 12)));
      while (mine().length === 0 && Date.now() - t0 < 20_000) await new Promise((r) => setTimeout(r, 50));
      child.kill('SIGINT');
      expect(await exited).toBe(0);
      // runc setting up the container (runc:[0:PARENT] joining namespaces) is not an alert of the default rules.
      expect(mine().filter((l) => l.includes('runc:['))).toEqual([]);
      const alert = JSON.parse(mine().find((l) => l.includes('"Shadow Password File Read"')) ?? '{}') as { rule?: string; output_fields?: Record<string, unknown> };
      expect(alert.rule).toBe('Shadow Password File Read');
      expect(alert.output_fields).toMatchObject({
        'container.id': id.slice(0, 12), 'container.name': 'cat', 'k8s.pod.name': 'reader-6f7c9', 'k8s.ns.name': 'sensord-proc',
      });
      expect(String(alert.output_fields?.['k8s.pod.labels'])).toContain('app:reader');
      expect(io.err).toMatch(/Metadata: [1-9]\d* containers cached/);
      await h.removePod(pod);
    } finally {
      await h.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
