// KubePodSource against the protocol-level fake kube-apiserver (test/helpers/fake-apiserver.ts): the paged list,
// the watch and its resumption (bookmarks, dropped connections, 410 → relist, server down), the indexes and their
// bound under churn, in-cluster config over HTTPS, and that close() leaves nothing running.
import { createHook } from 'node:async_hooks';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  KubeApiError,
  KubePodSource,
  containerIdOf,
  containerIdsOf,
  podMetaOf,
  workloadOf,
  type KubeAccess,
  type KubePodSourceOptions,
} from '../../sensor/src/enrich/k8s/index.js';
import type { PodMeta } from '../../sensor/src/enrich/types.js';
import { FakeApiServer, makePod, randomHex64, type PodJson } from '../helpers/fake-apiserver.js';

const NODE = 'node-a';
const OTHER = 'node-b';

let tmp: string;
const cleanups: (() => Promise<void>)[] = [];

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sensord-k8s-pods-'));
});
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** Polls `cond` every 10 ms; fails with `what` after a generous timeout (no upper bound on speed is asserted). */
async function until(cond: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

interface Change { kind: 'upsert' | 'delete'; pod: PodMeta; ids: readonly string[] }

let serial = 0;
async function setup(opts: { tls?: boolean; expiredAsHttp?: boolean; source?: Partial<KubePodSourceOptions>; start?: boolean } = {}) {
  const server = await FakeApiServer.start({ tls: opts.tls ?? false, expiredAsHttp: opts.expiredAsHttp ?? false, dir: path.join(tmp, `pki-${++serial}`) });
  cleanups.push(() => server.close());
  const kubeconfig = path.join(tmp, `kubeconfig-${serial}`);
  fs.writeFileSync(kubeconfig, server.kubeconfig());
  const errors: { what: string; e: unknown; at: number }[] = [];
  const changes: Change[] = [];
  const source = new KubePodSource({
    node: NODE,
    access: { kind: 'kubeconfig', path: kubeconfig },
    initialBackoffMs: 20,
    maxBackoffMs: 200,
    watchTimeoutSeconds: 300,
    onError: (what, e) => errors.push({ what, e, at: Date.now() }),
    ...opts.source,
  });
  cleanups.push(() => source.close());
  source.onChange((kind, pod, ids) => changes.push({ kind, pod, ids }));
  return { server, source, errors, changes, kubeconfig };
}

function ids(p: PodJson): string[] {
  return (p.status?.containerStatuses ?? []).map((c) => containerIdOf(c.containerID!));
}

describe('PodMeta from a V1Pod', () => {
  it('maps identity, network, service account and the controller', () => {
    const pod = makePod({ name: 'web-7d9f8c6b5d-x2x4k', namespace: 'shop', node: NODE, ip: '10.1.2.3', serviceAccount: 'web', labels: { app: 'web', 'pod-template-hash': '7d9f8c6b5d' }, annotations: { team: 'a', 'kubectl.kubernetes.io/last-applied-configuration': '{"big":true}' }, owner: { kind: 'ReplicaSet', name: 'web-7d9f8c6b5d' } });
    const meta = podMetaOf(pod)!;
    expect(meta).toMatchObject({ uid: pod.metadata.uid, name: 'web-7d9f8c6b5d-x2x4k', namespace: 'shop', ip: '10.1.2.3', serviceAccount: 'web', node: NODE });
    expect(meta.labels).toEqual({ app: 'web', 'pod-template-hash': '7d9f8c6b5d' });
    expect(meta.annotations).toEqual({ team: 'a' });
    expect(meta.owner).toEqual({ kind: 'ReplicaSet', name: 'web-7d9f8c6b5d' });
    expect(meta.workload).toEqual({ kind: 'Deployment', name: 'web' });
    expect(Object.isFrozen(meta) && Object.isFrozen(meta.labels)).toBe(true);
    expect(podMetaOf({ metadata: { name: 'no-uid' } })).toBeUndefined();
    const pending = podMetaOf({ metadata: { uid: 'u', name: 'p', namespace: 'd' } })!;
    expect(pending).toMatchObject({ ip: '', serviceAccount: '', node: '' });
    expect(pending.owner).toBeUndefined();
    expect(pending.workload).toBeUndefined();
  });

  it('resolves workloads from what the pod carries', () => {
    const hash = { 'pod-template-hash': '5c7b9f' };
    expect(workloadOf({ kind: 'ReplicaSet', name: 'api-5c7b9f' }, hash)).toEqual({ kind: 'Deployment', name: 'api' });
    // A ReplicaSet whose name does not end in the pod's hash is not a Deployment's (made by hand, or by another controller).
    expect(workloadOf({ kind: 'ReplicaSet', name: 'api-v2' }, hash)).toEqual({ kind: 'ReplicaSet', name: 'api-v2' });
    expect(workloadOf({ kind: 'ReplicaSet', name: 'api-5c7b9f' }, {})).toEqual({ kind: 'ReplicaSet', name: 'api-5c7b9f' });
    // CronJob Jobs are named <cronjob>-<minutes since the epoch>: 29,000,000 min is 2025.
    expect(workloadOf({ kind: 'Job', name: 'backup-29000000' }, {})).toEqual({ kind: 'CronJob', name: 'backup' });
    expect(workloadOf({ kind: 'Job', name: 'db-backup-nightly-29123456' }, {})).toEqual({ kind: 'CronJob', name: 'db-backup-nightly' });
    // 20240101 read as minutes is 2008 (before CronJobs): a date-stamped hand-made Job stays a Job.
    expect(workloadOf({ kind: 'Job', name: 'migrate-20240101' }, {})).toEqual({ kind: 'Job', name: 'migrate-20240101' });
    expect(workloadOf({ kind: 'Job', name: 'migrate' }, {})).toEqual({ kind: 'Job', name: 'migrate' });
    expect(workloadOf({ kind: 'Job', name: 'x-123' }, {})).toEqual({ kind: 'Job', name: 'x-123' });
    expect(workloadOf({ kind: 'DaemonSet', name: 'fluent-bit' }, {})).toEqual({ kind: 'DaemonSet', name: 'fluent-bit' });
    expect(workloadOf({ kind: 'StatefulSet', name: 'pg' }, {})).toEqual({ kind: 'StatefulSet', name: 'pg' });
    expect(workloadOf({ kind: 'Node', name: 'node-a' }, {})).toEqual({ kind: 'Node', name: 'node-a' });
    expect(workloadOf(undefined, {})).toBeUndefined();
  });

  it('uses only the controller ownerReference', () => {
    const pod = makePod({ name: 'p', node: NODE });
    pod.metadata.ownerReferences = [
      { apiVersion: 'v1', kind: 'ConfigMap', name: 'not-a-controller', uid: 'a' },
      { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'pg', uid: 'b', controller: true },
    ];
    expect(podMetaOf(pod)!.owner).toEqual({ kind: 'StatefulSet', name: 'pg' });
    pod.metadata.ownerReferences = [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'x', uid: 'a' }];
    expect(podMetaOf(pod)!.owner).toBeUndefined();
  });

  it('indexes every container id, without the runtime scheme', () => {
    const [a, b, c, d, e] = [randomHex64(), randomHex64(), randomHex64(), randomHex64(), randomHex64()];
    const pod = makePod({ name: 'p', node: NODE, containers: 0 });
    pod.status = {
      containerStatuses: [{ name: 'app', containerID: `containerd://${a}`, lastState: { terminated: { containerID: `containerd://${e}` } } }, { name: 'waiting' }],
      initContainerStatuses: [{ name: 'init', containerID: `cri-o://${b}` }],
      ephemeralContainerStatuses: [{ name: 'debug', containerID: `docker://${c}` }, { name: 'odd', containerID: d }],
    };
    expect(containerIdsOf(pod).sort()).toEqual([a, b, c, d, e].sort());
    expect(containerIdOf(`containerd://${a}`)).toBe(a);
  });
});

