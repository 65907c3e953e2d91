// `sensord capture` with a container runtime, live: while real runc containers of a private containerd run, the
// capture gets one container event per container (libsinsp's JSON), so a later replay knows the containers as the
// live sensor did. Checked three ways on the same file: `sensord replay` with the default rules (a command in the
// privileged container raises "Command In Privileged Container" with its name and pod; the unprivileged one's
// does not), `sensord events`, and sysdig 0.29.3 reading our container events (the oracle: it prints the name,
// image and privileged flag of the container an event's thread runs in). A second capture at the same time keeps one
// container (--container ID): its events only, and its container event.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { skipWithoutProbe, startCapture, type RunningCapture } from '../helpers/live.js';
import { ContainerdHarness, TEST_IMAGE, skipWithoutContainerd, type RunningPod } from '../helpers/containerd.js';
import { REPO_ROOT } from '../helpers/shared.js';
import { openScap } from '../../sensor/src/source/scap-reader.js';
import { EventView } from '../../sensor/src/decode/event-view.js';

const skip = skipWithoutProbe('capture with container events') || skipWithoutContainerd('capture with container events');
const HAVE_SYSDIG = spawnSync('sysdig', ['--version'], { encoding: 'utf8' }).status === 0;
const SENSORD = path.join(REPO_ROOT, 'bin', 'sensord.js');
const run = promisify(execFile);

