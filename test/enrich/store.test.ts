// The metadata store and the engine's wait for it: first-seen containers wait (bounded) and are judged with
// their metadata; unknown ids, failing runtimes and deadlines are counted and never stall the stream again;
// the caches stay bounded. The runtime here is an in-process RuntimeSource (the live CRI tests use containerd).
import { describe, expect, it } from 'vitest';
import { MetadataStore } from '../../sensor/src/enrich/store.js';
import type { ContainerMeta, PodMeta, PodSource, RuntimeEvent, RuntimeSource } from '../../sensor/src/enrich/types.js';
import { Engine } from '../../sensor/src/rules/engine/index.js';
import { loadRuleSetFromTexts } from '../../sensor/src/rules/loader/index.js';
import { buildEvent, batchOf, type ParamValue } from '../helpers/event-builder.js';
import type { Alert } from '../../sensor/src/output/types.js';

const ID = '605439acbd4fb18c145069289094b17f17e0cfa938f78012d4960bc797305f22';
const ID2 = 'aa5439acbd4fb18c145069289094b17f17e0cfa938f78012d4960bc797305f22';
const CG = (id: string) => `cpu=/kubepods/besteffort/pod1c3d/${id}`;

function metaOf(id: string, name = 'web'): ContainerMeta {
  return {
    id, name, type: 'containerd', labels: { 'io.kubernetes.container.name': name }, privileged: false,
    image: { name: 'docker.io/library/nginx:1.27', repository: 'docker.io/library/nginx', tag: '1.27', digest: 'sha256:ab', id: 'sha256:cd' },
    mounts: [{ source: '/var/lib/kubelet/x', dest: '/etc/hosts', mode: 'rbind,rprivate', readWrite: true, propagation: 'rprivate' }],
    startTs: 1_700_000_000_000_000_000n, ip: '10.0.0.7', sandboxId: 'b'.repeat(64),
    pod: { uid: 'u-1', name: 'web-0', namespace: 'shop', labels: { app: 'web' }, annotations: {}, ip: '10.0.0.7', serviceAccount: '', node: '' },
  };
}

/** A runtime whose answers the test releases by hand. */
class ScriptedRuntime implements RuntimeSource {
  readonly name = 'scripted';
  readonly asked: string[] = [];
  known = new Map<string, ContainerMeta>();
  fail = false;
  /** When set, lookups stay unanswered until release(). */
  hold = false;
  private waiting: Array<() => void> = [];
  private listener: ((e: RuntimeEvent) => void) | undefined;
  async container(id: string): Promise<ContainerMeta | null> {
    this.asked.push(id);
    if (this.hold) await new Promise<void>((r) => this.waiting.push(r));
    if (this.fail) throw new Error('connect ECONNREFUSED /run/x.sock');
    return this.known.get(id) ?? null;
  }
  release(): void { for (const r of this.waiting.splice(0)) r(); }
  subscribe(cb: (e: RuntimeEvent) => void): void { this.listener = cb; }
  emit(e: RuntimeEvent): void { this.listener?.(e); }
  async close(): Promise<void> { this.release(); }
}

class ScriptedPods implements PodSource {
  private readonly byId = new Map<string, PodMeta>();
  private cb: ((k: 'upsert' | 'delete', p: PodMeta, ids: readonly string[]) => void) | undefined;
  listed = true;
  async start(): Promise<void> {}
  podByContainer(id: string) { return this.byId.get(id); }
  podByUid(uid: string) { return [...this.byId.values()].find((p) => p.uid === uid); }
  onChange(cb: (k: 'upsert' | 'delete', p: PodMeta, ids: readonly string[]) => void): void { this.cb = cb; }
  get size() { return new Set(this.byId.values()).size; }
  upsert(p: PodMeta, ids: string[]): void { for (const id of ids) this.byId.set(id, p); this.cb?.('upsert', p, ids); }
  remove(p: PodMeta, ids: string[]): void { for (const id of ids) this.byId.delete(id); this.cb?.('delete', p, ids); }
  async close(): Promise<void> {}
}

const tick = (ms = 0) => new Promise((r) => setTimeout(r, ms));

