// Re-records the default rules' capture fixtures (test/fixtures/rules/*.scap.gz and its README) with
// `sensord capture -w F --no-env -- bash -c SCRIPT`: only the behaviour's process tree, no environment.
// Runs only when asked: SENSORD_RECORD_FIXTURES=1 npx vitest run test/rules/default/record-fixtures.test.ts
// (SENSORD_RECORD_FIXTURES=containers re-records the container cases only; the README always lists every case).
// Container cases (CONTAINER_CASES) are recorded with `sensord capture --container ID --no-env` on a private
// containerd: only that container's processes, and its container event.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CASES, CONTAINER_CASES, type ContainerBehaviour } from './cases.js';
import { FIXTURES_DIR, SENSORD, fixtureName, makeSandbox, startListener } from './harness.js';
import { ContainerdHarness, skipWithoutContainerd } from '../../helpers/containerd.js';
import { startCapture } from '../../helpers/live.js';

/** Records one container behaviour into `file`: the container is made, the capture started on it, then it runs. */
async function recordInContainer(h: ContainerdHarness, b: ContainerBehaviour, name: string, file: string): Promise<void> {
  const pod = await h.runPod({ name, namespace: 'sensord-fixtures', privileged: b.privileged });
  try {
    const id = await h.runContainer(pod, { name: 'shell', privileged: b.privileged, command: b.command, start: false });
    const capture = await startCapture(file, ['--no-env', '--container', id, '--cri-socket', h.socket, '--metadata-wait', '3000', '--duration', '5']);
    await h.startContainer(id);
    await new Promise((r) => setTimeout(r, 500));
    await h.ctr('tasks', 'exec', '--exec-id', `exec-${name}`, id, ...b.exec);
    expect(await capture.ended, capture.stderr()).toBe(0);
    process.stderr.write(capture.stderr());
  } finally {
    await h.removePod(pod).catch(() => undefined);
  }
}

const MODE = process.env.SENSORD_RECORD_FIXTURES;

describe.skipIf(MODE !== '1' && MODE !== 'containers')('record default-rule fixtures', () => {
  it('records one capture per behaviour', async () => {
    const lines: string[] = [];
    const sb = makeSandbox();
    const listener = await startListener();
    try {
      for (const c of CASES) {
        for (const kind of ['pos', 'neg'] as const) {
          const b = c[kind];
          const file = path.join(FIXTURES_DIR, fixtureName(c.id, kind));
          if (MODE === '1') {
            await promisify(execFile)(process.execPath, [SENSORD, 'capture', '-w', file, '--no-env', '--no-runtime', '--', '/bin/bash', '-c', b.script], {
              cwd: sb.dir, env: { ...sb.env, PORT: String(listener.port) },
            });
            expect(statSync(file).size).toBeLessThan(64 * 1024);
          }
          lines.push(`| \`${path.basename(file)}\` | ${c.id} | ${kind === 'pos' ? `**${c.rule}**` : 'none'} | ${b.what}${c.containerOnly ? ' (recorded in a container: the cgroup parses as one)' : ''} |`);
        }
      }
    } finally {
      await listener.close();
      sb.close();
    }
    // Without containerd (MODE 1 only) the container fixtures stay as they are; their README lines are kept.
    const noContainerd = skipWithoutContainerd('recording the container fixtures');
    if (noContainerd && MODE === 'containers') throw new Error('containerd is needed to record CONTAINER_CASES');
    const h = noContainerd ? null : await ContainerdHarness.start();
    try {
      for (const c of CONTAINER_CASES) {
        for (const kind of ['pos', 'neg'] as const) {
          const file = path.join(FIXTURES_DIR, fixtureName(c.id, kind));
          if (h !== null) {
            await recordInContainer(h, c[kind], `${kind}-${c.id.replace(/^K8S\.NODE_/, '').toLowerCase()}`, file);
            expect(statSync(file).size).toBeLessThan(64 * 1024);
          }
          lines.push(`| \`${path.basename(file)}\` | ${c.id} | ${kind === 'pos' ? `**${c.rule}**` : 'none'} | ${c[kind].what} (one container of a private containerd, \`capture --container\`) |`);
        }
      }
    } finally {
      await h?.stop();
    }
    writeFileSync(path.join(FIXTURES_DIR, 'README.md'), [
      '# Default-rule capture fixtures',
      '',
      'Recorded by `test/rules/default/record-fixtures.test.ts` with `sensord capture -w F --no-env --no-runtime -- /bin/bash -c SCRIPT`:',
      "only the behaviour's process tree (its /proc entries and events), exec environments emptied. Scripts run in a",
      'sandbox `$T` under /tmp (HOME=$T/home) with fake tools (symlinks named like the tool to /bin/true, /bin/cat,',
      '/bin/dash or /bin/sleep): see `test/rules/default/cases.ts`. Rules that need container metadata are recorded',
      'with `sensord capture -w F --no-env --container ID --cri-socket S` in a container of a private containerd (only',
      "that container's processes, and its container event). `replay-fixtures.test.ts` replays each with",
      '`sensord replay -r F --rules rules/ --json` and expects exactly the alert below.',
      '',
      '| capture | rule id | expected alert | what it shows |',
      '|---|---|---|---|',
      ...lines,
      '',
    ].join('\n'));
  }, 600_000);
});