describe.skipIf(skip)('sensord capture writes container events (real containerd + runc)', () => {
  let h: ContainerdHarness;
  let dir: string;
  let file: string;
  const ids: Record<'priv' | 'plain', string> = { priv: '', plain: '' };
  const pods: RunningPod[] = [];
  let whole: RunningCapture;

  const children: ChildProcess[] = [];
  let oneFile: string;
  let one: RunningCapture;

  /** A capture of 8 s on the private containerd (it is killed after the block if a test failed first). */
  const capture = async (out: string, extra: string[]): Promise<RunningCapture> => {
    const c = await startCapture(out, ['--duration', '8', '--cri-socket', h.socket, '--metadata-wait', '3000', ...extra]);
    children.push(c.child);
    return c;
  };

  beforeAll(async () => {
    h = await ContainerdHarness.start();
    dir = mkdtempSync(path.join(tmpdir(), 'sensord-capctr-'));
    file = path.join(dir, 'c.scap.gz');
    oneFile = path.join(dir, 'one.scap.gz');
    // Both containers are made first (not started), so a second capture can keep only the privileged one.
    for (const [key, privileged] of [['priv', true], ['plain', false]] as const) {
      const pod = await h.runPod({ name: `${key}-pod`, namespace: 'sensord-cap-test', privileged });
      pods.push(pod);
      // A command in a subshell (busybox sh would run a bare `id` inside itself), then an exec into the container.
      ids[key] = await h.runContainer(pod, { name: `${key}-shell`, privileged, command: ['/bin/sh', '-c', '(exec /bin/id) > /dev/null; sleep 60'], start: false });
    }
    whole = await capture(file, []);
    one = await capture(oneFile, ['--container', ids.priv, '--no-env']);
    for (const key of ['priv', 'plain'] as const) {
      await h.startContainer(ids[key]);
      await new Promise((r) => setTimeout(r, 300));
      await h.ctr('tasks', 'exec', '--exec-id', `ls-${key}`, ids[key], '/bin/ls', '/');
    }
    expect(await whole.ended, whole.stderr()).toBe(0);
    expect(await one.ended, one.stderr()).toBe(0);
  }, 180_000);

  afterAll(async () => {
    for (const c of children) c.kill('SIGKILL'); // a capture left running by a failed beforeAll
    for (const p of pods) await h.removePod(p).catch(() => undefined);
    await h?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 120_000);

  it('the capture has one container event for each container it saw, the two test containers among them', async () => {
    const n = Number(/; (\d+) container events; ring drops/.exec(whole.stderr())?.[1]);
    const written: string[] = [];
    const view = new EventView();
    for await (const item of await openScap(file, { streaming: true })) {
      if (item.kind !== 'events') continue;
      const b = item.batch;
      for (let k = 0; k < b.count; k++) {
        view.set(b.bytes, b.view, b.offsets[k], b.cpus[k], 0);
        if (view.type === 324) written.push(String((JSON.parse(view.str(0)) as { container: { full_id: string } }).container.full_id));
      }
    }
    expect(written.length).toBe(n);
    expect(new Set(written).size).toBe(n);
    for (const key of ['priv', 'plain'] as const) expect(written).toContain(ids[key]);
  });

  it('`sensord replay` with the default rules: the privileged container\'s commands alert with its name and pod, the other\'s do not', async () => {
    const { stdout } = await run(process.execPath, [SENSORD, 'replay', '-r', file, '--rules', path.join(REPO_ROOT, 'rules'), '--json'], { maxBuffer: 1 << 26 });
    const alerts = stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { rule: string; output_fields: Record<string, unknown> });
    const mine = (key: 'priv' | 'plain') => alerts.filter((a) => a.rule === 'Command In Privileged Container' && a.output_fields['container.id'] === ids[key].slice(0, 12));
    expect(mine('priv').map((a) => a.output_fields['proc.name']).sort()).toEqual(['id', 'ls']);
    expect(mine('priv')[0]!.output_fields).toMatchObject({ 'container.name': 'priv-shell', 'k8s.pod.name': 'priv-pod', 'k8s.ns.name': 'sensord-cap-test' });
    expect(mine('plain')).toEqual([]);
  });

  it('--container keeps only that container\'s processes and its one container event', async () => {
    expect(one.stderr()).toMatch(/events written to .*; 1 container events; ring drops/);
    const { stdout } = await run(process.execPath, [SENSORD, 'events', '-r', oneFile, '-p', '%thread.tid %container.id %proc.name'], { maxBuffer: 1 << 26 });
    const tidRows = stdout.trim().split('\n').map((l) => { const i = l.indexOf(' '); return { tid: l.slice(0, i), row: l.slice(i + 1) }; });
    const rows = tidRows.map((r) => r.row);
    expect(rows.length).toBeGreaterThan(10);
    // Every event is the privileged container's (the container event itself shows its pseudo-thread), but for
    // `runc init`'s own events when its clone exit came in: it already runs in the container's cgroup (the filter
    // keeps it), yet the capture first sees it on the caller side of a CLONE_PARENT clone, where libsinsp gives
    // an unknown caller no container and no name ("<NA>"), and so does the replay.
    expect(rows.filter((r) => !r.startsWith(`${ids.priv.slice(0, 12)} `) && !r.includes(`container:${ids.priv.slice(0, 12)}`) && r !== 'host <NA>')).toEqual([]);
    // ... and those are one thread's.
    expect(new Set(tidRows.filter((r) => r.row === 'host <NA>').map((r) => r.tid)).size).toBeLessThanOrEqual(1);
    expect(rows.some((r) => r.endsWith(' id'))).toBe(true);
    expect(rows.some((r) => r.endsWith(' ls'))).toBe(true);
    const { stdout: alerts } = await run(process.execPath, [SENSORD, 'replay', '-r', oneFile, '--rules', path.join(REPO_ROOT, 'rules')]);
    expect(alerts.split('\n').filter((l) => l.includes('Command run in a privileged container')).length).toBe(2);
  });

  it('`sensord events` and sysdig 0.29.3 print the same container name, image and privileged flag for the commands', async () => {
    const fmt = '%proc.name %container.id %container.name %container.image %container.privileged';
    const filter = 'evt.type=execve and evt.dir=< and (proc.name=id or proc.name=ls)';
    const { stdout: ours } = await run(process.execPath, [SENSORD, 'events', '-r', file, '-p', fmt, filter], { maxBuffer: 1 << 26 });
    const lines = (text: string) => text.split('\n').filter((l) => l.includes('-shell')).sort();
    const expected = (['priv', 'plain'] as const).flatMap((k) => ['id', 'ls'].map((p) => `${p} ${ids[k].slice(0, 12)} ${k}-shell ${TEST_IMAGE} ${k === 'priv'}`)).sort();
    expect(lines(ours)).toEqual(expected);
    if (!HAVE_SYSDIG) {
      expect(process.env.CI, 'sysdig is required under CI').not.toBe('true');
      return;
    }
    const sysdig = spawnSync('sysdig', ['-r', file, '-p', fmt, filter], { encoding: 'utf8', maxBuffer: 1 << 26 });
    expect(sysdig.status, sysdig.stderr).toBe(0);
    expect(lines(sysdig.stdout)).toEqual(expected);
  });
});
