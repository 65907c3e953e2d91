// `sensord run` as its own process with enrichment configured: it starts, and on SIGINT it shuts down with exit 0
// and prints the metadata summary — an event held for metadata must keep the process alive (a wait with nothing
// else pending once ended the process with Node's exit 13), and a broken pod-watch configuration must not hang it.
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { skipWithoutProbe } from '../helpers/live.js';
import { REPO_ROOT } from '../helpers/shared.js';

const skip = skipWithoutProbe('sensord run process with enrichment');

describe.skipIf(skip)('sensord run (process) with enrichment', () => {
  it('--kubeconfig MISSING: logs the error, runs, stops on SIGINT with exit 0 and the metadata summary', async () => {
    const child = spawn(process.execPath, [path.join(REPO_ROOT, 'bin', 'sensord.js'), 'run', '--kubeconfig', '/nonexistent/kubeconfig', '--log-format', 'text'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr!.on('data', (d: Buffer) => { err += d.toString(); });
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    const t0 = Date.now();
    while (!err.includes('running:') && Date.now() - t0 < 30_000 && child.exitCode === null) await new Promise((r) => setTimeout(r, 50));
    expect(err).toContain('running:');
    expect(err).toMatch(/pod watch: kubeconfig \/nonexistent\/kubeconfig: .*ENOENT/);
    // Let some events through (each sandbox job is a "container" here), then stop.
    await new Promise((r) => setTimeout(r, 1000));
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(err).toMatch(/Metadata: \d+ containers cached, .* events that needed it: /);
  });
});
