// container.* and k8s.*: what the state knows now (the container id parsed from cgroups; `host` for host
// processes). Names, images, mounts and pods arrive with the Enrichment issue; until then those fields give
// what libsinsp gives without metadata: <NA> (host processes: name `host`).
import type { FieldContext, ThreadView } from './context.js';
import { field, FieldError, type FieldDef, type FieldValue } from './types.js';

interface ContainerFacts { containerId?: string; containerFullId?: string; containerType?: string }
type ContainerThread = ThreadView & ContainerFacts;

/** The event thread's container id: `host` outside containers (and until the state records ids). */
export function containerIdOf(th: ContainerThread): string {
  const id = th.containerId;
  return id === undefined || id === '' ? 'host' : id;
}

const thr = (f: (th: ContainerThread, c: FieldContext) => FieldValue) => (c: FieldContext): FieldValue => {
  const th = c.thread() as ContainerThread | undefined;
  return th === undefined ? undefined : f(th, c);
};

/** Until enrichment: no value for containers; `host` fields say what libsinsp says for the host. */
const unknownUntilEnrichment = (host: FieldValue) => thr((t) => (containerIdOf(t) === 'host' ? host : undefined));

function keyArg(field: string) {
  return (text: string): string => {
    if (text === '') throw new FieldError('EFIELD_ARG', `${field}: expected a key in []`);
    return text;
  };
}

const PENDING = ' (<NA> until container enrichment)';

