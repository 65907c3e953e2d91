// Container and pod metadata from a CRI runtime (containerd's CRI plugin, CRI-O) over its unix socket:
// ContainerStatus(verbose) → PodSandboxStatus → ContainerMeta with its PodMeta. Lifecycle events come from
// GetContainerEvents where the runtime serves it (CRI-O, containerd ≥ 1.7), else from polling ListContainers and
// ListPodSandbox (containerd 1.6 answers GetContainerEvents with UNIMPLEMENTED).
import * as grpc from '@grpc/grpc-js';
import type { ContainerMeta, ImageRef, MountInfo, PodMeta, RuntimeEvent, RuntimeSource } from '../types.js';
import { digestOf, isImageId, parseImageRef } from './image-ref.js';
import { mountFromOptions, mountsFromSpec, privilegedFromSpec, type OciSpec } from './oci-spec.js';
import {
  CHANNEL_OPTIONS, RuntimeError, StreamFollower, criServices, isNotFound, runtimeError, unary, unixTarget,
} from './rpc.js';

export const DEFAULT_CRI_ADDRESS = 'unix:///run/containerd/containerd.sock';

export interface CriRuntimeOptions {
  /** `unix:///run/containerd/containerd.sock` (default), `unix:///var/run/crio/crio.sock`, or a bare socket path. */
  address?: string;
  /** Deadline of each call (default 5000 ms). */
  timeoutMs?: number;
  /**
   * subscribe() without GetContainerEvents: ListContainers/ListPodSandbox every this many ms, lifecycle changes
   * reported as events (default 2000; 0 = no polling, subscribe() delivers nothing on such a runtime).
   */
  pollIntervalMs?: number;
  /** Reconnect backoff of the event stream (defaults 200 ms doubling to 10 s, with jitter). */
  backoffInitialMs?: number;
  backoffMaxMs?: number;
  /** Errors of the background work (event stream, polling); lookups reject instead. */
  onError?: (what: string, e: unknown) => void;
}

// ---- the messages as proto-loader gives them (keepCase, int64 as text, enums by name) ----------------------------

interface CriMount { container_path: string; host_path: string; readonly: boolean; propagation: string }
interface CriContainerStatus {
  id: string;
  metadata: { name: string; attempt: number } | null;
  state: string;
  created_at: string;
  started_at: string;
  image: { image: string } | null;
  image_ref: string;
  image_id: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  mounts: CriMount[];
}
interface CriPodSandboxStatus {
  id: string;
  metadata: { name: string; uid: string; namespace: string } | null;
  state: string;
  created_at: string;
  network: { ip: string } | null;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}
interface CriImage { id: string; repo_tags: string[]; repo_digests: string[] }
/** containerd's and CRI-O's verbose `info` JSON, the members read here. */
interface VerboseInfo {
  sandboxID?: string;
  pid?: number;
  privileged?: boolean;
  config?: { image?: { image?: string }; linux?: { security_context?: { privileged?: boolean } } };
  runtimeSpec?: OciSpec;
}

const PROPAGATION: Record<string, string> = {
  PROPAGATION_PRIVATE: 'private', PROPAGATION_HOST_TO_CONTAINER: 'rslave', PROPAGATION_BIDIRECTIONAL: 'rshared',
};

const EVENT_KINDS: Record<string, RuntimeEvent['kind']> = {
  CONTAINER_CREATED_EVENT: 'create', CONTAINER_STARTED_EVENT: 'start', CONTAINER_STOPPED_EVENT: 'exit', CONTAINER_DELETED_EVENT: 'delete',
};

/** Image facts by image reference; images are few and immutable per id. */
const IMAGE_CACHE_MAX = 256;

function ns(text: string | undefined): bigint {
  try { return BigInt(text ?? '0'); } catch { return 0n; }
}

function parseInfo(info: Record<string, string> | undefined): VerboseInfo {
  const raw = info?.info;
  if (!raw) return {};
  try {
    const v: unknown = JSON.parse(raw);
    return v !== null && typeof v === 'object' ? (v as VerboseInfo) : {};
  } catch {
    return {};
  }
}

/** container.type from VersionResponse.runtime_name (`containerd`, `cri-o`). */
export function containerTypeOf(runtimeName: string): string {
  const n = runtimeName.toLowerCase();
  if (n.includes('containerd')) return 'containerd';
  if (n.includes('cri-o') || n === 'crio') return 'cri-o';
  return n || 'cri';
}

