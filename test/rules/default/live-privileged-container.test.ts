// K8S.NODE_PrivilegedExecutionInContainer live: `sensord run` (in process) with the default rules and the CRI socket
// of a private containerd, while real runc containers run commands. A command a privileged container's workload
// starts, and one exec'd into it (`ctr tasks exec`, what crictl/kubectl exec do), raise "Command In Privileged
// Container" naming the container; its init process (pid 1 of its pid namespace) does not; the same commands in an
// unprivileged container raise nothing (their exec events, seen through a marker rule, prove they were judged).
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { skipWithoutProbe } from '../../helpers/live.js';
import { ContainerdHarness, skipWithoutContainerd, type RunningPod } from '../../helpers/containerd.js';
import { runRun } from '../../../sensor/src/daemon/commands/run.js';
import { RULES_DIR } from './harness.js';

const skip = skipWithoutProbe('privileged-container rule live') || skipWithoutContainerd('privileged-container rule live');

const RULE = 'Command In Privileged Container';
const MARKER = `
- rule: Marker exec in test pod
  desc: every exec in the test namespace, to know the rules have judged a container's commands
  condition: evt.type in (execve, execveat) and evt.dir = < and k8s.ns.name = sensord-priv-test
  output: marker exec (id=%container.id name=%proc.name vpid=%proc.vpid)
  priority: DEBUG
`;

interface JsonAlert { rule: string; output: string; output_fields: Record<string, unknown> }

const until = async (cond: () => boolean, what: string, ms = 20_000) => {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
};

describe.skipIf(skip)('default rule K8S.NODE_PrivilegedExecutionInContainer on a real containerd', () => {
  let h: ContainerdHarness;
  let dir: string;
  const out: string[] = [];
  const err: string[] = [];
  let done: Promise<number>;
  const pods: RunningPod[] = [];

  const alerts = (): JsonAlert[] => out.join('').split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as JsonAlert);
  const of = (rule: string, id: string) => alerts().filter((a) => a.rule === rule && a.output_fields['container.id'] === id.slice(0, 12));
  const marked = (id: string, proc: string) => of('Marker exec in test pod', id).some((a) => a.output_fields['proc.name'] === proc);

  /**
   * A pod with one container whose init (sh, pid 1) starts `id` in a subshell (busybox sh runs a bare `id` inside
   * itself, with no exec) and then becomes `sleep` (an exec in place: still pid 1); privileged or not.
   */
  const start = async (name: string, privileged: boolean): Promise<string> => {
    const pod = await h.runPod({ name, namespace: 'sensord-priv-test', privileged });
    pods.push(pod);
    return h.runContainer(pod, { name: 'shell', privileged, command: ['/bin/sh', '-c', '(exec /bin/id) > /dev/null; sleep 60'] });
  };

  beforeAll(async () => {
    h = await ContainerdHarness.start();
    dir = mkdtempSync(path.join(tmpdir(), 'sensord-priv-'));
    const marker = path.join(dir, 'marker.yaml');
    writeFileSync(marker, MARKER);
    vi.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => { out.push(String(c)); return true; });
    vi.spyOn(process.stderr, 'write').mockImplementation((c: string | Uint8Array) => { err.push(String(c)); return true; });
    done = runRun({ rules: [RULES_DIR, marker], json: true, ruleMatching: 'all', criSocket: h.socket, logFormat: 'text', metadataWait: '2000' });
    await until(() => err.join('').includes('running:'), 'sensord run startup', 60_000);
  }, 150_000);

  afterAll(async () => {
    process.emit('SIGINT');
    await done;
    vi.restoreAllMocks();
    for (const p of pods) await h.removePod(p).catch(() => undefined);
    await h?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 120_000);

  it('a privileged container: its workload\'s command and an exec into it alert, its init process does not', async () => {
    const id = await start('priv-shell', true);
    await until(() => of(RULE, id).some((a) => a.output_fields['proc.name'] === 'id'), 'the alert for `id`');
    await h.ctr('tasks', 'exec', '--exec-id', 'ls-1', id, '/bin/ls', '/');
    await until(() => of(RULE, id).some((a) => a.output_fields['proc.name'] === 'ls'), 'the alert for the exec');

    // The container's init (sh, pid 1 in its namespace) was judged (the marker saw it) and did not alert.
    await until(() => marked(id, 'sh'), "the marker for the container's init");
    const fired = of(RULE, id);
    const first = fired.find((a) => a.output_fields['proc.name'] === 'id')!;
    expect(first.output).toContain('Command run in a privileged container |');
    expect(first.output).toContain('container_name=shell');
    expect(first.output_fields['k8s.pod.name']).toBe('priv-shell');
    expect(fired.filter((a) => a.output_fields['proc.vpid'] === 1)).toEqual([]);
    expect(fired.map((a) => a.output_fields['proc.name']).sort()).toEqual(['id', 'ls']);
  });

  it('an unprivileged container: the same commands and exec raise nothing', async () => {
    const id = await start('plain-shell', false);
    await until(() => marked(id, 'id'), 'the marker for `id`');
    await h.ctr('tasks', 'exec', '--exec-id', 'ls-2', id, '/bin/ls', '/');
    await until(() => marked(id, 'ls'), 'the marker for the exec');
    expect(of(RULE, id)).toEqual([]);
  });
});