describe('KubePodSource against a fake kube-apiserver', () => {
  it('lists this node\'s pods in chunks over HTTPS and indexes them by uid and container id', async () => {
    const { server, source } = await setup({ tls: true, source: { pageSize: 3, firstListFromCache: false } });
    const mine = Array.from({ length: 7 }, (_, i) => server.addPod(makePod({ name: `mine-${i}`, node: NODE, containers: 2, ip: `10.0.0.${i}` })));
    const theirs = Array.from({ length: 3 }, (_, i) => server.addPod(makePod({ name: `theirs-${i}`, node: OTHER })));
    const unscheduled = server.addPod(makePod({ name: 'pending' }));
    await source.start();
    expect(source.size).toBe(7);
    for (const p of mine) {
      expect(source.podByUid(p.metadata.uid!)?.name).toBe(p.metadata.name);
      for (const id of ids(p)) {
        expect(source.podByContainer(id)?.uid).toBe(p.metadata.uid);
        expect(source.podByContainer(`containerd://${id}`)?.uid).toBe(p.metadata.uid);
      }
    }
    for (const p of [...theirs, unscheduled]) {
      expect(source.podByUid(p.metadata.uid!)).toBeUndefined();
      for (const id of ids(p)) expect(source.podByContainer(id)).toBeUndefined();
    }
    const lists = server.lists();
    expect(lists.map((r) => r.query['limit'])).toEqual(['3', '3', '3']);
    expect(lists[0]!.query['continue']).toBeUndefined();
    expect(lists[1]!.query['continue']).toBeTruthy();
    expect(lists.every((r) => r.query['resourceVersion'] === undefined)).toBe(true);
    expect(lists.every((r) => r.query['fieldSelector'] === `spec.nodeName=${NODE}` && r.status === 200)).toBe(true);
    const st = source.stats();
    expect(st).toMatchObject({ pods: 7, containers: 14, lists: 1, listPages: 3, relists: 0, synced: true, resourceVersion: server.resourceVersion });
    await until(() => server.openWatches === 1, 'the watch is open');
    const w = server.watches()[0]!;
    expect(w.query).toMatchObject({ fieldSelector: `spec.nodeName=${NODE}`, resourceVersion: server.resourceVersion, allowWatchBookmarks: 'true', timeoutSeconds: '300' });
  });

  it('follows adds, label changes, container restarts and deletes', async () => {
    const { server, source, changes } = await setup();
    await source.start();
    await until(() => server.openWatches === 1, 'the watch is open');

    const pod = server.addPod(makePod({ name: 'web-1', namespace: 'shop', node: NODE, containers: 2, labels: { app: 'web', tier: 'front' } }));
    const uid = pod.metadata.uid!;
    await until(() => source.podByUid(uid) !== undefined, 'the added pod');
    expect(changes.at(-1)).toMatchObject({ kind: 'upsert', pod: { uid, name: 'web-1', namespace: 'shop' } });
    expect([...changes.at(-1)!.ids].sort()).toEqual(ids(pod).sort());

    server.updatePod('shop', 'web-1', (p) => {
      p.metadata.labels = { app: 'web', tier: 'back' };
    });
    await until(() => source.podByUid(uid)?.labels['tier'] === 'back', 'the label change');
    expect(changes.at(-1)!.pod.labels).toEqual({ app: 'web', tier: 'back' });

    // Container c0 restarts: a new id, the old one in lastState.terminated (its late events still belong here).
    const [oldId, keptId] = ids(pod);
    const newId = randomHex64();
    server.updatePod('shop', 'web-1', (p) => {
      const cs = p.status!.containerStatuses![0]!;
      cs.lastState = { terminated: { containerID: cs.containerID! } };
      cs.containerID = `containerd://${newId}`;
    });
    await until(() => source.podByContainer(newId) !== undefined, 'the restarted container');
    expect(source.podByContainer(oldId!)?.uid).toBe(uid);
    // Restarted again: the first id is gone from the status, so from the index.
    const newerId = randomHex64();
    server.updatePod('shop', 'web-1', (p) => {
      const cs = p.status!.containerStatuses![0]!;
      cs.lastState = { terminated: { containerID: cs.containerID! } };
      cs.containerID = `containerd://${newerId}`;
    });
    await until(() => source.podByContainer(newerId) !== undefined, 'the second restart');
    expect(source.podByContainer(oldId!)).toBeUndefined();
    expect(source.stats().containers).toBe(3);

    server.deletePod('shop', 'web-1');
    await until(() => source.podByUid(uid) === undefined, 'the delete');
    for (const id of [oldId!, keptId!, newId, newerId]) expect(source.podByContainer(id)).toBeUndefined();
    expect(source.size).toBe(0);
    expect(source.stats().containers).toBe(0);
    const last = changes.at(-1)!;
    expect(last.kind).toBe('delete');
    expect([...last.ids].sort()).toEqual([keptId!, newId, newerId].sort());
    expect(source.stats().events).toMatchObject({ ADDED: 1, MODIFIED: 3, DELETED: 1 });
  });

  it('never sees pods of other nodes; a pod bound to this node appears', async () => {
    const { server, source, changes } = await setup();
    await source.start();
    await until(() => server.openWatches === 1, 'the watch is open');
    server.addPod(makePod({ name: 'elsewhere', node: OTHER }));
    server.updatePod('default', 'elsewhere', (p) => {
      p.metadata.labels = { x: 'y' };
    });
    server.deletePod('default', 'elsewhere');
    const pending = server.addPod(makePod({ name: 'pending' }));
    server.updatePod('default', 'pending', (p) => {
      p.spec.nodeName = NODE;
    });
    await until(() => source.podByUid(pending.metadata.uid!) !== undefined, 'the bound pod');
    expect(source.podByUid(pending.metadata.uid!)?.node).toBe(NODE);
    expect(changes.map((c) => c.pod.name)).toEqual(['pending']);
    expect(source.size).toBe(1);
  });

  it('a bookmark advances the resourceVersion the next watch resumes from', async () => {
    const { server, source } = await setup();
    server.addPod(makePod({ name: 'mine', node: NODE }));
    await source.start();
    await until(() => server.openWatches === 1, 'the watch is open');
    const listedRv = source.stats().resourceVersion;
    // Writes on another node move the global version without an event on this watch.
    for (let i = 0; i < 5; i++) server.addPod(makePod({ name: `other-${i}`, node: OTHER }));
    expect(source.stats().resourceVersion).toBe(listedRv);
    expect(server.bookmark()).toBe(1);
    await until(() => source.stats().resourceVersion === server.resourceVersion, 'the bookmark\'s version');
    expect(source.stats().events.BOOKMARK).toBe(1);
    expect(source.size).toBe(1);
    const bookmarkRv = server.resourceVersion;

    server.dropWatches();
    await until(() => server.watches().length === 2 && server.openWatches === 1, 'the resumed watch');
    expect(server.watches()[1]!.query['resourceVersion']).toBe(bookmarkRv);
    expect(server.lists()).toHaveLength(1);
    expect(source.stats()).toMatchObject({ lists: 1, relists: 0, watchRestarts: 1 });
  });

  it('a dropped connection resumes from the last resourceVersion without a relist', async () => {
    const { server, source, changes } = await setup();
    const a = server.addPod(makePod({ name: 'a', node: NODE }));
    await source.start();
    await until(() => server.openWatches === 1, 'the watch is open');
    const b = server.addPod(makePod({ name: 'b', node: NODE }));
    await until(() => source.podByUid(b.metadata.uid!) !== undefined, 'pod b');
    const lastSeen = source.stats().resourceVersion;
    expect(lastSeen).toBe(server.resourceVersion);

    server.dropWatches();
    // Changes while disconnected come back from the server's history.
    server.deletePod('default', 'a');
    const c = server.addPod(makePod({ name: 'c', node: NODE }));
    await until(() => source.podByUid(c.metadata.uid!) !== undefined && source.podByUid(a.metadata.uid!) === undefined, 'the missed changes');
    expect(server.watches()[1]!.query['resourceVersion']).toBe(lastSeen);
    expect(server.lists()).toHaveLength(1);
    expect(source.stats()).toMatchObject({ lists: 1, relists: 0, pods: 2 });
    expect(changes.filter((x) => x.kind === 'delete').map((x) => x.pod.name)).toEqual(['a']);
  });

  for (const expiredAsHttp of [false, true]) {
    it(`a compacted version (${expiredAsHttp ? 'HTTP 410' : 'ERROR event 410'}) relists and converges`, async () => {
      const { server, source, changes } = await setup({ expiredAsHttp });
      const keep = server.addPod(makePod({ name: 'keep', node: NODE }));
      const gone = server.addPod(makePod({ name: 'gone', node: NODE }));
      const changed = server.addPod(makePod({ name: 'changed', node: NODE, labels: { v: '1' } }));
      await source.start();
      await until(() => server.openWatches === 1, 'the watch is open');

      server.dropWatches();
      server.deletePod('default', 'gone');
      const added = server.addPod(makePod({ name: 'added', node: NODE }));
      server.updatePod('default', 'changed', (p) => {
        p.metadata.labels = { v: '2' };
      });
      server.compact();

      await until(() => source.stats().lists === 2 && server.openWatches === 1, 'the relist and a new watch');
      expect(source.podByUid(gone.metadata.uid!)).toBeUndefined();
      for (const id of ids(gone)) expect(source.podByContainer(id)).toBeUndefined();
      expect(source.podByUid(added.metadata.uid!)?.name).toBe('added');
      expect(source.podByUid(keep.metadata.uid!)?.name).toBe('keep');
      expect(source.podByUid(changed.metadata.uid!)?.labels).toEqual({ v: '2' });
      expect(source.size).toBe(3);
      const st = source.stats();
      expect(st).toMatchObject({ relists: 1, resourceVersion: server.resourceVersion });
      expect(st.events.ERROR).toBe(expiredAsHttp ? 0 : 1);
      // The first list came from the watch cache; the relist must not go back in time: a consistent, paged read.
      const [first, relist] = server.lists();
      expect(first!.query).toMatchObject({ resourceVersion: '0', limit: '500' });
      expect(relist!.query['resourceVersion']).toBeUndefined();
      expect(relist!.query['limit']).toBe('500');
      const watches = server.watches();
      expect(watches.at(-1)!.query['resourceVersion']).toBe(server.resourceVersion);
      // The relist reports only what changed: `keep` is at the same version and gets no upsert.
      const afterRelist = changes.slice(3);
      expect(afterRelist.map((x) => `${x.kind} ${x.pod.name}`).sort()).toEqual(['delete gone', 'upsert added', 'upsert changed']);
    });
  }

  it('a continue token that expires mid-list restarts the list', async () => {
    const { server, source } = await setup({ source: { pageSize: 2, firstListFromCache: false } });
    for (let i = 0; i < 5; i++) server.addPod(makePod({ name: `p${i}`, node: NODE }));
    let compacted = false;
    server.onRequest = (r) => {
      if (!compacted && r.query['continue']) {
        compacted = true;
        server.addPod(makePod({ name: 'late', node: NODE }));
        server.compact();
      }
    };
    await source.start();
    expect(source.size).toBe(6);
    const lists = server.lists();
    expect(lists.map((r) => r.status)).toEqual([200, 410, 200, 200, 200]);
    expect(source.stats()).toMatchObject({ lists: 1, listPages: 4, relists: 0 });
    expect(source.stats().errors).toBe(1);
  });

  it('backs off while the server is down, then recovers (and start() waits for the first list)', async () => {
    const { server, source, errors } = await setup();
    const a = server.addPod(makePod({ name: 'a', node: NODE }));
    await server.stop();
    let started = false;
    const starting = source.start().then(() => {
      started = true;
    });
    await until(() => errors.length >= 5, 'five failed attempts');
    expect(started).toBe(false);
    // Delays grow: failure k+1 comes at least the jittered minimum (b/2 for b = 20·2^k ms, capped 200) after failure k.
    const at = errors.map((e) => e.at);
    for (let k = 0; k + 1 < at.length && k < 4; k++) expect(at[k + 1]! - at[k]!).toBeGreaterThanOrEqual(Math.min(200, 20 * 2 ** k) / 2 - 2);
    expect(source.stats().lastBackoffMs).toBeLessThanOrEqual(200);
    await server.resume();
    await starting;
    expect(source.podByUid(a.metadata.uid!)?.name).toBe('a');
    await until(() => server.openWatches === 1, 'the watch is open');

    // Down again, with changes meanwhile: the watch resumes from its version (history is still there), no relist.
    const errorsBefore = errors.length;
    await server.stop();
    const b = server.addPod(makePod({ name: 'b', node: NODE }));
    server.deletePod('default', 'a');
    await until(() => errors.length >= errorsBefore + 3, 'failed reconnects');
    await server.resume();
    await until(() => source.podByUid(b.metadata.uid!) !== undefined && source.podByUid(a.metadata.uid!) === undefined, 'the changes made while down');
    expect(server.lists().filter((r) => r.status === 200)).toHaveLength(1);
    expect(source.stats().relists).toBe(0);
  });

  it('retries a watch refused with 500 from the same version', async () => {
    const { server, source, errors } = await setup();
    await source.start();
    await until(() => server.openWatches === 1, 'the watch is open');
    const rv = source.stats().resourceVersion;
    server.failNext(2, 500);
    server.dropWatches();
    await until(() => server.openWatches === 1, 'the watch is back');
    const watches = server.watches();
    expect(watches.map((w) => w.status)).toEqual([200, 500, 500, 200]);
    expect(watches.every((w) => w.query['resourceVersion'] === rv)).toBe(true);
    expect(server.lists()).toHaveLength(1);
    expect(errors.length).toBeGreaterThanOrEqual(2);
  });

  it('reads the in-cluster service account (token file, CA) over HTTPS; a wrong token is retried, never fatal', async () => {
    const server = await FakeApiServer.start({ tls: true, dir: path.join(tmp, 'pki-in-cluster') });
    cleanups.push(() => server.close());
    const root = path.join(tmp, 'in-cluster-root');
    const sa = path.join(root, 'var/run/secrets/kubernetes.io/serviceaccount');
    fs.mkdirSync(sa, { recursive: true });
    fs.writeFileSync(path.join(sa, 'token'), 'wrong-token');
    fs.writeFileSync(path.join(sa, 'ca.crt'), server.caPem!);
    fs.writeFileSync(path.join(sa, 'namespace'), 'sensord');
    const saved = { host: process.env['KUBERNETES_SERVICE_HOST'], port: process.env['KUBERNETES_SERVICE_PORT'] };
    process.env['KUBERNETES_SERVICE_HOST'] = '127.0.0.1';
    process.env['KUBERNETES_SERVICE_PORT'] = String(server.port);
    cleanups.push(async () => {
      restoreEnv('KUBERNETES_SERVICE_HOST', saved.host);
      restoreEnv('KUBERNETES_SERVICE_PORT', saved.port);
    });
    const pod = server.addPod(makePod({ name: 'mine', node: NODE }));
    const access: KubeAccess = { kind: 'in-cluster', rootPrefix: root };

    const errors: unknown[] = [];
    const refused = new KubePodSource({ node: NODE, access, initialBackoffMs: 10, maxBackoffMs: 50, onError: (_w, e) => errors.push(e) });
    const starting = refused.start();
    await until(() => errors.length >= 2, 'refused lists');
    expect(errors[0]).toBeInstanceOf(KubeApiError);
    expect(errors[0]).toMatchObject({ code: 'EHTTP', status: 401, reason: 'Unauthorized' });
    await refused.close();
    await starting;
    expect(refused.size).toBe(0);

    fs.writeFileSync(path.join(sa, 'token'), server.token);
    const source = new KubePodSource({ node: NODE, access });
    cleanups.push(() => source.close());
    await source.start();
    expect(source.podByUid(pod.metadata.uid!)?.name).toBe('mine');
    expect(server.requests.at(-1)!.status).toBe(200);
  });

  it('rejects start() on a configuration it cannot use', async () => {
    const missing = new KubePodSource({ node: NODE, access: { kind: 'kubeconfig', path: path.join(tmp, 'nope') } });
    await expect(missing.start()).rejects.toMatchObject({ code: 'ECONFIG' });
    const server = await FakeApiServer.start();
    cleanups.push(() => server.close());
    const plain = path.join(tmp, 'plain-http-kubeconfig');
    fs.writeFileSync(plain, server.kubeconfig().replace('    insecure-skip-tls-verify: true\n', ''));
    const refused = new KubePodSource({ node: NODE, access: { kind: 'kubeconfig', path: plain } });
    await expect(refused.start()).rejects.toMatchObject({ code: 'ECONFIG', message: expect.stringMatching(/plain http/) });
    await missing.close();
    await refused.close();
    expect(() => new KubePodSource({ node: '', access: { kind: 'default' } })).toThrow(KubeApiError);
  });

  it('churn: 1,000 pods added then deleted leave both indexes empty', async () => {
    const { server, source, changes } = await setup();
    await source.start();
    await until(() => server.openWatches === 1, 'the watch is open');
    const names = Array.from({ length: 1000 }, (_, i) => `churn-${i}`);
    for (const name of names) server.addPod(makePod({ name, node: NODE, containers: 2 }));
    await until(() => source.size === 1000, '1,000 pods');
    expect(source.stats().containers).toBe(2000);
    for (const name of names) server.deletePod('default', name);
    await until(() => source.size === 0, 'all deleted');
    expect(source.stats()).toMatchObject({ pods: 0, containers: 0, lists: 1, relists: 0 });
    expect(changes.filter((c) => c.kind === 'upsert')).toHaveLength(1000);
    expect(changes.filter((c) => c.kind === 'delete')).toHaveLength(1000);
  });

  it('close() leaves no timers or sockets, whether watching, backing off or mid-request', async () => {
    // After each close(), only the test's own servers may hold anything: the client side is checked before the
    // server side is torn down (which would otherwise close a leaked client socket from the far end).
    const settle = async (tracked: ReturnType<typeof trackResources>, servers: number, what: string): Promise<void> => {
      const expected = Array.from({ length: servers }, () => 'TCPSERVERWRAP');
      try {
        await until(() => tracked.alive().join() === expected.join(), `${what}: only the servers left (${tracked.alive().join()})`, 10_000);
      } finally {
        tracked.stop();
      }
    };
    {
      const tracked = trackResources();
      const { server, source } = await setup({ tls: true });
      server.addPod(makePod({ name: 'a', node: NODE }));
      await source.start();
      await until(() => server.openWatches === 1, 'the watch is open');
      await source.close();
      await settle(tracked, 1, 'watching');
    }
    {
      // Backing off: a pending retry timer.
      const tracked = trackResources();
      const { server, source, errors } = await setup({ source: { initialBackoffMs: 60_000, maxBackoffMs: 60_000 } });
      await server.stop();
      const starting = source.start();
      await until(() => errors.length >= 1, 'a failure');
      await source.close();
      await starting;
      await settle(tracked, 0, 'backing off');
    }
    {
      // Mid-list: a server that accepts the connection and never answers.
      const tracked = trackResources();
      const net = await import('node:net');
      const accepted: import('node:net').Socket[] = [];
      const silent = net.createServer((s) => {
        accepted.push(s);
        s.resume(); // read (and drop) the request, so the client's close is seen
      });
      await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
      const template = await FakeApiServer.start();
      const kc = path.join(tmp, 'kubeconfig-silent');
      fs.writeFileSync(kc, template.kubeconfig({ server: `http://127.0.0.1:${(silent.address() as { port: number }).port}` }));
      await template.close();
      const stuck = new KubePodSource({ node: NODE, access: { kind: 'kubeconfig', path: kc } });
      const starting = stuck.start();
      await until(() => accepted.length >= 1, 'a connection to the silent server');
      await stuck.close();
      await starting;
      await settle(tracked, 1, 'mid-list');
      for (const s of accepted) s.destroy();
      await new Promise<void>((r) => silent.close(() => r()));
    }
    {
      // Mid-watch, before the response headers: client-node's Watch has not handed out its AbortController yet.
      const tracked = trackResources();
      const { server, source } = await setup({ tls: true });
      server.stallWatches = true;
      await source.start();
      await until(() => server.watches().length === 1, 'the stalled watch request');
      await source.close();
      await settle(tracked, 1, 'mid-watch');
    }
    for (const c of cleanups.splice(0).reverse()) await c();
  });
});

function restoreEnv(name: string, value: string | undefined): void {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
}

/**
 * Timers and TCP handles created from now on that still hold the process (async_hooks init/destroy). Timers count
 * while pending and ref'd: client-node's Watch makes an unref'd AbortSignal.timeout per request, which holds
 * nothing. TLS wrappers are left out: they go at GC; their TCP handle is what closes.
 */
function trackResources(): { alive: () => string[]; stop: () => void } {
  const kinds = new Set(['Timeout', 'TCPWRAP', 'TCPSERVERWRAP']);
  const live = new Map<number, { type: string; resource: unknown }>();
  const hook = createHook({
    init(id, type, _trigger, resource) {
      if (kinds.has(type)) live.set(id, { type, resource });
    },
    destroy(id) {
      live.delete(id);
    },
  }).enable();
  const holds = ({ type, resource }: { type: string; resource: unknown }): boolean => {
    if (type !== 'Timeout') return true;
    const t = resource as { hasRef(): boolean; _destroyed?: boolean };
    return t._destroyed !== true && t.hasRef();
  };
  return { alive: () => [...live.values()].filter(holds).map((r) => r.type), stop: () => hook.disable() };
}