describe('metadata store', () => {
  it('first sight waits for the runtime; later events find it ready', async () => {
    const rt = new ScriptedRuntime();
    rt.known.set(ID, metaOf(ID));
    const store = new MetadataStore({ runtime: rt, waitMs: 5000 });
    const p = store.hold(ID);
    expect(p).not.toBeNull();
    await p;
    expect(store.container(ID)?.name).toBe('web');
    expect(store.pod(ID)?.name).toBe('web-0');
    expect(store.complete(ID)).toBe(true);
    expect(store.hold(ID)).toBeNull();
    expect(store.stats().waits).toMatchObject({ arrived: 1, ready: 1 });
    expect(rt.asked).toEqual([ID]);
    await store.close();
  });

  it('an id the runtime does not know is asked once (negative cache), counted unknown', async () => {
    const rt = new ScriptedRuntime();
    const store = new MetadataStore({ runtime: rt, waitMs: 5000 });
    await store.hold(ID);
    expect(store.hold(ID)).toBeNull();
    expect(store.hold(ID)).toBeNull();
    expect(rt.asked).toEqual([ID]);
    expect(store.stats().waits.unknown).toBe(3);
    expect(store.stats().negative).toBe(1);
    expect(store.complete(ID)).toBe(false);
    await store.close();
  });

  it('a slow runtime: the wait ends at the deadline, later events do not wait, the late answer is kept', async () => {
    const rt = new ScriptedRuntime();
    rt.known.set(ID, metaOf(ID));
    rt.hold = true;
    const store = new MetadataStore({ runtime: rt, waitMs: 30 });
    await store.hold(ID);
    expect(store.complete(ID)).toBe(false);
    expect(store.hold(ID)).toBeNull();
    expect(store.stats().waits).toMatchObject({ timeout: 2 });
    rt.release();
    await tick(5);
    expect(store.container(ID)?.name).toBe('web');
    expect(rt.asked).toEqual([ID]);
    await store.close();
  });

  it('a failing runtime: counted, backed off, nothing waits until the retry time', async () => {
    const rt = new ScriptedRuntime();
    rt.fail = true;
    const errors: string[] = [];
    const store = new MetadataStore({ runtime: rt, waitMs: 5000, retryMs: 60_000, onError: (w) => errors.push(w) });
    await store.hold(ID);
    expect(store.hold(ID2)).toBeNull();
    expect(store.stats()).toMatchObject({ lookupErrors: 1, waits: { unavailable: 1 } });
    expect(errors).toHaveLength(1);
    expect(rt.asked).toEqual([ID]);
    await store.close();
  });

  it('learns eagerly from runtime create events and forgets on delete', async () => {
    const rt = new ScriptedRuntime();
    rt.known.set(ID, metaOf(ID));
    const store = new MetadataStore({ runtime: rt });
    rt.emit({ kind: 'create', id: ID });
    await tick(1);
    expect(store.hold(ID)).toBeNull();
    expect(store.stats().eager).toBe(1);
    rt.emit({ kind: 'exit', id: ID });
    expect(store.container(ID)?.name).toBe('web'); // kept a while for events still queued
    rt.emit({ kind: 'delete', id: ID });
    expect(store.container(ID)).toBeUndefined();
    expect(store.stats().evicted).toBeGreaterThanOrEqual(1);
    await store.close();
  });

  it('with only a pod watch, the wait ends when the watch lists the container', async () => {
    const pods = new ScriptedPods();
    const store = new MetadataStore({ pods, waitMs: 5000 });
    const p = store.hold(ID)!;
    expect(p).not.toBeNull();
    const pod = metaOf(ID).pod!;
    setTimeout(() => pods.upsert(pod, [ID]), 5);
    await p;
    expect(store.pod(ID)?.name).toBe('web-0');
    expect(store.complete(ID)).toBe(true);
    expect(store.stats().waits.arrived).toBe(1);
    pods.remove(pod, [ID]);
    expect(store.pod(ID)).toBeUndefined();
    await store.close();
  });

  it('a pod watch without its first list (or with a broken configuration) makes nothing wait', async () => {
    const pods = new ScriptedPods();
    pods.listed = false;
    const store = new MetadataStore({ pods, waitMs: 60_000 });
    expect(store.hold(ID)).toBeNull();
    expect(store.stats().waits.unavailable).toBe(1);
    pods.listed = true;
    const p = store.hold(ID2);
    expect(p).not.toBeNull();
    pods.upsert(metaOf(ID2).pod!, [ID2]);
    await p;
    await store.close();
  });

  it('stays bounded under churn: 1,000 containers through a 100-entry cache', async () => {
    const rt = new ScriptedRuntime();
    const store = new MetadataStore({ runtime: rt, maxContainers: 100 });
    for (let i = 0; i < 1000; i++) {
      const id = i.toString(16).padStart(64, '0');
      rt.known.set(id, metaOf(id));
      rt.emit({ kind: 'create', id });
    }
    await tick(5);
    expect(store.stats().containers).toBe(100);
    for (let i = 0; i < 1000; i++) rt.emit({ kind: 'delete', id: i.toString(16).padStart(64, '0') });
    expect(store.stats().containers).toBe(0);
    await store.close();
  });
});

// ---- the engine's wait ----

