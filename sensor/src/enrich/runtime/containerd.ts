// Container metadata and lifecycle events from containerd's own API (not CRI): Containers/Get in the configured
// namespaces (`containerd-namespace` header; k8s.io by default, `default` for ctr containers when asked), the OCI
// spec inside for mounts and privilege, and Events/Subscribe for create/start/exit/delete, reconnecting with capped
// exponential backoff and jitter until close(). Works for containers CRI never saw (ctr, nerdctl, BuildKit).
import * as grpc from '@grpc/grpc-js';
import type { ContainerMeta, ImageRef, PodMeta, RuntimeEvent, RuntimeSource } from '../types.js';
import { DEFAULT_CRI_ADDRESS } from './cri.js';
import { isImageId, parseImageRef } from './image-ref.js';
import { mountsFromSpec, parseSpec, privilegedFromSpec, type OciSpec } from './oci-spec.js';
import {
  CHANNEL_OPTIONS, RuntimeError, StreamFollower, containerdServices, isNotFound, runtimeError, timestampNs, unary, unixTarget,
} from './rpc.js';

export interface ContainerdRuntimeOptions {
  /** Default `unix:///run/containerd/containerd.sock`; a bare path works too. */
  address?: string;
  /** containerd namespaces asked, in order (default ['k8s.io']; add 'default' for `ctr run` containers). */
  namespaces?: readonly string[];
  /** Deadline of each call (default 5000 ms). */
  timeoutMs?: number;
  /** Event stream reconnect backoff (defaults 200 ms doubling to 10 s; each delay drawn from [b/2, b]). */
  backoffInitialMs?: number;
  backoffMaxMs?: number;
  /** Errors of the event stream (lookups reject instead). */
  onError?: (what: string, e: unknown) => void;
}

/** The OCI spec's Any type on runc-style runtimes; its value is the spec as JSON. */
export const OCI_SPEC_TYPE_URL = 'types.containerd.io/opencontainers/runtime-spec/1/Spec';
/** The CRI plugin's own record of a container, a JSON extension of the containerd container. */
const CRI_CONTAINER_EXTENSION = 'io.cri-containerd.container.metadata';
const CRI_SANDBOX_EXTENSION = 'io.cri-containerd.sandbox.metadata';

interface Any { type_url?: string; value?: Buffer | Uint8Array; '@type'?: string; [k: string]: unknown }
interface ContainerdContainer {
  id: string;
  labels: Record<string, string>;
  image: string;
  runtime: { name: string } | null;
  spec: Any | null;
  snapshotter: string;
  created_at: { seconds: string; nanos: number } | null;
  extensions: Record<string, Any>;
}
/** The CRI plugin's container/sandbox metadata extension (JSON `{Version, Metadata}`), the members read here. */
interface CriExtension {
  Metadata?: { ID?: string; Name?: string; SandboxID?: string; ImageRef?: string; Config?: { annotations?: Record<string, string> }; IP?: string };
}

/** Topics delivered to subscribe(), by payload type. */
const TOPICS = ['/containers/create', '/containers/delete', '/tasks/start', '/tasks/exit', '/tasks/delete'];
/** Exits remembered (to drop the TaskDelete after a TaskExit of the same container), at most. */
const EXITED_MAX = 4096;

function jsonOf<T>(a: Any | undefined): T | undefined {
  if (!a?.value || a.value.length === 0) return undefined;
  try { return JSON.parse(Buffer.from(a.value).toString('utf8')) as T; } catch { return undefined; }
}

function isHexPrefix(id: string): boolean {
  return id.length > 0 && id.length < 64 && /^[0-9a-f]+$/.test(id);
}

export class ContainerdRuntime implements RuntimeSource {
  readonly name = 'containerd';
  readonly address: string;
  readonly namespaces: readonly string[];
  private readonly containers: grpc.Client;
  private readonly events: grpc.Client;
  private readonly timeoutMs: number;
  private closed = false;
  private subscribed = false;
  private follower: { close(): void } | undefined;
  private readonly exited = new Set<string>();