export const CONTAINER_FIELDS: readonly FieldDef<any>[] = [
  field({ name: 'container.id', type: 'charbuf', desc: "container id (12 characters), or 'host' for host processes", extract: thr((t) => { const id = containerIdOf(t); return id === 'host' ? id : id.slice(0, 12); }) }),
  field({ name: 'container.full_id', type: 'charbuf', desc: "full container id (64 characters when known), or 'host'", extract: thr((t) => t.containerFullId ?? containerIdOf(t)) }),
  field({ name: 'container.name', type: 'charbuf', desc: "container name; 'host' for host processes" + PENDING, extract: unknownUntilEnrichment('host') }),
  field({ name: 'container.type', type: 'charbuf', desc: "container runtime type (docker, containerd, cri-o, podman, ...); 'host' for host processes", extract: thr((t) => (containerIdOf(t) === 'host' ? 'host' : t.containerType)) }),
  field({ name: 'container.image', type: 'charbuf', desc: 'container image name (e.g. falcosecurity/falco:latest)' + PENDING, extract: () => undefined }),
  field({ name: 'container.image.id', type: 'charbuf', desc: 'container image id' + PENDING, extract: () => undefined }),
  field({ name: 'container.image.repository', type: 'charbuf', desc: 'container image repository (e.g. falcosecurity/falco)' + PENDING, extract: () => undefined }),
  field({ name: 'container.image.tag', type: 'charbuf', desc: 'container image tag (e.g. latest)' + PENDING, extract: () => undefined }),
  field({ name: 'container.image.digest', type: 'charbuf', desc: 'container image registry digest' + PENDING, extract: () => undefined }),
  field({ name: 'container.privileged', type: 'bool', desc: "'true' for privileged containers" + PENDING, extract: () => undefined }),
  field({ name: 'container.start_ts', type: 'abstime', desc: 'container start time, ns since the epoch' + PENDING, extract: () => undefined }),
  field({ name: 'container.duration', type: 'reltime', desc: 'ns since the container started' + PENDING, extract: () => undefined }),
  field({ name: 'container.ip', type: 'charbuf', desc: 'container IP address' + PENDING, extract: () => undefined }),
  field({ name: 'container.cni.json', type: 'charbuf', desc: 'container CNI result as JSON' + PENDING, extract: () => undefined }),
  field({ name: 'container.healthcheck', type: 'charbuf', desc: 'container health check command line' + PENDING, extract: () => undefined }),
  field({ name: 'container.liveness_probe', type: 'charbuf', desc: 'container liveness probe command line' + PENDING, extract: () => undefined }),
  field({ name: 'container.readiness_probe', type: 'charbuf', desc: 'container readiness probe command line' + PENDING, extract: () => undefined }),
  field({ name: 'container.mounts', type: 'charbuf', desc: "mounts as 'source:dest:mode:rdrw:propagation ...'" + PENDING, extract: () => undefined }),
  field<string>({ name: 'container.mount', type: 'charbuf', arg: { kind: 'key', required: true }, parseArg: keyArg('container.mount'), desc: 'one mount by index or source path glob' + PENDING, extract: () => undefined }),
  field<string>({ name: 'container.mount.source', type: 'charbuf', arg: { kind: 'key', required: true }, parseArg: keyArg('container.mount.source'), desc: 'mount source by index or destination glob' + PENDING, extract: () => undefined }),
  field<string>({ name: 'container.mount.dest', type: 'charbuf', arg: { kind: 'key', required: true }, parseArg: keyArg('container.mount.dest'), desc: 'mount destination by index or source glob (container.mount.dest[/etc])' + PENDING, extract: () => undefined }),
  field<string>({ name: 'container.mount.mode', type: 'charbuf', arg: { kind: 'key', required: true }, parseArg: keyArg('container.mount.mode'), desc: 'mount mode by index or source glob' + PENDING, extract: () => undefined }),
  field<string>({ name: 'container.mount.rdwr', type: 'charbuf', arg: { kind: 'key', required: true }, parseArg: keyArg('container.mount.rdwr'), desc: 'mount read/write flag by index or source glob' + PENDING, extract: () => undefined }),
  field<string>({ name: 'container.mount.propagation', type: 'charbuf', arg: { kind: 'key', required: true }, parseArg: keyArg('container.mount.propagation'), desc: 'mount propagation by index or source glob' + PENDING, extract: () => undefined }),
  field({ name: 'container.info', type: 'charbuf', desc: 'legacy output placeholder Falco expands to container details; <NA> here', extract: () => undefined }),
  field({ name: 'k8s.ns.name', type: 'charbuf', desc: 'Kubernetes namespace name (<NA> until pod enrichment)', extract: () => undefined }),
  field({ name: 'k8s.pod.name', type: 'charbuf', desc: 'Kubernetes pod name (<NA> until pod enrichment)', extract: () => undefined }),
  field({ name: 'k8s.pod.id', type: 'charbuf', desc: 'Kubernetes pod id (legacy name of k8s.pod.uid; <NA> until pod enrichment)', extract: () => undefined }),
  field({ name: 'k8s.pod.uid', type: 'charbuf', desc: 'Kubernetes pod UID (<NA> until pod enrichment)', extract: () => undefined }),
  field({ name: 'k8s.pod.sandbox_id', type: 'charbuf', desc: 'Kubernetes pod sandbox id (<NA> until pod enrichment)', extract: () => undefined }),
  field({ name: 'k8s.pod.full_sandbox_id', type: 'charbuf', desc: 'Kubernetes pod full sandbox id (<NA> until pod enrichment)', extract: () => undefined }),
  field<string>({ name: 'k8s.pod.label', type: 'charbuf', arg: { kind: 'key', required: true }, parseArg: keyArg('k8s.pod.label'), desc: 'one Kubernetes pod label, k8s.pod.label[app] (<NA> until pod enrichment)', extract: () => undefined }),
  field({ name: 'k8s.pod.labels', type: 'charbuf', desc: "Kubernetes pod labels as 'key:value,...' (<NA> until pod enrichment)", extract: () => undefined }),
  field({ name: 'k8s.pod.ip', type: 'charbuf', desc: 'Kubernetes pod IP (<NA> until pod enrichment)', extract: () => undefined }),
  field({ name: 'k8s.pod.cni.json', type: 'charbuf', desc: 'Kubernetes pod CNI result as JSON (<NA> until pod enrichment)', extract: () => undefined }),
];
