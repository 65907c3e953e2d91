// K8S.NODE_PrivilegedExecutionInContainer live: `sensord run` (in process) with the default rules and the CRI socket
// of a private containerd, while real runc containers run commands. A command a privileged container's workload
// starts, and one exec'd into it (`ctr tasks exec`, what crictl/kubectl exec do), raise "Command In Privileged
// Container" naming the container; its init process (pid 1 of its pid namespace) does not; the same commands in an
// unprivileged container raise nothing (their exec events, seen through a marker rule, prove they were judged).
import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { skipWithoutProbe } from '../../helpers/live.js';
import { skipWithoutContainerd } from '../../helpers/containerd.js';
import { until, useSensorOnContainerd, type JsonAlert } from '../../helpers/run-in-process.js';
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

describe.skipIf(skip)('default rule K8S.NODE_PrivilegedExecutionInContainer on a real containerd', () => {
  const env = useSensorOnContainerd((dir) => {
    const marker = path.join(dir, 'marker.yaml');
    writeFileSync(marker, MARKER);
    return [RULES_DIR, marker];
  }, 'sensord-priv-');

  const alerts = (): JsonAlert[] => env.sensor.alerts();
  const of = (rule: string, id: string) => alerts().filter((a) => a.rule === rule && a.output_fields['container.id'] === id.slice(0, 12));
  const marked = (id: string, proc: string) => of('Marker exec in test pod', id).some((a) => a.output_fields['proc.name'] === proc);

  /**
   * A pod with one container whose init (sh, pid 1) starts `id` in a subshell (busybox sh runs a bare `id` inside
   * itself, with no exec) and then becomes `sleep` (an exec in place: still pid 1); privileged or not.
   */
  const start = async (name: string, privileged: boolean): Promise<string> => {
    const pod = await env.h.runPod({ name, namespace: 'sensord-priv-test', privileged });
    env.pods.push(pod);
    return env.h.runContainer(pod, { name: 'shell', privileged, command: ['/bin/sh', '-c', '(exec /bin/id) > /dev/null; sleep 60'] });
  };

  it('a privileged container: its workload\'s command and an exec into it alert, its init process does not', async () => {
    const id = await start('priv-shell', true);
    await until(() => of(RULE, id).some((a) => a.output_fields['proc.name'] === 'id'), 'the alert for `id`');
    await env.h.ctr('tasks', 'exec', '--exec-id', 'ls-1', id, '/bin/ls', '/');
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
    await env.h.ctr('tasks', 'exec', '--exec-id', 'ls-2', id, '/bin/ls', '/');
    await until(() => marked(id, 'ls'), 'the marker for the exec');
    expect(of(RULE, id)).toEqual([]);
  });
});