  constructor(private readonly opts: ContainerdRuntimeOptions = {}) {
    this.address = unixTarget(opts.address ?? DEFAULT_CRI_ADDRESS);
    this.namespaces = opts.namespaces && opts.namespaces.length > 0 ? [...opts.namespaces] : ['k8s.io'];
    this.timeoutMs = opts.timeoutMs ?? 5000;
    const { Containers, Events } = containerdServices();
    const creds = grpc.credentials.createInsecure();
    this.containers = new Containers(this.address, creds, CHANNEL_OPTIONS);
    this.events = new Events(this.address, creds, CHANNEL_OPTIONS);
  }

  async container(id: string): Promise<ContainerMeta | null> {
    if (this.closed) throw new RuntimeError('ERUNTIME_CLOSED', `containerd ${this.address}: closed`);
    for (const ns of this.namespaces) {
      const c = await this.get(ns, id);
      if (c) return this.translate(ns, c);
    }
    return null;
  }

  subscribe(onEvent: (e: RuntimeEvent) => void): void {
    if (this.subscribed || this.closed) return;
    this.subscribed = true;
    this.openEvents(onEvent);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.follower?.close();
    this.containers.close();
    this.events.close();
  }

  // ---- lookups ---------------------------------------------------------------------------------------------------

  private metadata(ns: string): grpc.Metadata {
    const md = new grpc.Metadata();
    md.set('containerd-namespace', ns);
    return md;
  }

  /** Containers/Get by full id; a short hex id is matched as a unique prefix with List (`id~=^prefix`). */
  private async get(ns: string, id: string): Promise<ContainerdContainer | undefined> {
    const who = `containerd ${this.address} (namespace ${ns})`;
    try {
      const r = await unary<{ container: ContainerdContainer | null }>(this.containers, 'Get', { id }, this.timeoutMs, this.metadata(ns));
      return r.container ?? undefined;
    } catch (e) {
      if (!isNotFound(e)) throw runtimeError(who, 'Containers/Get', e);
    }
    if (!isHexPrefix(id)) return undefined;
    try {
      const r = await unary<{ containers: ContainerdContainer[] }>(this.containers, 'List', { filters: [`id~="^${id}"`] }, this.timeoutMs, this.metadata(ns));
      return r.containers.length === 1 ? r.containers[0] : undefined;
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw runtimeError(who, 'Containers/List', e);
    }
  }

  /**
   * containerd's record → ContainerMeta. CRI-made containers carry the kubelet's io.kubernetes.* labels (pod name,
   * namespace, uid, container name) and the CRI plugin's spec annotations (sandbox id, image name); the pod's own
   * labels are on the sandbox's record, asked for when the sandbox id is known. Others are named by their id.
   * containerd keeps no start time: startTs is the creation time.
   */
  private async translate(ns: string, c: ContainerdContainer): Promise<ContainerMeta> {
    const labels = c.labels ?? {};
    const spec: OciSpec | undefined = c.spec?.type_url === OCI_SPEC_TYPE_URL || c.spec?.type_url?.endsWith('/Spec') ? parseSpec(c.spec.value) : undefined;
    const ann = spec?.annotations ?? {};
    const isSandbox = labels['io.cri-containerd.kind'] === 'sandbox' || ann['io.kubernetes.cri.container-type'] === 'sandbox';
    const ext = jsonOf<CriExtension>(c.extensions?.[isSandbox ? CRI_SANDBOX_EXTENSION : CRI_CONTAINER_EXTENSION])?.Metadata;
    const sandboxId = isSandbox ? c.id : (ann['io.kubernetes.cri.sandbox-id'] ?? ext?.SandboxID ?? '');

    const imageName = !c.image || isImageId(c.image) ? (ann['io.kubernetes.cri.image-name'] ?? c.image ?? '') : c.image;
    const parts = isImageId(imageName) ? { repository: '', tag: '', digest: '' } : parseImageRef(imageName);
    const imageId = ext?.ImageRef && isImageId(ext.ImageRef) ? ext.ImageRef : isImageId(c.image) ? c.image : '';
    const image: ImageRef = { name: imageName, repository: parts.repository, tag: parts.tag, digest: parts.digest, id: imageId };

    let pod: PodMeta | undefined;
    const podName = labels['io.kubernetes.pod.name'] ?? ann['io.kubernetes.cri.sandbox-name'];
    if (podName !== undefined) {
      pod = {
        uid: labels['io.kubernetes.pod.uid'] ?? ann['io.kubernetes.cri.sandbox-uid'] ?? '',
        name: podName,
        namespace: labels['io.kubernetes.pod.namespace'] ?? ann['io.kubernetes.cri.sandbox-namespace'] ?? '',
        labels: {}, annotations: {}, ip: '', serviceAccount: '', node: '',
        ...(sandboxId ? { sandboxId } : {}),
      };
      const sandbox = isSandbox ? c : sandboxId ? await this.get(ns, sandboxId).catch(() => undefined) : undefined;
      if (sandbox) {
        const sext = jsonOf<CriExtension>(sandbox.extensions?.[CRI_SANDBOX_EXTENSION])?.Metadata;
        pod.labels = withoutCriLabels(sandbox.labels ?? {});
        pod.annotations = sext?.Config?.annotations ?? {};
        pod.ip = sext?.IP ?? '';
      }
    }

    const name = isSandbox ? (podName ?? c.id) : (labels['io.kubernetes.container.name'] ?? ann['io.kubernetes.cri.container-name'] ?? ext?.Name ?? c.id);
    return {
      id: c.id, name, type: 'containerd', image, labels: withoutCriLabels(labels), privileged: privilegedFromSpec(spec), mounts: mountsFromSpec(spec),
      startTs: timestampNs(c.created_at), ip: pod?.ip ?? '',
      ...(sandboxId ? { sandboxId } : {}),
      ...(pod ? { pod } : {}),
    };
  }

