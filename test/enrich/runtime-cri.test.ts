// CriRuntime against a real containerd 1.6 (CRI plugin, host-network pods) started by the harness: container and pod
// metadata of a running CRI container, sandbox ids, unknown ids, privileged containers, lifecycle events by polling
// (containerd 1.6 has no GetContainerEvents), and a dead socket.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CriRuntime, RuntimeError } from '../../sensor/src/enrich/runtime/index.js';
import { criServices } from '../../sensor/src/enrich/runtime/rpc.js';
import type { RuntimeEvent } from '../../sensor/src/enrich/types.js';
import { containerIdFromCgroups } from '../../sensor/src/state/container-id.js';
import { TEST_IMAGE, cgroupsOf, exeOf, skipWithoutContainerd, useContainerd, type RunningPod } from '../helpers/containerd.js';

async function until<T>(what: string, fn: () => T | undefined, timeoutMs = 10_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('CriRuntime: dead socket', () => {
  it('container() rejects with a clear ERUNTIME_UNAVAILABLE error; nothing throws synchronously', async () => {
    const cri = new CriRuntime({ address: '/nonexistent/sensord-test/containerd.sock', timeoutMs: 2000 });
    const err = await cri.container('0123456789ab').then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(RuntimeError);
    expect((err as RuntimeError).code).toBe('ERUNTIME_UNAVAILABLE');
    expect((err as Error).message).toMatch(/^cri unix:\/\/\/nonexistent\/sensord-test\/containerd\.sock: ContainerStatus: UNAVAILABLE: /);
    await cri.close();
    await expect(cri.container('0123456789ab')).rejects.toMatchObject({ code: 'ERUNTIME_CLOSED' });
  });

  it('subscribe() keeps retrying with backoff until close()', async () => {
    const errors: string[] = [];
    const cri = new CriRuntime({ address: '/nonexistent/sensord-test/containerd.sock', backoffInitialMs: 10, backoffMaxMs: 40, onError: (w) => errors.push(w) });
    cri.subscribe(() => {});
    await until('three failed attempts', () => (errors.length >= 3 ? true : undefined));
    expect(errors[0]).toContain('GetContainerEvents');
    await cri.close();
    const n = errors.length;
    await new Promise((r) => setTimeout(r, 150));
    expect(errors.length).toBe(n);
  });
});

/**
 * A CRI server in this process on a unix socket, answering as CRI-O does (verbose info with `privileged`, an image_id,
 * a digested image_ref, a pod IP) and serving GetContainerEvents, which it ends after each batch of events.
 */
describe('CriRuntime against a fake CRI-O', () => {
  const CID = 'c'.repeat(64);
  const SB = '5'.repeat(64);
  const DIGEST = 'sha256:' + 'd'.repeat(64);
  const IMAGE_ID = 'sha256:' + 'e'.repeat(64);
  let dir: string;
  let server: grpc.Server;
  let imageStatusCalls = 0;
  let streams = 0;
  const notFound: Partial<grpc.StatusObject> = { code: grpc.status.NOT_FOUND, details: 'not found' };

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'sensord-fakecri-'));
    const { RuntimeService, ImageService } = criServices();
    server = new grpc.Server();
    type Cb = grpc.sendUnaryData<unknown>;
    type Req = { request: Record<string, unknown> };
    server.addService(RuntimeService.service, {
      Version: (_c: Req, cb: Cb) => cb(null, { version: '0.1.0', runtime_name: 'cri-o', runtime_version: '1.30.0', runtime_api_version: 'v1' }),
      ContainerStatus: (c: Req, cb: Cb) => {
        if (!CID.startsWith(String(c.request.container_id))) return cb(notFound);
        cb(null, {
          status: {
            id: CID, metadata: { name: 'app', attempt: 0 }, state: 'CONTAINER_RUNNING',
            created_at: '1700000000000000000', started_at: '1700000001000000000',
            image: { image: 'quay.io/org/app:2.0' }, image_ref: `quay.io/org/app@${DIGEST}`, image_id: IMAGE_ID,
            labels: { 'io.kubernetes.container.name': 'app' },
            mounts: [{ container_path: '/var/run/secrets', host_path: '/var/lib/kubelet/x', readonly: true, propagation: 'PROPAGATION_HOST_TO_CONTAINER' }],
          },
          info: { info: JSON.stringify({ sandboxID: SB, pid: 4242, privileged: true, runtimeSpec: { mounts: [] } }) },
        });
      },
      PodSandboxStatus: (c: Req, cb: Cb) => {
        if (c.request.pod_sandbox_id !== SB) return cb(notFound);
        cb(null, { status: { id: SB, metadata: { name: 'app-0', uid: 'u-1', namespace: 'prod' }, state: 'SANDBOX_READY', created_at: '1', network: { ip: '10.1.2.3' }, labels: { app: 'app' }, annotations: {} } });
      },
      GetContainerEvents: (call: grpc.ServerWritableStream<unknown, unknown>) => {
        const n = streams++;
        call.write({ container_id: `${n}-a`, container_event_type: 'CONTAINER_CREATED_EVENT', created_at: '1' });
        call.write({ container_id: `${n}-a`, container_event_type: 'CONTAINER_STARTED_EVENT', created_at: '2' });
        // The runtime goes away: the client must come back on its own.
        call.end();
      },
    });
    server.addService(ImageService.service, {
      ImageStatus: (_c: Req, cb: Cb) => { imageStatusCalls++; cb(null, { image: null }); },
    });
    await new Promise<void>((resolve, reject) => server.bindAsync(`unix://${dir}/crio.sock`, grpc.ServerCredentials.createInsecure(), (e) => (e ? reject(e) : resolve())));
  });
  afterAll(() => {
    server.forceShutdown();
    rmSync(dir, { recursive: true, force: true });
  });

  it('container(): type cri-o, `privileged` from the verbose info, image id and digest as reported, the pod IP', async () => {
    const cri = new CriRuntime({ address: `${dir}/crio.sock` });
    try {
      const m = await cri.container(CID.slice(0, 12));
      expect(m).toEqual({
        id: CID, name: 'app', type: 'cri-o',
        image: { name: 'quay.io/org/app:2.0', repository: 'quay.io/org/app', tag: '2.0', digest: DIGEST, id: IMAGE_ID },
        labels: { 'io.kubernetes.container.name': 'app' }, privileged: true,
        mounts: [{ source: '/var/lib/kubelet/x', dest: '/var/run/secrets', mode: '', readWrite: false, propagation: 'rslave' }],
        startTs: 1700000001000000000n, ip: '10.1.2.3', sandboxId: SB,
        pod: { uid: 'u-1', name: 'app-0', namespace: 'prod', labels: { app: 'app' }, annotations: {}, ip: '10.1.2.3', serviceAccount: '', node: '', sandboxId: SB },
      });
      // Everything was in the status: no image lookup.
      expect(imageStatusCalls).toBe(0);
      expect(await cri.container('1'.repeat(64))).toBeNull();
    } finally {
      await cri.close();
    }
  });

  it('subscribe(): GetContainerEvents, reconnecting when the stream ends', async () => {
    const cri = new CriRuntime({ address: `${dir}/crio.sock`, backoffInitialMs: 10, backoffMaxMs: 50 });
    const events: RuntimeEvent[] = [];
    try {
      cri.subscribe((e) => events.push(e));
      await until('two streams', () => (events.length >= 4 ? true : undefined));
      expect(events.slice(0, 4)).toEqual([
        { kind: 'create', id: '0-a' }, { kind: 'start', id: '0-a' }, { kind: 'create', id: '1-a' }, { kind: 'start', id: '1-a' },
      ]);
    } finally {
      await cri.close();
    }
    // A stream the client opened just before close may still reach the server: count after that, then no more.
    await new Promise((r) => setTimeout(r, 50));
    const n = streams;
    await new Promise((r) => setTimeout(r, 200));
    expect(streams).toBe(n);
  });
});

