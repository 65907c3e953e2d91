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
  id?: string; full_id?: string; type?: number; name?: string; image?: string; imageid?: string; imagerepo?: string; imagetag?: string;
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
    // libs ≥ 0.11 write the 64-character id beside the 12-character one.
    id: str(c.full_id) || str(c.id), name: str(c.name), type: typeof c.type === 'number' ? (CONTAINER_TYPES[c.type] ?? '') : '',
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

/** ppm event type of PPME_CONTAINER_JSON_2_E (EF_LARGE_PAYLOAD: 32-bit parameter lengths). */
const CONTAINER_JSON_2_E = 324;
/** libsinsp's thread id for events of no thread (container events carry it). */
const NO_TID = 0xffffffffffffffffn;

/**
 * The JSON libsinsp's container manager writes for a container (container_info serialization), from what the
 * enrichment stage knows: what containerFromJson, sysdig and Falco read back. The pod travels as the CRI labels
 * (io.kubernetes.pod.*, io.kubernetes.sandbox.id) and pod_sandbox_labels, as in a CRI container's event.
 */
export function containerJson(m: ContainerMeta): string {
  const labels: Record<string, string> = { ...m.labels };
  const pod = m.pod;
  if (pod !== undefined) {
    labels['io.kubernetes.pod.name'] = pod.name;
    labels['io.kubernetes.pod.namespace'] = pod.namespace;
    if (pod.uid !== '') labels['io.kubernetes.pod.uid'] = pod.uid;
  }
  const sandbox = m.sandboxId ?? pod?.sandboxId;
  if (sandbox !== undefined && sandbox !== '') labels['io.kubernetes.sandbox.id'] = sandbox;
  const type = CONTAINER_TYPES.indexOf(m.type);
  return JSON.stringify({
    container: {
      id: m.id.slice(0, 12), full_id: m.id, type: type >= 0 ? type : CONTAINER_TYPES.indexOf('custom'), name: m.name,
      image: m.image.name, imageid: m.image.id, imagerepo: m.image.repository, imagetag: m.image.tag,
      imagedigest: m.image.digest, privileged: m.privileged, is_pod_sandbox: sandbox !== undefined && sandbox === m.id,
      // libsinsp writes its 32-bit address as a dotted quad, 0.0.0.0 when none (readers inet_pton it).
      ip: /^\d{1,3}(\.\d{1,3}){3}$/.test(m.ip) ? m.ip : '0.0.0.0',
      // libsinsp: the creation time; the runtimes give us the start time (the creation time before the start).
      created_time: Number(m.startTs / 1_000_000_000n), labels, pod_sandbox_id: sandbox ?? '',
      pod_sandbox_labels: { ...(pod?.labels ?? {}) },
      Mounts: m.mounts.map((x) => ({ Source: x.source, Destination: x.dest, Mode: x.mode, RW: x.readWrite, Propagation: x.propagation })),
    },
  });
}

/** A PPME_CONTAINER_JSON_2_E record (ppm header, one 32-bit length, the JSON with its NUL) at time `ts`. */
export function containerEventRecord(m: ContainerMeta, ts: bigint): Uint8Array {
  const json = Buffer.from(`${containerJson(m)}\0`, 'utf8');
  const len = 26 + 4 + json.length;
  const out = new Uint8Array(len);
  const dv = new DataView(out.buffer);
  dv.setBigUint64(0, ts, true);
  dv.setBigUint64(8, NO_TID, true);
  dv.setUint32(16, len, true);
  dv.setUint16(20, CONTAINER_JSON_2_E, true);
  dv.setUint32(22, 1, true);
  dv.setUint32(26, json.length, true);
  out.set(json, 30);
  return out;
}