const RULES = `
- rule: Shadow read in container
  desc: t
  condition: evt.type in (open, openat) and fd.name = /etc/shadow and container.id != host
  output: shadow read (pod=%k8s.pod.name ns=%k8s.ns.name container=%container.name image=%container.image.repository complete=%container.metadata_complete)
  priority: WARNING
- rule: Web pod exec
  desc: t
  condition: evt.type = execve and k8s.pod.label[app] = web
  output: exec in %k8s.pod.name (%proc.name)
  priority: NOTICE
`;

function pipeline(store: MetadataStore | null) {
  const set = loadRuleSetFromTexts([{ file: 'test.yaml', text: RULES }]);
  expect(set.errors).toEqual([]);
  const alerts: Alert[] = [];
  const engine = new Engine(set, { emit: (a) => { alerts.push(a); }, metadata: store });
  let ts = 1_700_000_000_000_000_000n;
  const ev = (code: string, params: Record<string, ParamValue>, tid: number) => { ts += 1000n; return buildEvent(code, params, { tid, ts }); };
  const execve = (tid: number, exe: string, id: string) => ev('PPME_SYSCALL_EXECVE_19_X', {
    res: 0, exe, args: [], tid, pid: tid, ptid: 1, cwd: '/', comm: exe.split('/').pop()!, trusted_exepath: exe,
    env: [], cgroups: [CG(id)], uid: 0, gid: 0, loginuid: 0, tty: 0, flags: 0, cap_inheritable: 0n,
    cap_permitted: 0n, cap_effective: 0n, exe_ino: 1n, fdlimit: 1024,
  }, tid);
  const openShadow = (tid: number) => ev('PPME_SYSCALL_OPENAT_2_X', { fd: 3, dirfd: -100, name: '/etc/shadow', flags: 1, mode: 0, dev: 0, ino: 0n }, tid);
  const exit = (tid: number) => ev('PPME_PROCEXIT_1_E', { status: 0, ret: 0, sig: 0, core: 0, reaper_tid: 0 }, tid);
  return { engine, alerts, execve, openShadow, exit };
}

describe('engine: events wait for first-seen containers', () => {
  it('a short-lived container: exec, open, exit before the runtime answers → alerts still carry the pod', async () => {
    const rt = new ScriptedRuntime();
    rt.known.set(ID, metaOf(ID));
    rt.hold = true;
    const store = new MetadataStore({ runtime: rt, waitMs: 5000 });
    const p = pipeline(store);
    const done = p.engine.processBatch(batchOf([p.execve(200, '/bin/cat', ID), p.openShadow(200), p.exit(200)]));
    await tick(20);
    expect(p.alerts).toEqual([]); // waiting: nothing judged yet, the exit not applied
    rt.release();
    await done;
    expect(p.alerts.map((a) => a.output)).toEqual([
      expect.stringContaining('exec in web-0 (cat)'),
      expect.stringContaining('shadow read (pod=web-0 ns=shop container=web image=docker.io/library/nginx complete=true)'),
    ]);
    expect(store.stats().waits).toMatchObject({ arrived: 1, ready: 1 });
    await store.close();
  });

  it('no answer within the wait: judged with metadata_complete=false, counted, the stream goes on', async () => {
    const rt = new ScriptedRuntime();
    rt.hold = true;
    const store = new MetadataStore({ runtime: rt, waitMs: 20 });
    const p = pipeline(store);
    await p.engine.processBatch(batchOf([p.execve(300, '/bin/cat', ID2), p.openShadow(300), p.openShadow(300)]));
    expect(p.alerts.map((a) => a.output)).toEqual([
      expect.stringContaining('shadow read (pod=<NA> ns=<NA> container=<NA> image=<NA> complete=false)'),
      expect.stringContaining('shadow read (pod=<NA> ns=<NA> container=<NA> image=<NA> complete=false)'),
    ]);
    // execve: the rule's condition needs the pod label → waited, then timed out; the two opens: no more waiting.
    expect(store.stats().waits).toMatchObject({ timeout: 3 });
    rt.release();
    await store.close();
  });

  it('events of types no metadata rule reads never wait', async () => {
    const rt = new ScriptedRuntime();
    rt.hold = true;
    const store = new MetadataStore({ runtime: rt, waitMs: 60_000 });
    const p = pipeline(store);
    const close = buildEvent('PPME_SYSCALL_CLOSE_X', { res: 0 }, { tid: 400 });
    await p.engine.processBatch(batchOf([close, close]));
    expect(rt.asked).toEqual([]);
    await store.close();
  });

  it('without a store the fields give <NA> and nothing waits', async () => {
    const p = pipeline(null);
    await p.engine.processBatch(batchOf([p.execve(500, '/bin/cat', ID), p.openShadow(500)]));
    expect(p.alerts.map((a) => a.output)).toEqual([expect.stringContaining('shadow read (pod=<NA> ns=<NA> container=<NA> image=<NA> complete=false)')]);
  });
});
