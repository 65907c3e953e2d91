// The bounded wait, live: with eager learning off (no runtime events, no polling), the only way a container that
// exits within milliseconds gets its pod name is the engine holding its first event until the CRI lookup answers.
// Real kernel events from the probe, a real containerd, the real CRI client.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openProbe, skipWithoutProbe } from '../helpers/live.js';
import { ContainerdHarness, skipWithoutContainerd, type RunningPod } from '../helpers/containerd.js';
import { CriRuntime } from '../../sensor/src/enrich/runtime/index.js';
import { MetadataStore } from '../../sensor/src/enrich/store.js';
import { Engine, syscallSelection } from '../../sensor/src/rules/engine/index.js';
import { loadRuleSetFromTexts } from '../../sensor/src/rules/loader/index.js';
import type { LiveSource } from '../../sensor/src/source/live.js';
import type { Alert } from '../../sensor/src/output/types.js';

const skip = skipWithoutProbe('live metadata wait') || skipWithoutContainerd('live metadata wait');

const RULES = `
- rule: Shadow read in pod
  desc: t
  condition: evt.type in (open, openat, openat2) and fd.name = /etc/shadow and k8s.ns.name = sensord-wait
  output: shadow read by %proc.name in pod=%k8s.pod.name container=%container.name complete=%container.metadata_complete
  priority: WARNING
`;

describe.skipIf(skip)('live: a short-lived container waits for its metadata', () => {
  let h: ContainerdHarness;
  let dir: string;
  let source: LiveSource;
  let store: MetadataStore;
  const pods: RunningPod[] = [];

  beforeAll(async () => {
    h = await ContainerdHarness.start();
    dir = mkdtempSync(path.join(tmpdir(), 'sensord-wait-'));
    writeFileSync(path.join(dir, 'shadow'), 'root:*:19000:0:99999:7:::\n');
  }, 120_000);

  afterAll(async () => {
    await source?.close();
    await store?.close();
    for (const p of pods) await h.removePod(p).catch(() => undefined);
    await h?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 120_000);

  it('cat /etc/shadow in a fresh pod: judged after the CRI answer, with the pod name', async () => {
    const runtime = new CriRuntime({ address: h.address, pollIntervalMs: 0 });
    store = new MetadataStore({ runtime, waitMs: 5000 });
    const set = loadRuleSetFromTexts([{ file: 'wait.yaml', text: RULES }]);
    expect(set.errors).toEqual([]);
    const alerts: Alert[] = [];
    const engine = new Engine(set, { emit: (a) => { alerts.push(a); }, metadata: store });
    source = await openProbe({ syscalls: syscallSelection(engine.prepared.eventTypes) });
    engine.state.bootstrapFromProc();
    let stop = false;
    const loop = (async () => {
      while (!stop) {
        const b = await source.next();
        if (!b) break;
        if (b.count > 0) await engine.processBatch(b);
      }
    })();
    try {
      const pod = await h.runPod({ name: 'oneshot-9k2lm', namespace: 'sensord-wait' });
      pods.push(pod);
      const id = await h.runContainer(pod, {
        name: 'cat', command: ['/bin/cat', '/etc/shadow'],
        mounts: [{ container_path: '/etc/shadow', host_path: path.join(dir, 'shadow'), readonly: true }],
      });
      const t0 = Date.now();
      while (!alerts.some((a) => a.output.includes('pod=oneshot-9k2lm')) && Date.now() - t0 < 20_000) await new Promise((r) => setTimeout(r, 20));
      const mine = alerts.filter((a) => a.output.includes('oneshot-9k2lm') || a.output.includes('pod=<NA>'));
      expect(mine.map((a) => a.output)).toEqual([expect.stringContaining('in pod=oneshot-9k2lm container=cat complete=true')]);
      const st = store.stats();
      expect(st.eager).toBe(0); // nothing learned ahead: the wait did it
      expect(st.waits.arrived).toBeGreaterThanOrEqual(1);
      expect(store.container(id)?.name).toBe('cat');
    } finally {
      stop = true;
      await loop.catch(() => undefined);
    }
  });
});
