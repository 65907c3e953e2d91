// container.* and k8s.*: the container id comes from the thread's cgroups (state); everything else from the
// enrichment stage's metadata (runtime + pod watch) by full container id. Without metadata a field gives <NA>,
// as libsinsp does, and container.metadata_complete says so. Host processes: id/name `host`.
import type { FieldContext, ThreadView } from './context.js';
import { field, FieldError, type FieldDef, type FieldValue } from './types.js';
import type { ContainerMeta, MountInfo, PodMeta } from '../../enrich/types.js';
import { globToRegExp } from '../operators/helpers.js';

interface ContainerFacts { containerId?: string; containerFullId?: string; containerType?: string }
type ContainerThread = ThreadView & ContainerFacts;

/** The event thread's container id: `host` outside containers (and until the state records ids). */
export function containerIdOf(th: ContainerThread): string {
  const id = th.containerId;
  return id === undefined || id === '' ? 'host' : id;
}

/** container.full_id: the 64-char id when the cgroup gave one, else the id; `host` outside containers. */
const fullIdOf = (th: ContainerThread): string => th.containerFullId ?? containerIdOf(th);

const thr = (f: (th: ContainerThread, c: FieldContext) => FieldValue) => (c: FieldContext): FieldValue => {
  const th = c.thread() as ContainerThread | undefined;
  return th === undefined ? undefined : f(th, c);
};

function keyArg(field: string) {
  return (text: string): string => {
    if (text === '') throw new FieldError('EFIELD_ARG', `${field}: expected a key in []`);
    return text;
  };
}

/** The event's container metadata (undefined for the host, without enrichment, or while unknown). */
function metaOf(c: FieldContext): ContainerMeta | undefined {
  const th = c.thread() as ContainerThread | undefined;
  if (th === undefined || c.metadata === null) return undefined;
  const id = fullIdOf(th);
  return id === 'host' ? undefined : c.metadata.container(id);
}

function podOf(c: FieldContext): PodMeta | undefined {
  const th = c.thread() as ContainerThread | undefined;
  if (th === undefined || c.metadata === null) return undefined;
  const id = fullIdOf(th);
  return id === 'host' ? undefined : c.metadata.pod(id);
}

const meta = (f: (m: ContainerMeta, c: FieldContext) => FieldValue) => (c: FieldContext): FieldValue => {
  const m = metaOf(c);
  return m === undefined ? undefined : f(m, c);
};
const pod = (f: (p: PodMeta) => FieldValue) => (c: FieldContext): FieldValue => {
  const p = podOf(c);
  return p === undefined ? undefined : f(p);
};
const orUndef = (s: string | undefined): FieldValue => (s === undefined || s === '' ? undefined : s);

/** `key:value,key:value` in key order (Falco prints label maps this way). */
function labelsText(labels: Readonly<Record<string, string>>): string {
  return Object.keys(labels).sort().map((k) => `${k}:${labels[k]}`).join(',');
}

/** Falco's mount item: `source:dest:mode:rdrw:propagation`. */
function mountText(m: MountInfo): string { return `${m.source}:${m.dest}:${m.mode}:${m.readWrite}:${m.propagation}`; }

/** A mount selector: `[N]` by index, else a glob over the mount's source (or dest, for .source). */
interface MountSel { index: number; re: RegExp | null }
function mountArg(name: string) {
  return (text: string): MountSel => {
    if (text === '') throw new FieldError('EFIELD_ARG', `${name}: expected an index or a path glob in []`);
    if (/^\d+$/.test(text)) return { index: Number(text), re: null };
    return { index: -1, re: globToRegExp(text, false) };
  };
}
function pickMount(m: ContainerMeta, sel: MountSel, by: 'source' | 'dest'): MountInfo | undefined {
  if (sel.re === null) return m.mounts[sel.index];
  for (const x of m.mounts) if (sel.re.test(by === 'source' ? x.source : x.dest)) return x;
  return undefined;
}
const mountField = (name: string, desc: string, by: 'source' | 'dest', get: (x: MountInfo) => string) =>
  field<MountSel>({
    name, type: 'charbuf', arg: { kind: 'key', required: true }, parseArg: mountArg(name), desc, enrichment: true,
    extract: (c, sel) => { const m = metaOf(c); const x = m && pickMount(m, sel, by); return x === undefined ? undefined : get(x); },
  });