export class CriRuntime implements RuntimeSource {
  readonly name = 'cri';
  readonly address: string;
  private readonly runtime: grpc.Client;
  private readonly images: grpc.Client;
  private readonly timeoutMs: number;
  private typePromise: Promise<string> | undefined;
  private readonly imageCache = new Map<string, CriImage>();
  private closed = false;
  private subscribed = false;
  private follower: { close(): void } | undefined;
  /** The polling timer (runtimes without GetContainerEvents). */
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly opts: CriRuntimeOptions = {}) {
    this.address = unixTarget(opts.address ?? DEFAULT_CRI_ADDRESS);
    this.timeoutMs = opts.timeoutMs ?? 5000;
    const { RuntimeService, ImageService } = criServices();
    const creds = grpc.credentials.createInsecure();
    this.runtime = new RuntimeService(this.address, creds, CHANNEL_OPTIONS);
    // Same target and options: grpc-js shares one subchannel (one connection) between the two clients.
    this.images = new ImageService(this.address, creds, CHANNEL_OPTIONS);
  }

  /**
   * A raw CRI call (request and response in proto-loader's shape: snake_case, int64 as text, enums by name). For
   * tools and tests; rejects with the grpc error as is.
   */
  call<T = Record<string, unknown>>(service: 'runtime' | 'image', method: string, request: unknown, timeoutMs = this.timeoutMs): Promise<T> {
    if (this.closed) return Promise.reject(new RuntimeError('ERUNTIME_CLOSED', `cri ${this.address}: closed`));
    return unary<T>(service === 'runtime' ? this.runtime : this.images, method, request, timeoutMs);
  }

  /** `containerd` or `cri-o` (VersionResponse.runtime_name), asked once; a failed ask is retried next time. */
  containerType(): Promise<string> {
    if (!this.typePromise) {
      this.typePromise = this.call<{ runtime_name: string }>('runtime', 'Version', { version: 'v1' })
        .then((v) => containerTypeOf(v.runtime_name))
        .catch((e) => { this.typePromise = undefined; throw runtimeError(`cri ${this.address}`, 'Version', e); });
    }
    return this.typePromise;
  }

  async container(id: string): Promise<ContainerMeta | null> {
    const who = `cri ${this.address}`;
    if (this.closed) throw new RuntimeError('ERUNTIME_CLOSED', `${who}: closed`);
    let resp: { status: CriContainerStatus | null; info: Record<string, string> };
    try {
      resp = await this.call('runtime', 'ContainerStatus', { container_id: id, verbose: true });
    } catch (e) {
      // Sandboxes are containers to the kernel (the pause process has its own cgroup) but not to CRI.
      if (isNotFound(e)) return this.sandboxAsContainer(id);
      throw runtimeError(who, 'ContainerStatus', e);
    }
    const st = resp.status;
    if (!st) return null;
    const info = parseInfo(resp.info);
    const type = await this.containerType();

    let sandboxId = info.sandboxID ?? '';
    if (!sandboxId) sandboxId = await this.sandboxIdOf(st.id);
    const [pod, image] = await Promise.all([sandboxId ? this.pod(sandboxId) : undefined, this.imageOf(st, info)]);

    return {
      id: st.id,
      name: st.metadata?.name ?? '',
      type,
      image,
      labels: st.labels ?? {},
      privileged: this.privileged(info),
      mounts: this.mounts(st.mounts ?? [], info.runtimeSpec),
      startTs: ns(st.started_at) || ns(st.created_at),
      ip: pod?.ip ?? '',
      ...(sandboxId ? { sandboxId } : {}),
      ...(pod ? { pod } : {}),
    };
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
    if (this.timer) clearTimeout(this.timer);
    this.runtime.close();
    this.images.close();
  }

  // ---- lookups ---------------------------------------------------------------------------------------------------

  /** ListContainers filtered by id: the sandbox of a container when the verbose info did not say. */
  private async sandboxIdOf(containerId: string): Promise<string> {
    try {
      const r = await this.call<{ containers: Array<{ pod_sandbox_id: string }> }>('runtime', 'ListContainers', { filter: { id: containerId } });
      return r.containers[0]?.pod_sandbox_id ?? '';
    } catch (e) {
      throw runtimeError(`cri ${this.address}`, 'ListContainers', e);
    }
  }

  private async sandboxStatus(sandboxId: string): Promise<CriPodSandboxStatus | undefined> {
    try {
      const r = await this.call<{ status: CriPodSandboxStatus | null }>('runtime', 'PodSandboxStatus', { pod_sandbox_id: sandboxId });
      return r.status ?? undefined;
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw runtimeError(`cri ${this.address}`, 'PodSandboxStatus', e);
    }
  }

  private async pod(sandboxId: string): Promise<PodMeta | undefined> {
    const s = await this.sandboxStatus(sandboxId);
    return s ? podOf(s) : undefined;
  }

  /** A pod sandbox id asked as a container: named after its pod, no image, the pod's labels (as Falco does). */
  private async sandboxAsContainer(id: string): Promise<ContainerMeta | null> {
    const s = await this.sandboxStatus(id);
    if (!s) return null;
    const pod = podOf(s);
    return {
      id: s.id, name: pod.name, type: await this.containerType(),
      image: { name: '', repository: '', tag: '', digest: '', id: '' },
      labels: s.labels ?? {}, privileged: false, mounts: [], startTs: ns(s.created_at), ip: pod.ip,
      sandboxId: s.id, pod,
    };
  }

  /**
   * container.image: status.image.image (containerd puts the first repo tag there), else the create config's image
   * (verbose info), else the image's first repo tag. The id is status.image_id, else image_ref when it is an id
   * (containerd 1.6), else ImageStatus; the digest is image_ref's when it is digested, else the reference's own,
   * else the image's repo digest for the same repository.
   */
  private async imageOf(st: CriContainerStatus, info: VerboseInfo): Promise<ImageRef> {
    const ref = st.image_ref ?? '';
    let name = st.image?.image ?? '';
    if (!name || isImageId(name)) name = info.config?.image?.image ?? name;
    let id = st.image_id || (isImageId(ref) ? ref : '');
    let digest = digestOf(ref) || digestOf(name);
    const named = () => name !== '' && !isImageId(name);
    if (!named() || !id || !digest) {
      const img = await this.imageStatus(ref || name);
      if (img) {
        if (!named() && img.repo_tags.length > 0) name = img.repo_tags[0]!;
        id ||= img.id;
        if (!digest && named()) {
          const repository = parseImageRef(name).repository;
          digest = digestOf(img.repo_digests.find((d) => parseImageRef(d).repository === repository) ?? '');
        }
      }
    }
    const parts = named() ? parseImageRef(name) : { repository: '', tag: '' };
    return { name, repository: parts.repository, tag: parts.tag, digest, id };
  }

  private async imageStatus(ref: string): Promise<CriImage | null> {
    if (!ref) return null;
    const cached = this.imageCache.get(ref);
    if (cached) return cached;
    let img: CriImage | null;
    try {
      const r = await this.call<{ image: CriImage | null }>('image', 'ImageStatus', { image: { image: ref } });
      img = r.image ?? null;
    } catch (e) {
      if (!isNotFound(e)) throw runtimeError(`cri ${this.address}`, 'ImageStatus', e);
      img = null;
    }
    // Only hits are kept: an image pulled later under the same reference must be found.
    if (img) {
      if (this.imageCache.size >= IMAGE_CACHE_MAX) this.imageCache.delete(this.imageCache.keys().next().value!);
      this.imageCache.set(ref, img);
    }
    return img;
  }

  /** CRI-O says `privileged`; containerd keeps the create config; else the runtime spec decides. */
  private privileged(info: VerboseInfo): boolean {
    if (typeof info.privileged === 'boolean') return info.privileged;
    const sc = info.config?.linux?.security_context;
    if (sc && typeof sc.privileged === 'boolean') return sc.privileged;
    if (info.config) return false;
    return privilegedFromSpec(info.runtimeSpec);
  }

  /**
   * The CRI mounts (the pod's volumes; not /proc, /dev, … which Falco's CRI engine leaves out too), with the mount
   * options of the runtime spec's entry for the same destination as the mode.
   */
  private mounts(mounts: readonly CriMount[], spec: OciSpec | undefined): MountInfo[] {
    const byDest = new Map(mountsFromSpec(spec).map((m) => [m.dest, m]));
    return mounts.map((m) => {
      const fromSpec = byDest.get(m.container_path);
      const base = fromSpec ?? mountFromOptions(m.host_path, m.container_path, undefined);
      return {
        source: m.host_path, dest: m.container_path, mode: base.mode, readWrite: !m.readonly,
        propagation: PROPAGATION[m.propagation] ?? '',
      };
    });
  }

  // ---- lifecycle events --------------------------------------------------------------------------------------------

  private openEvents(onEvent: (e: RuntimeEvent) => void): void {
    this.follower = new StreamFollower<{ container_id: string; container_event_type: string }>({
      who: `cri ${this.address}`, method: 'GetContainerEvents', onError: this.opts.onError,
      backoffInitialMs: this.opts.backoffInitialMs, backoffMaxMs: this.opts.backoffMaxMs,
      open: () => (this.runtime as unknown as { GetContainerEvents(req: unknown): grpc.ClientReadableStream<unknown> }).GetContainerEvents({}),
      onData: (m) => {
        const kind = EVENT_KINDS[m.container_event_type];
        if (kind && m.container_id) onEvent({ kind, id: m.container_id });
      },
      // containerd 1.6 has no GetContainerEvents: poll instead (unless polling is off).
      stopOn: (e) => {
        if (e.code !== grpc.status.UNIMPLEMENTED) return false;
        if ((this.opts.pollIntervalMs ?? 2000) > 0) this.startPolling(onEvent);
        return true;
      },
    });
  }

  /**
   * Polling: the first listing is the baseline (no events: what already runs is learned on demand); after it, a new
   * container gives create (and start when running, exit when exited), a state change start or exit, a vanished one
   * delete. Sandboxes alike (READY → NOTREADY is their exit). A failed listing keeps the last one.
   */
  private startPolling(onEvent: (e: RuntimeEvent) => void): void {
    const interval = this.opts.pollIntervalMs ?? 2000;
    let last: Map<string, string> | undefined;
    const tick = async (): Promise<void> => {
      if (this.closed) return;
      try {
        const [cs, ps] = await Promise.all([
          this.call<{ containers: Array<{ id: string; state: string }> }>('runtime', 'ListContainers', { filter: {} }),
          this.call<{ items: Array<{ id: string; state: string }> }>('runtime', 'ListPodSandbox', { filter: {} }),
        ]);
        const now = new Map<string, string>();
        for (const c of cs.containers) now.set(c.id, c.state);
        for (const p of ps.items) now.set(p.id, p.state === 'SANDBOX_READY' ? 'CONTAINER_RUNNING' : 'CONTAINER_EXITED');
        if (last && !this.closed) for (const e of diffStates(last, now)) onEvent(e);
        last = now;
      } catch (e) {
        if (!this.closed) this.opts.onError?.(`cri ${this.address}: polling`, runtimeError(`cri ${this.address}`, 'ListContainers', e));
      }
      if (this.closed) return;
      this.timer = setTimeout(() => void tick(), interval);
      this.timer.unref();
    };
    void tick();
  }
}