describe.skipIf(skipWithoutContainerd('CRI runtime (live containerd)'))('CriRuntime (live containerd)', () => {
  const harness = useContainerd();
  let cri: CriRuntime;
  let pod: RunningPod;
  let sleeperId: string;
  let dataDir: string;

  beforeAll(async () => {
    const h = harness();
    cri = new CriRuntime({ address: h.address });
    dataDir = path.join(h.dir, 'data');
    mkdirSync(dataDir);
    const t0 = Date.now();
    pod = await h.runPod({ name: 'web-7d4f9', namespace: 'sensord-test', labels: { app: 'web', tier: 'x' }, annotations: { team: 'blue' } });
    sleeperId = await h.runContainer(pod, {
      name: 'sleeper', command: ['sleep', '30'], labels: { role: 'worker' },
      mounts: [{ container_path: '/data', host_path: dataDir, readonly: true }],
    });
    console.log(`containerd up in ${h.startupMs} ms, image built+imported in ${h.imageMs} ms, pod + container started in ${Date.now() - t0} ms`);
    return () => cri.close();
  });

  it('container(full id): name, type, image, labels, mounts, start time, privileged=false', async () => {
    const h = harness();
    const before = BigInt(Date.now() - 60_000) * 1_000_000n;
    const m = await cri.container(sleeperId);
    expect(m).not.toBeNull();
    expect(m!.id).toBe(sleeperId);
    expect(m!.id).toMatch(/^[0-9a-f]{64}$/);
    expect(m!.name).toBe('sleeper');
    expect(m!.type).toBe('containerd');
    expect(m!.image).toEqual({
      name: TEST_IMAGE, repository: 'docker.io/sensord/busybox', tag: 'test',
      // image_ref is `repo@<manifest digest>` (the harness tags that), the id is the config digest.
      digest: h.image.manifestDigest, id: h.image.id,
    });
    expect(m!.labels).toEqual({
      role: 'worker', 'io.kubernetes.container.name': 'sleeper', 'io.kubernetes.pod.name': 'web-7d4f9',
      'io.kubernetes.pod.namespace': 'sensord-test', 'io.kubernetes.pod.uid': pod.uid,
    });
    // CRI reports the pod's volumes only (not /proc, /dev, …), with the runtime spec's options as the mode.
    expect(m!.mounts).toEqual([{ source: dataDir, dest: '/data', mode: 'rbind,rprivate,ro', readWrite: false, propagation: 'private' }]);
    expect(m!.privileged).toBe(false);
    expect(m!.startTs).toBeGreaterThan(before);
    expect(m!.startTs).toBeLessThanOrEqual(BigInt(Date.now()) * 1_000_000n);
    expect(m!.sandboxId).toBe(pod.sandboxId);
  });

  it('pod: name, namespace, uid, labels, annotations; host network gives no IP', async () => {
    const m = await cri.container(sleeperId);
    expect(m!.pod).toEqual({
      uid: pod.uid, name: 'web-7d4f9', namespace: 'sensord-test',
      // The sandbox's labels: the pod's plus the kubelet's io.kubernetes.pod.* (as the runtime reports them).
      labels: { app: 'web', tier: 'x', 'io.kubernetes.pod.name': 'web-7d4f9', 'io.kubernetes.pod.namespace': 'sensord-test', 'io.kubernetes.pod.uid': pod.uid },
      annotations: { 'kubernetes.io/config.source': 'api', team: 'blue' },
      // containerd 1.6 reports '' for a host-network sandbox (no CNI ran).
      ip: '', serviceAccount: '', node: '', sandboxId: pod.sandboxId,
    });
    expect(m!.ip).toBe('');
  });

  it('a unique id prefix finds the container too', async () => {
    const m = await cri.container(sleeperId.slice(0, 12));
    expect(m?.id).toBe(sleeperId);
  });

  it('the container\'s cgroup is /kubepods/besteffort/pod<uid>/<full id>, and state/container-id.ts parses it back', async () => {
    const h = harness();
    const pid = await h.pidOf(sleeperId);
    expect(pid).toBeGreaterThan(0);
    const lines = cgroupsOf(pid);
    console.log(`container ${sleeperId.slice(0, 12)} pid ${pid} (${exeOf(pid)}):\n  ${lines.join('\n  ')}`);
    const expected = `/kubepods/besteffort/pod${pod.uid}/${sleeperId}`;
    for (const line of lines) expect(line.slice(line.indexOf(':', line.indexOf(':') + 1) + 1)).toBe(expected);
    expect(containerIdFromCgroups(lines)).toEqual({ id: sleeperId.slice(0, 12), fullId: sleeperId });
  });

  it('a sandbox id is answered with the pod (named after it, no image)', async () => {
    const m = await cri.container(pod.sandboxId);
    expect(m).toMatchObject({ id: pod.sandboxId, name: 'web-7d4f9', type: 'containerd', sandboxId: pod.sandboxId, privileged: false, mounts: [] });
    expect(m!.image.name).toBe('');
    expect(m!.pod?.uid).toBe(pod.uid);
  });

  it('an unknown id → null', async () => {
    expect(await cri.container('f'.repeat(64))).toBeNull();
    expect(await cri.container('0000000000ff')).toBeNull();
  });

  it('a privileged container (privileged pod) → privileged=true', async () => {
    const h = harness();
    const ppod = await h.runPod({ name: 'priv', namespace: 'sensord-test', privileged: true });
    const id = await h.runContainer(ppod, { name: 'root', command: ['sleep', '30'], privileged: true });
    const m = await cri.container(id);
    expect(m?.privileged).toBe(true);
    expect(m?.pod?.name).toBe('priv');
    await h.removePod(ppod);
    expect(await cri.container(id)).toBeNull();
  });

  it('lookup latency (printed; no bound asserted)', async () => {
    const status: number[] = [];
    const full: number[] = [];
    for (let i = 0; i < 30; i++) {
      let t = performance.now();
      await cri.call('runtime', 'ContainerStatus', { container_id: sleeperId, verbose: true });
      status.push(performance.now() - t);
      t = performance.now();
      await cri.container(sleeperId);
      full.push(performance.now() - t);
    }
    const med = (a: number[]) => [...a].sort((x, y) => x - y)[a.length >> 1]!.toFixed(2);
    console.log(`ContainerStatus(verbose) median ${med(status)} ms; container() (status + sandbox + cached image) median ${med(full)} ms`);
    expect(status.length).toBe(30);
  });

  it('subscribe(): containerd 1.6 has no GetContainerEvents, so it polls — create, start, exit, delete', async () => {
    const h = harness();
    const events: RuntimeEvent[] = [];
    const errors: unknown[] = [];
    const watcher = new CriRuntime({ address: h.address, pollIntervalMs: 50, onError: (_w, e) => errors.push(e) });
    try {
      watcher.subscribe((e) => events.push(e));
      // Let the first listing (the baseline) happen.
      await new Promise((r) => setTimeout(r, 300));
      const of = (id: string, kind: RuntimeEvent['kind']) => () => (events.some((e) => e.id === id && e.kind === kind) ? true : undefined);
      const id = await h.runContainer(pod, { name: 'blinker', command: ['sleep', '30'], start: false });
      await until('create', of(id, 'create'));
      await cri.call('runtime', 'StartContainer', { container_id: id });
      await until('start', of(id, 'start'));
      await h.stopContainer(id);
      await until('exit', of(id, 'exit'));
      await h.removeContainer(id);
      await until('delete', of(id, 'delete'));
      expect(events.filter((e) => e.id === id).map((e) => e.kind)).toEqual(['create', 'start', 'exit', 'delete']);
      // The running sleeper was in the baseline: no event for it.
      expect(events.some((e) => e.id === sleeperId)).toBe(false);
      expect(errors).toEqual([]);
    } finally {
      await watcher.close();
    }
  });
});
