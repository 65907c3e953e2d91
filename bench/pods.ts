// Pod churn: 1,000 pods (2 containers each) created on this node and deleted again, seen through the Kubernetes
// watch (@kubernetes/client-node against the protocol-level fake API server of the tests, on loopback) into the
// metadata store, with every container looked up once as an event of it would. Prints RSS and heap at a
// baseline (after a warm-up round), with the pods in, after the deletes, and the cache sizes: after the deletes
// the caches must be back to the baseline (0 pods, 0 containers) and memory near it. The fake server runs in this
// process; its event history is compacted before each snapshot.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FakeApiServer, makePod } from '../test/helpers/fake-apiserver.js';
import { KubePodSource } from '../sensor/src/enrich/k8s/index.js';
import { MetadataStore } from '../sensor/src/enrich/store.js';

export interface PodsSnapshot { label: string; rssMiB: number; heapMiB: number; pods: number; containers: number; negative: number }
export interface PodsResult { pods: number; snapshots: PodsSnapshot[]; addMs: number; deleteMs: number; waits: Record<string, number> }

const NODE = 'bench-node';
const MiB = 1024 * 1024;

async function until(cond: () => boolean, what: string, ms = 120_000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`pods bench: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

function gc(): void { (globalThis as { gc?: () => void }).gc?.(); }

export async function podsChurn(n = 1000): Promise<PodsResult> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sensord-pods-bench-'));
  const server = await FakeApiServer.start({ tls: false, dir });
  const kubeconfig = path.join(dir, 'kubeconfig');
  fs.writeFileSync(kubeconfig, server.kubeconfig());
  const pods = new KubePodSource({ node: NODE, access: { kind: 'kubeconfig', path: kubeconfig } });
  const store = new MetadataStore({ pods, waitMs: 2000 });
  const snapshots: PodsSnapshot[] = [];
  const snap = (label: string) => {
    gc();
    const m = process.memoryUsage();
    const s = store.stats();
    snapshots.push({ label, rssMiB: m.rss / MiB, heapMiB: m.heapUsed / MiB, pods: pods.size, containers: s.containers, negative: s.negative });
  };
  /** One round: add n pods, wait for every container (as events of them would), delete them all. */
  const round = async (count: number, prefix: string, mid?: string) => {
    const made = Array.from({ length: count }, (_, i) => makePod({ name: `${prefix}-${i}`, namespace: 'churn', node: NODE, containers: 2, labels: { app: prefix } }));
    const ids = made.flatMap((p) => (p.status?.containerStatuses ?? []).map((c) => (c.containerID ?? '').replace(/^[a-z-]+:\/\//, '')));
    const t0 = performance.now();
    const waits: Promise<void>[] = [];
    for (const p of made) server.addPod(p);
    for (const id of ids) { const w = store.hold(id); if (w) waits.push(w); }
    await Promise.all(waits);
    await until(() => pods.size === count, `${count} pods in`);
    const addMs = performance.now() - t0;
    if (mid) snap(mid);
    const t1 = performance.now();
    for (const p of made) server.deletePod(p.metadata.namespace, p.metadata.name);
    await until(() => pods.size === 0, 'every pod gone');
    server.compact(); // the fake server (same process) drops its event history: the heap is then the sensor's
    return { addMs, deleteMs: performance.now() - t1 };
  };
  try {
    await pods.start();
    await round(100, 'warmup');
    snap('baseline (after a 100-pod warm-up round)');
    const r = await round(n, 'churn', `${n} pods in, every container looked up`);
    snap(`${n} pods deleted`);
    await new Promise((res) => setTimeout(res, 1000));
    snap('1 s later');
    return { pods: n, snapshots, addMs: r.addMs, deleteMs: r.deleteMs, waits: { ...store.stats().waits } };
  } finally {
    await store.close();
    await server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export function printPods(r: PodsResult): void {
  console.log(`pod churn: ${r.pods} pods x 2 containers through the Kubernetes watch into the metadata store`);
  console.log(`  add+learn ${r.addMs.toFixed(0)} ms, delete ${r.deleteMs.toFixed(0)} ms; events' waits: ${JSON.stringify(r.waits)}`);
  const base = r.snapshots[0];
  for (const s of r.snapshots) {
    console.log(`  ${s.label.padEnd(46)} rss ${s.rssMiB.toFixed(1).padStart(6)} MiB (x${(s.rssMiB / base.rssMiB).toFixed(2)})  heap ${s.heapMiB.toFixed(1).padStart(5)} MiB (x${(s.heapMiB / base.heapMiB).toFixed(2)})  pods ${s.pods}  containers ${s.containers}  negative ${s.negative}`);
  }
  const last = r.snapshots[r.snapshots.length - 1];
  const back = last.pods === base.pods && last.containers === base.containers;
  console.log(`  caches back to baseline: ${back ? 'yes' : 'NO'}; heap after/baseline x${(last.heapMiB / base.heapMiB).toFixed(2)}`);
}