/** Lifecycle events between two listings (id → CRI ContainerState name). */
export function diffStates(before: ReadonlyMap<string, string>, after: ReadonlyMap<string, string>): RuntimeEvent[] {
  const out: RuntimeEvent[] = [];
  for (const [id, state] of after) {
    const was = before.get(id);
    if (was === undefined) {
      out.push({ kind: 'create', id });
      if (state === 'CONTAINER_RUNNING') out.push({ kind: 'start', id });
      else if (state === 'CONTAINER_EXITED') out.push({ kind: 'exit', id });
    } else if (was !== state) {
      if (state === 'CONTAINER_RUNNING') out.push({ kind: 'start', id });
      else if (state === 'CONTAINER_EXITED') out.push({ kind: 'exit', id });
    }
  }
  for (const id of before.keys()) if (!after.has(id)) out.push({ kind: 'delete', id });
  return out;
}

function podOf(s: CriPodSandboxStatus): PodMeta {
  return {
    uid: s.metadata?.uid ?? '', name: s.metadata?.name ?? '', namespace: s.metadata?.namespace ?? '',
    labels: s.labels ?? {}, annotations: s.annotations ?? {}, ip: s.network?.ip ?? '',
    serviceAccount: '', node: '', sandboxId: s.id,
  };
}
