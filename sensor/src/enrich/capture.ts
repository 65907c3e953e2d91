// Container and pod metadata a capture carries (Falco's -e, sysdig -r): container events hold the JSON libsinsp's
// container manager wrote when the capture was taken — name, image, labels, mounts, privileged, IP — and, through
// the CRI labels, the pod's name, namespace, uid and sandbox. The state stage keeps the events' text by container
// id (SystemState.capturedContainers); this view parses each once and answers the container.*/k8s.* fields during
// replay, where no runtime or API server can be asked.
import type { SystemState } from '../state/system-state.js';
import type { MetadataView } from '../rules/fields/context.js';
import type { ContainerMeta, MountInfo, PodMeta } from './types.js';

/** libsinsp's sinsp_container_type, as the JSON's numeric `type` gives it, by container.type name. */
const CONTAINER_TYPES = ['docker', 'lxc', 'libvirt-lxc', 'mesos', 'rkt', 'custom', 'cri', 'containerd', 'cri-o', 'bpm', 'static', 'podman'];

/** What a container event's JSON holds (libsinsp container_info serialization; every member optional). */
interface ContainerJson {
  id?: string; type?: number; name?: string; image?: string; imageid?: string; imagerepo?: string; imagetag?: string;
  imagedigest?: string; privileged?: boolean; ip?: string; created_time?: number;
  labels?: Record<string, string>;
  /** The pod sandbox's labels (libs ≥ 0.10 write them for CRI containers). */
  pod_sandbox_labels?: Record<string, string>;
  Mounts?: Array<{ Source?: string; Destination?: string; Mode?: string; RW?: boolean; Propagation?: string }>;
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');

function stringMap(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) for (const [k, x] of Object.entries(v)) out[k] = String(x);
  return out;
}

/** One container event's JSON → the enrichment stage's container (and pod, from the CRI labels); null when unreadable. */
export function containerFromJson(json: string): ContainerMeta | null {
  let c: ContainerJson;
  try {
    const o = JSON.parse(json) as { container?: ContainerJson };
    if (o === null || typeof o !== 'object' || o.container === null || typeof o.container !== 'object') return null;
    c = o.container;
  } catch {
    return null;
  }
  const labels = stringMap(c.labels);
  const mounts: MountInfo[] = (Array.isArray(c.Mounts) ? c.Mounts : []).map((m) => ({
    source: str(m?.Source), dest: str(m?.Destination), mode: str(m?.Mode), readWrite: m?.RW === true, propagation: str(m?.Propagation),
  }));
  const ip = str(c.ip);
  const sandboxId = labels['io.kubernetes.sandbox.id'];
  const podName = labels['io.kubernetes.pod.name'];
  const pod: PodMeta | undefined = podName === undefined ? undefined : {
    uid: labels['io.kubernetes.pod.uid'] ?? '', name: podName, namespace: labels['io.kubernetes.pod.namespace'] ?? '',
    labels: stringMap(c.pod_sandbox_labels), annotations: {}, ip, serviceAccount: '', node: '', sandboxId,
  };
  return {
    id: str(c.id), name: str(c.name), type: typeof c.type === 'number' ? (CONTAINER_TYPES[c.type] ?? '') : '',
    image: { name: str(c.image), repository: str(c.imagerepo), tag: str(c.imagetag), digest: str(c.imagedigest), id: str(c.imageid) },
    labels, privileged: c.privileged === true, mounts,
    startTs: typeof c.created_time === 'number' && c.created_time > 0 ? BigInt(Math.trunc(c.created_time)) * 1_000_000_000n : 0n,
    ip, sandboxId, pod,
  };
}

/**
 * The capture's containers as a MetadataView. A thread's full id (64 hex from its cgroup) finds the container an
 * event named by that id or by its 12-character short form (docker's events use the short one).
 */
export class CaptureContainers implements MetadataView {
  private readonly parsed = new Map<string, { json: string; meta: ContainerMeta | null }>();

  constructor(private readonly state: SystemState) {}

  private lookup(fullId: string): ContainerMeta | undefined {
    const known = this.state.capturedContainers;
    let key = fullId;
    let json = known.get(key);
    if (json === undefined && fullId.length > 12) { key = fullId.slice(0, 12); json = known.get(key); }
    if (json === undefined) return undefined;
    let entry = this.parsed.get(key);
    if (entry === undefined || entry.json !== json) { entry = { json, meta: containerFromJson(json) }; this.parsed.set(key, entry); }
    return entry.meta ?? undefined;
  }

  container(fullId: string): ContainerMeta | undefined { return this.lookup(fullId); }
  pod(fullId: string): PodMeta | undefined { return this.lookup(fullId)?.pod; }
  complete(fullId: string): boolean { return this.lookup(fullId) !== undefined; }
}