  // ---- events --------------------------------------------------------------------------------------------------------

  private openEvents(onEvent: (e: RuntimeEvent) => void): void {
    // Filters are ORed: one per namespace, each restricted to the topics handled here.
    const topicRe = `^(${TOPICS.join('|')})$`;
    const filters = this.namespaces.map((ns) => `namespace==${ns},topic~="${topicRe}"`);
    this.follower = new StreamFollower<{ topic: string; namespace: string; event: Any | null }>({
      who: `containerd ${this.address}`, method: 'Events/Subscribe', onError: this.opts.onError,
      backoffInitialMs: this.opts.backoffInitialMs, backoffMaxMs: this.opts.backoffMaxMs,
      open: () => (this.events as unknown as { Subscribe(req: unknown): grpc.ClientReadableStream<unknown> }).Subscribe({ filters }),
      onData: (env) => {
        const e = this.eventOf(env.topic, env.event);
        if (e) onEvent(e);
      },
    });
  }

  /**
   * Envelope → RuntimeEvent. Exits count for the init process only (exec'd processes exit under the same container
   * id). /tasks/delete of the init process stands for an exit only when its /tasks/exit was not seen (a reconnect
   * gap): containerd publishes both.
   */
  private eventOf(topic: string, ev: Any | null): RuntimeEvent | undefined {
    if (!ev) return undefined;
    const str = (k: string) => (typeof ev[k] === 'string' ? (ev[k] as string) : '');
    switch (topic) {
      case '/containers/create': return str('id') ? { kind: 'create', id: str('id') } : undefined;
      case '/containers/delete':
        this.exited.delete(str('id'));
        return str('id') ? { kind: 'delete', id: str('id') } : undefined;
      case '/tasks/start':
        this.exited.delete(str('container_id'));
        return str('container_id') ? { kind: 'start', id: str('container_id') } : undefined;
      case '/tasks/exit': {
        const id = str('container_id');
        if (!id || (str('id') !== '' && str('id') !== id)) return undefined;
        this.noteExit(id);
        return { kind: 'exit', id };
      }
      case '/tasks/delete': {
        const id = str('container_id');
        if (!id || (str('id') !== '' && str('id') !== id) || this.exited.has(id)) return undefined;
        this.noteExit(id);
        return { kind: 'exit', id };
      }
      default: return undefined;
    }
  }

  private noteExit(id: string): void {
    if (this.exited.size >= EXITED_MAX) this.exited.delete(this.exited.values().next().value!);
    this.exited.add(id);
  }
}

/** Without the CRI plugin's own labels (io.cri-containerd.kind): what CRI reports, the kubelet's and the pod's. */
function withoutCriLabels(labels: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(labels)) if (!k.startsWith('io.cri-containerd.')) out[k] = v;
  return out;
}
