// ContainerdRuntime against a real containerd 1.6 started by the harness: Containers/Get of a CRI container (labels,
// OCI spec mounts, privilege, the pod from io.kubernetes.* labels and the sandbox's record), ctr containers in another
// namespace, Events/Subscribe lifecycle events, reconnection across a containerd restart, and a dead socket.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ContainerdRuntime, RuntimeError } from '../../sensor/src/enrich/runtime/index.js';
import type { RuntimeEvent } from '../../sensor/src/enrich/types.js';
import { TEST_IMAGE, skipWithoutContainerd, useContainerd, type ContainerdHarness, type RunningPod } from '../helpers/containerd.js';

async function until<T>(what: string, fn: () => T | undefined, timeoutMs = 10_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * containerd sends no stream headers until the first event, so "subscribed" is only observable by an event: create
 * and delete probe containers (ctr, namespace k8s.io) until one is seen.
 */
async function untilSubscribed(h: ContainerdHarness, events: RuntimeEvent[], timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (let i = 0; ; i++) {
    const probe = `sensord-probe-${process.pid}-${i}`;
    await h.ctr('containers', 'create', TEST_IMAGE, probe);
    await h.ctr('containers', 'delete', probe);
    const seen = await until('probe event', () => (events.some((e) => e.id === probe) ? true : undefined), 300).catch(() => false);
    if (seen) return;
    if (Date.now() > end) throw new Error('event stream never delivered');
  }
}

describe('ContainerdRuntime: dead socket', () => {
  it('container() rejects with a clear ERUNTIME_UNAVAILABLE error', async () => {
    const rt = new ContainerdRuntime({ address: '/nonexistent/sensord-test/containerd.sock', timeoutMs: 2000 });
    const err = await rt.container('0123456789ab').then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(RuntimeError);
    expect((err as RuntimeError).code).toBe('ERUNTIME_UNAVAILABLE');
    expect((err as Error).message).toMatch(/^containerd unix:\/\/\/nonexistent\/sensord-test\/containerd\.sock \(namespace k8s\.io\): Containers\/Get: UNAVAILABLE: /);
    await rt.close();
  });

  it('subscribe() retries with capped backoff until close(), then stops', async () => {
    const errors: number[] = [];
    const rt = new ContainerdRuntime({ address: '/nonexistent/sensord-test/containerd.sock', backoffInitialMs: 10, backoffMaxMs: 40, onError: () => errors.push(Date.now()) });
    rt.subscribe(() => {});
    await until('four failed attempts', () => (errors.length >= 4 ? true : undefined));
    await rt.close();
    const n = errors.length;
    await new Promise((r) => setTimeout(r, 150));
    expect(errors.length).toBe(n);
  });
});

describe.skipIf(skipWithoutContainerd('containerd runtime (live containerd)'))('ContainerdRuntime (live containerd)', () => {
  const harness = useContainerd();
  let rt: ContainerdRuntime;
  let pod: RunningPod;
  let sleeperId: string;
  let dataDir: string;

  beforeAll(async () => {
    const h = harness();
    rt = new ContainerdRuntime({ address: h.socket });
    dataDir = path.join(h.dir, 'data');
    mkdirSync(dataDir);
    pod = await h.runPod({ name: 'web-7d4f9', namespace: 'sensord-test', labels: { app: 'web', tier: 'x' }, annotations: { team: 'blue' } });
    sleeperId = await h.runContainer(pod, {
      name: 'sleeper', command: ['sleep', '30'], labels: { role: 'worker' },
      mounts: [{ container_path: '/data', host_path: dataDir, readonly: true }],
    });
    return () => rt.close();
  });

  it('container(full id) from Containers/Get: name, image, labels, mounts of the OCI spec, privileged=false, pod', async () => {
    const h = harness();
    const m = await rt.container(sleeperId);
    expect(m).not.toBeNull();
    expect(m!.id).toBe(sleeperId);
    expect(m!.name).toBe('sleeper');
    expect(m!.type).toBe('containerd');
    // containerd's record names the image by tag; the id comes from the CRI plugin's metadata extension.
    expect(m!.image).toEqual({ name: TEST_IMAGE, repository: 'docker.io/sensord/busybox', tag: 'test', digest: '', id: h.image.id });
    // The CRI plugin's io.cri-containerd.kind label is its own, not the container's.
    expect(m!.labels).toEqual({
      role: 'worker', 'io.kubernetes.container.name': 'sleeper', 'io.kubernetes.pod.name': 'web-7d4f9',
      'io.kubernetes.pod.namespace': 'sensord-test', 'io.kubernetes.pod.uid': pod.uid,
    });
    // Every mount of the spec, the runtime's own included.
    expect(m!.mounts.map((x) => x.dest)).toEqual(expect.arrayContaining(['/proc', '/dev', '/sys', '/data', '/etc/hosts', '/etc/resolv.conf']));
    expect(m!.mounts.find((x) => x.dest === '/data')).toEqual({ source: dataDir, dest: '/data', mode: 'rbind,rprivate,ro', readWrite: false, propagation: 'rprivate' });
    expect(m!.mounts.find((x) => x.dest === '/proc')).toEqual({ source: 'proc', dest: '/proc', mode: 'nosuid,noexec,nodev', readWrite: true, propagation: '' });
    expect(m!.privileged).toBe(false);
    // containerd keeps no start time: its creation time.
    expect(m!.startTs).toBeGreaterThan(BigInt(Date.now() - 60_000) * 1_000_000n);
    expect(m!.sandboxId).toBe(pod.sandboxId);
    expect(m!.pod).toEqual({
      uid: pod.uid, name: 'web-7d4f9', namespace: 'sensord-test',
      labels: { app: 'web', tier: 'x', 'io.kubernetes.pod.name': 'web-7d4f9', 'io.kubernetes.pod.namespace': 'sensord-test', 'io.kubernetes.pod.uid': pod.uid },
      annotations: { 'kubernetes.io/config.source': 'api', team: 'blue' },
      ip: '', serviceAccount: '', node: '', sandboxId: pod.sandboxId,
    });
  });

  it('a unique id prefix, the sandbox id, an unknown id', async () => {
    expect((await rt.container(sleeperId.slice(0, 12)))?.id).toBe(sleeperId);
    const sb = await rt.container(pod.sandboxId);
    expect(sb).toMatchObject({ id: pod.sandboxId, name: 'web-7d4f9', sandboxId: pod.sandboxId, pod: { name: 'web-7d4f9', uid: pod.uid } });
    expect(sb!.pod!.labels).toMatchObject({ app: 'web', tier: 'x' });
    expect(await rt.container('f'.repeat(64))).toBeNull();
    expect(await rt.container('0000000000ff')).toBeNull();
    expect(await rt.container('not-a-container')).toBeNull();
  });

  it('ctr containers in the default namespace: found only when that namespace is asked', async () => {
    const h = harness();
    await h.ctr('-n', 'default', 'images', 'import', h.image.tarball);
    await h.ctr('-n', 'default', 'containers', 'create', '--label', 'io.kubernetes.pod.name=handmade', TEST_IMAGE, 'ctr-made-1');
    try {
      expect(await rt.container('ctr-made-1')).toBeNull();
      const both = new ContainerdRuntime({ address: h.socket, namespaces: ['k8s.io', 'default'] });
      try {
        const m = await both.container('ctr-made-1');
        expect(m).toMatchObject({ id: 'ctr-made-1', name: 'ctr-made-1', type: 'containerd', privileged: false, image: { name: TEST_IMAGE, tag: 'test' } });
        expect(m!.pod).toMatchObject({ name: 'handmade', namespace: '', uid: '' });
        expect((await both.container(sleeperId))?.name).toBe('sleeper');
      } finally {
        await both.close();
      }
    } finally {
      await h.ctr('-n', 'default', 'containers', 'delete', 'ctr-made-1');
    }
  });

  it('a privileged CRI container → privileged=true (all capabilities, no masked paths)', async () => {
    const h = harness();
    const ppod = await h.runPod({ name: 'priv', namespace: 'sensord-test', privileged: true });
    const id = await h.runContainer(ppod, { name: 'root', command: ['sleep', '30'], privileged: true });
    expect((await rt.container(id))?.privileged).toBe(true);
    await h.removePod(ppod);
  });

  it('subscribe(): create, start, exit, delete of a container run through CRI', async () => {
    const h = harness();
    const events: RuntimeEvent[] = [];
    const errors: unknown[] = [];
    const watcher = new ContainerdRuntime({ address: h.socket, onError: (_w, e) => errors.push(e) });
    try {
      watcher.subscribe((e) => events.push(e));
      await untilSubscribed(h, events);
      const of = (id: string, kind: RuntimeEvent['kind']) => () => (events.some((e) => e.id === id && e.kind === kind) ? true : undefined);
      const id = await h.runContainer(pod, { name: 'blinker', command: ['sleep', '30'], start: false });
      await until('create', of(id, 'create'));
      await h.cri.call('runtime', 'StartContainer', { container_id: id });
      await until('start', of(id, 'start'));
      await h.stopContainer(id);
      await until('exit', of(id, 'exit'));
      await h.removeContainer(id);
      await until('delete', of(id, 'delete'));
      // One exit: the /tasks/delete that follows /tasks/exit is not a second one.
      expect(events.filter((e) => e.id === id).map((e) => e.kind)).toEqual(['create', 'start', 'exit', 'delete']);
      expect(errors).toEqual([]);
    } finally {
      await watcher.close();
    }
  });

  it('subscribe() reconnects after containerd restarts', async () => {
    const h = harness();
    const events: RuntimeEvent[] = [];
    const errors: unknown[] = [];
    const watcher = new ContainerdRuntime({ address: h.socket, backoffInitialMs: 20, backoffMaxMs: 200, onError: (_w, e) => errors.push(e) });
    try {
      watcher.subscribe((e) => events.push(e));
      await untilSubscribed(h, events);
      await h.restart();
      events.length = 0;
      await untilSubscribed(h, events);
      expect(errors.length).toBeGreaterThan(0);
      // The pod survived the restart, and lookups work on the same client.
      expect((await rt.container(sleeperId))?.name).toBe('sleeper');
    } finally {
      await watcher.close();
    }
  });
});