export const CONTAINER_FIELDS: readonly FieldDef<any>[] = [
  field({ name: 'container.id', type: 'charbuf', desc: "container id (12 characters), or 'host' for host processes", extract: thr((t) => { const id = containerIdOf(t); return id === 'host' ? id : id.slice(0, 12); }) }),
  field({ name: 'container.full_id', type: 'charbuf', desc: "full container id (64 characters when known), or 'host'", extract: thr(fullIdOf) }),
  field({ name: 'container.name', type: 'charbuf', enrichment: true, desc: "container name ('host' for host processes)", extract: (c) => { const th = c.thread() as ContainerThread | undefined; if (th === undefined) return undefined; if (containerIdOf(th) === 'host') return 'host'; return orUndef(metaOf(c)?.name); } }),
  field({ name: 'container.type', type: 'charbuf', enrichment: true, desc: "container runtime type (containerd, cri-o, docker, ...); 'host' for host processes", extract: (c) => { const th = c.thread() as ContainerThread | undefined; if (th === undefined) return undefined; if (containerIdOf(th) === 'host') return 'host'; return orUndef(metaOf(c)?.type ?? th.containerType); } }),
  field({ name: 'container.image', type: 'charbuf', enrichment: true, desc: 'container image name as the runtime gives it (e.g. docker.io/library/nginx:1.27)', extract: meta((m) => orUndef(m.image.name)) }),
  field({ name: 'container.image.id', type: 'charbuf', enrichment: true, desc: 'container image id (sha256 of its config)', extract: meta((m) => orUndef(m.image.id)) }),
  field({ name: 'container.image.repository', type: 'charbuf', enrichment: true, desc: 'container image repository (e.g. docker.io/library/nginx)', extract: meta((m) => orUndef(m.image.repository)) }),
  field({ name: 'container.image.tag', type: 'charbuf', enrichment: true, desc: 'container image tag (e.g. 1.27)', extract: meta((m) => orUndef(m.image.tag)) }),
  field({ name: 'container.image.digest', type: 'charbuf', enrichment: true, desc: 'container image registry digest (sha256:...)', extract: meta((m) => orUndef(m.image.digest)) }),
  field({ name: 'container.privileged', type: 'bool', enrichment: true, desc: "'true' for privileged containers", extract: meta((m) => m.privileged) }),
  field({ name: 'container.start_ts', type: 'abstime', enrichment: true, desc: 'container start time, ns since the epoch', extract: meta((m) => (m.startTs > 0n ? m.startTs : undefined)) }),
  field({ name: 'container.duration', type: 'reltime', enrichment: true, desc: 'ns since the container started', extract: meta((m, c) => (m.startTs > 0n ? c.ev.ts - m.startTs : undefined)) }),
  field({ name: 'container.ip', type: 'charbuf', enrichment: true, desc: "container IP address (its pod's)", extract: (c) => orUndef(metaOf(c)?.ip || podOf(c)?.ip) }),
  field({ name: 'container.cni.json', type: 'charbuf', enrichment: true, desc: 'container CNI result as JSON (not reported by CRI: <NA>)', extract: () => undefined }),
  field({ name: 'container.healthcheck', type: 'charbuf', enrichment: true, desc: 'container health check command line (docker only: <NA>)', extract: () => undefined }),
  field({ name: 'container.liveness_probe', type: 'charbuf', enrichment: true, desc: 'container liveness probe command line (not reported by CRI: <NA>)', extract: () => undefined }),
  field({ name: 'container.readiness_probe', type: 'charbuf', enrichment: true, desc: 'container readiness probe command line (not reported by CRI: <NA>)', extract: () => undefined }),
  field({ name: 'container.mounts', type: 'charbuf', enrichment: true, desc: "mounts, space-separated, each 'source:dest:mode:rdrw:propagation'", extract: meta((m) => m.mounts.map(mountText).join(' ')) }),
  mountField('container.mount', "one mount ('source:dest:mode:rdrw:propagation') by index or source path glob", 'source', mountText),
  mountField('container.mount.source', 'mount source by index or destination glob', 'dest', (x) => x.source),
  mountField('container.mount.dest', 'mount destination by index or source glob (container.mount.dest[/etc])', 'source', (x) => x.dest),
  mountField('container.mount.mode', 'mount mode by index or source glob', 'source', (x) => x.mode),
  mountField('container.mount.rdwr', "mount read/write ('true'/'false') by index or source glob", 'source', (x) => String(x.readWrite)),
  mountField('container.mount.propagation', 'mount propagation by index or source glob', 'source', (x) => x.propagation),
  field<string>({ name: 'container.label', type: 'charbuf', arg: { kind: 'key', required: true }, parseArg: keyArg('container.label'), enrichment: true, desc: 'one container label, container.label[io.kubernetes.container.name]', extract: (c, k) => metaOf(c)?.labels[k] }),
  field({ name: 'container.labels', type: 'charbuf', enrichment: true, desc: "container labels as 'key:value,...'", extract: meta((m) => labelsText(m.labels)) }),
  field({ name: 'container.info', type: 'charbuf', enrichment: true, desc: "container details as Falco's -pc adds them: container_id=… container_image=… container_image_tag=… container_name=…", extract: meta((m) => `container_id=${m.id.slice(0, 12)} container_image=${m.image.repository} container_image_tag=${m.image.tag} container_name=${m.name}`) }),
  field({ name: 'container.metadata_complete', type: 'bool', enrichment: true, desc: "'false' when the event was judged before the container's metadata arrived (after the bounded wait); 'true' for host processes and known containers", extract: (c) => { const th = c.thread() as ContainerThread | undefined; if (th === undefined) return undefined; const id = fullIdOf(th); return id === 'host' ? true : c.metadata !== null && c.metadata.complete(id); } }),
  field({ name: 'k8s.ns.name', type: 'charbuf', enrichment: true, desc: 'Kubernetes namespace name', extract: pod((p) => orUndef(p.namespace)) }),
  field({ name: 'k8s.pod.name', type: 'charbuf', enrichment: true, desc: 'Kubernetes pod name', extract: pod((p) => orUndef(p.name)) }),
  field({ name: 'k8s.pod.id', type: 'charbuf', enrichment: true, desc: 'Kubernetes pod UID (legacy name of k8s.pod.uid)', extract: pod((p) => orUndef(p.uid)) }),
  field({ name: 'k8s.pod.uid', type: 'charbuf', enrichment: true, desc: 'Kubernetes pod UID', extract: pod((p) => orUndef(p.uid)) }),
  field({ name: 'k8s.pod.sandbox_id', type: 'charbuf', enrichment: true, desc: 'pod sandbox id (12 characters)', extract: (c) => { const s = metaOf(c)?.sandboxId ?? podOf(c)?.sandboxId; return s ? s.slice(0, 12) : undefined; } }),
  field({ name: 'k8s.pod.full_sandbox_id', type: 'charbuf', enrichment: true, desc: 'pod sandbox id (full)', extract: (c) => orUndef(metaOf(c)?.sandboxId ?? podOf(c)?.sandboxId) }),
  field<string>({ name: 'k8s.pod.label', type: 'charbuf', arg: { kind: 'key', required: true }, parseArg: keyArg('k8s.pod.label'), enrichment: true, desc: 'one Kubernetes pod label, k8s.pod.label[app]', extract: (c, k) => podOf(c)?.labels[k] }),
  field({ name: 'k8s.pod.labels', type: 'charbuf', enrichment: true, desc: "Kubernetes pod labels as 'key:value,...'", extract: pod((p) => labelsText(p.labels)) }),
  field<string>({ name: 'k8s.pod.annotation', type: 'charbuf', arg: { kind: 'key', required: true }, parseArg: keyArg('k8s.pod.annotation'), enrichment: true, desc: 'one Kubernetes pod annotation, k8s.pod.annotation[KEY]', extract: (c, k) => podOf(c)?.annotations[k] }),
  field({ name: 'k8s.pod.ip', type: 'charbuf', enrichment: true, desc: 'Kubernetes pod IP', extract: pod((p) => orUndef(p.ip)) }),
  field({ name: 'k8s.pod.cni.json', type: 'charbuf', enrichment: true, desc: 'Kubernetes pod CNI result as JSON (not reported by CRI: <NA>)', extract: () => undefined }),
  field({ name: 'k8s.pod.sa', type: 'charbuf', enrichment: true, desc: "the pod's service account (Kubernetes watch)", extract: pod((p) => orUndef(p.serviceAccount)) }),
  field({ name: 'k8s.node.name', type: 'charbuf', enrichment: true, desc: 'the node the pod runs on (Kubernetes watch)', extract: pod((p) => orUndef(p.node)) }),
  field({ name: 'k8s.pod.owner', type: 'charbuf', enrichment: true, desc: "the pod's controller as 'Kind/name' (e.g. ReplicaSet/web-7d9c6b; Kubernetes watch)", extract: pod((p) => (p.owner ? `${p.owner.kind}/${p.owner.name}` : undefined)) }),
  field({ name: 'k8s.workload', type: 'charbuf', enrichment: true, desc: "the workload that owns the pod as 'Kind/name': a ReplicaSet's Deployment, a DaemonSet, StatefulSet, Job, … (Kubernetes watch)", extract: pod((p) => (p.workload ? `${p.workload.kind}/${p.workload.name}` : undefined)) }),
  field({ name: 'k8s.workload.kind', type: 'charbuf', enrichment: true, desc: 'kind of k8s.workload (Deployment, DaemonSet, ...)', extract: pod((p) => p.workload?.kind) }),
  field({ name: 'k8s.workload.name', type: 'charbuf', enrichment: true, desc: 'name of k8s.workload', extract: pod((p) => p.workload?.name) }),
];
