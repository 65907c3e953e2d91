// End to end on the real kernel and a real containerd: `sensord run` (in process) with the CRI socket of a private
// containerd judges what runs inside CRI pods, and its alerts name the right container, image, pod, namespace and
// labels — also for a container that exits within milliseconds, and for Falco's own stable rules that read
// container fields.
import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { skipWithoutProbe } from '../helpers/live.js';
import { BUSYBOX_BIN, TEST_IMAGE, skipWithoutContainerd } from '../helpers/containerd.js';
import { HAVE_SHARED, sharedPath, skipWithoutShared } from '../helpers/shared.js';
import { until, useSensorOnContainerd, type JsonAlert } from '../helpers/run-in-process.js';

const skip = skipWithoutProbe('live enrichment') || skipWithoutContainerd('live enrichment');

const RULES = `
- rule: Shadow read in pod
  desc: test rule reading container and pod fields
  condition: evt.type in (open, openat, openat2) and fd.name = /etc/shadow and container.id != host and k8s.ns.name = sensord-test
  output: shadow read (id=%container.id full=%container.full_id name=%container.name image=%container.image repo=%container.image.repository tag=%container.image.tag pod=%k8s.pod.name ns=%k8s.ns.name app=%k8s.pod.label[app] uid=%k8s.pod.uid complete=%container.metadata_complete shadow_src=%container.mount.source[/etc/shadow])
  priority: WARNING
- rule: Exec in pod
  desc: test rule on execve
  condition: evt.type in (execve, execveat) and evt.dir = < and k8s.ns.name = sensord-test
  output: exec in pod (id=%container.id name=%container.name pod=%k8s.pod.name labels=%k8s.pod.labels exe=%proc.exe)
  priority: NOTICE
`;

describe.skipIf(skip)('live enrichment: CRI pods on a real containerd', () => {
  const env = useSensorOnContainerd((dir) => {
    writeFileSync(path.join(dir, 'shadow'), 'root:*:19000:0:99999:7:::\n');
    const rules = [path.join(dir, 'rules.yaml')];
    writeFileSync(rules[0], RULES);
    if (HAVE_SHARED) rules.unshift(sharedPath('corpus', 'falco-rules', 'falco_rules.yaml'));
    return rules;
  }, 'sensord-enrich-');

  const alerts = (): JsonAlert[] => env.sensor.alerts();

  it('an exec and a file open inside a pod carry its container id, name, image, pod, namespace and labels', async () => {
    const pod = await env.h.runPod({ name: 'web-7d9c6b-x2x', namespace: 'sensord-test', labels: { app: 'web', tier: 'front' } });
    env.pods.push(pod);
    const id = await env.h.runContainer(pod, {
      name: 'reader', command: ['/bin/sh', '-c', 'cat /etc/shadow > /dev/null; sleep 30'],
      mounts: [{ container_path: '/etc/shadow', host_path: path.join(env.dir, 'shadow'), readonly: true }],
    });
    await until(() => alerts().some((a) => a.rule === 'Shadow read in pod' && a.output.includes(id.slice(0, 12))), 'the shadow alert');
    const read = alerts().find((a) => a.rule === 'Shadow read in pod' && a.output.includes(id.slice(0, 12)))!;
    const repo = TEST_IMAGE.slice(0, TEST_IMAGE.lastIndexOf(':'));
    const tag = TEST_IMAGE.slice(TEST_IMAGE.lastIndexOf(':') + 1);
    expect(read.output).toContain(`shadow read (id=${id.slice(0, 12)} full=${id} name=reader image=${TEST_IMAGE} repo=${repo} tag=${tag} ` +
      `pod=web-7d9c6b-x2x ns=sensord-test app=web uid=${pod.uid} complete=true shadow_src=${path.join(env.dir, 'shadow')})`);
    expect(read.output_fields['k8s.pod.name']).toBe('web-7d9c6b-x2x');
    const exec = alerts().find((a) => a.rule === 'Exec in pod' && a.output.includes(id.slice(0, 12)));
    expect(exec, 'exec alert').toBeDefined();
    expect(exec!.output).toContain('name=reader pod=web-7d9c6b-x2x');
    expect(exec!.output).toContain('app:web');
    expect(exec!.output).toContain('tier:front');
    // Every alert carries the container and pod in output_fields (the rule's output names neither image nor ns).
    expect(exec!.output_fields).toMatchObject({
      'container.id': id.slice(0, 12), 'container.name': 'reader', 'container.image.repository': repo, 'container.image.tag': tag,
      'k8s.ns.name': 'sensord-test', 'k8s.pod.name': 'web-7d9c6b-x2x',
    });
    expect(String(exec!.output_fields['k8s.pod.labels'])).toContain('app:web');
    await env.h.stopContainer(id);
  });

  it('a container that reads /etc/shadow and exits at once still gets its pod name', async () => {
    const pod = await env.h.runPod({ name: 'job-5m2qz', namespace: 'sensord-test', labels: { app: 'batch' } });
    env.pods.push(pod);
    const id = await env.h.runContainer(pod, {
      name: 'oneshot', command: ['/bin/cat', '/etc/shadow'],
      mounts: [{ container_path: '/etc/shadow', host_path: path.join(env.dir, 'shadow'), readonly: true }],
    });
    await until(() => alerts().some((a) => a.rule === 'Shadow read in pod' && a.output.includes(id.slice(0, 12))), 'the short-lived alert');
    const read = alerts().find((a) => a.rule === 'Shadow read in pod' && a.output.includes(id.slice(0, 12)))!;
    expect(read.output).toContain('name=oneshot');
    expect(read.output).toContain('pod=job-5m2qz ns=sensord-test app=batch');
    expect(read.output).toContain('complete=true');
  });

  it.skipIf(skipWithoutShared("Falco's stable rules on a live container"))("Falco's stable rule on container.privileged fires for a privileged pod, not for an unprivileged one", async () => {
    const run = async (name: string, privileged: boolean) => {
      const pod = await env.h.runPod({ name, namespace: 'sensord-test', privileged });
      env.pods.push(pod);
      return env.h.runContainer(pod, {
        name: 'dbg', privileged, command: ['/sbin/debugfs', '-V'],
        mounts: [{ container_path: '/sbin/debugfs', host_path: BUSYBOX_BIN, readonly: true }],
      });
    };
    const priv = await run('priv-dbg', true);
    const plain = await run('plain-dbg', false);
    const rule = 'Debugfs Launched in Privileged Container';
    await until(() => alerts().some((a) => a.rule === 'Exec in pod' && a.output.includes(plain.slice(0, 12))), 'the unprivileged exec');
    await until(() => alerts().some((a) => a.rule === rule), rule);
    const fired = alerts().filter((a) => a.rule === rule);
    expect(fired.length).toBeGreaterThan(0);
    expect(fired.every((a) => a.output_fields['container.id'] === priv.slice(0, 12) || a.output.includes('debugfs'))).toBe(true);
    expect(fired.some((a) => JSON.stringify(a).includes(plain.slice(0, 12)))).toBe(false);
  });
});
