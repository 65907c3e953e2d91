// What the enrichment stage learns about a container and its pod, and the two kinds of source it learns from:
// the container runtime (CRI RuntimeService, containerd's own API) and the Kubernetes API (a watch on this
// node's pods). Sources only fetch and translate; the store (store.ts) caches, merges and evicts.

/** An image reference split as Falco's container plugin splits it. */
export interface ImageRef {
  /** As the runtime reports it, e.g. `docker.io/library/nginx:1.27` (container.image). */
  name: string;
  /** `docker.io/library/nginx` (container.image.repository). */
  repository: string;
  /** `1.27` ('' when the reference has none). */
  tag: string;
  /** `sha256:…` registry digest ('' when unknown). */
  digest: string;
  /** Image id (config digest, `sha256:…`; '' when unknown). */
  id: string;
}

/** One mount of the container's OCI spec (container.mounts / container.mount.*). */
export interface MountInfo {
  source: string;
  dest: string;
  /** Mount options the runtime reports as the mode (e.g. `rbind,ro`), '' when none. */
  mode: string;
  readWrite: boolean;
  /** `private`, `rprivate`, `rshared`, `rslave`, … ('' when unset). */
  propagation: string;
}

export interface OwnerRef { kind: string; name: string }

export interface PodMeta {
  uid: string;
  name: string;
  namespace: string;
  labels: Readonly<Record<string, string>>;
  annotations: Readonly<Record<string, string>>;
  /** Pod IP ('' until assigned). */
  ip: string;
  serviceAccount: string;
  node: string;
  /** The pod's controller (ReplicaSet, DaemonSet, Job, …) as ownerReferences give it. */
  owner?: OwnerRef;
  /** The workload that owns the controller: a ReplicaSet with a pod-template-hash belongs to a Deployment, a Job
   *  named `<cronjob>-<minutes>` to a CronJob; otherwise the controller itself. */
  workload?: OwnerRef;
  /** CRI pod sandbox id (64 hex) when the runtime told us. */
  sandboxId?: string;
}

export interface ContainerMeta {
  /** Full id (64 hex for CRI containers). */
  id: string;
  name: string;
  /** container.type: `containerd`, `cri-o`, `docker`, … */
  type: string;
  image: ImageRef;
  labels: Readonly<Record<string, string>>;
  privileged: boolean;
  mounts: readonly MountInfo[];
  /** Start (or creation, when not started) time, ns since the epoch; 0n when unknown. */
  startTs: bigint;
  /** Container IP: the pod's, for CRI containers ('' when unknown). */
  ip: string;
  /** CRI pod sandbox id, when the container belongs to a pod. */
  sandboxId?: string;
  /** The pod, as far as the runtime knows it (CRI sandbox metadata and labels); the Kubernetes watch adds to it. */
  pod?: PodMeta;
}

/** Container lifecycle seen by a runtime (eager learning and eviction). */
export interface RuntimeEvent {
  kind: 'create' | 'start' | 'exit' | 'delete';
  /** Full container id (or sandbox id: sandboxes are containers to the runtime). */
  id: string;
}

/** A container runtime the sensor asks over its unix socket. */
export interface RuntimeSource {
  /** For logs and metrics: `cri`, `containerd`. */
  readonly name: string;
  /**
   * Everything the runtime knows about a container, by full id or a unique prefix; null when it does not know
   * it (NotFound). Rejects on transport errors (the caller retries with backoff).
   */
  container(id: string): Promise<ContainerMeta | null>;
  /** Starts delivering lifecycle events; reconnects on its own until close(). */
  subscribe(onEvent: (e: RuntimeEvent) => void): void;
  close(): Promise<void>;
}

/** Pods of this node from the Kubernetes API. */
export interface PodSource {
  /** Lists, then watches; resolves once the first list is in. */
  start(): Promise<void>;
  /** The pod a container belongs to (status.containerStatuses[].containerID, full id). */
  podByContainer(containerId: string): PodMeta | undefined;
  podByUid(uid: string): PodMeta | undefined;
  /** Called when a pod is added or updated (with the container ids it now lists) and when it is deleted. */
  onChange(cb: (kind: 'upsert' | 'delete', pod: PodMeta, containerIds: readonly string[]) => void): void;
  /** Number of pods held (churn checks). */
  readonly size: number;
  /** The first list is in. Before that (or when the configuration is broken) no event waits for the watch. */
  readonly listed: boolean;
  close(): Promise<void>;
}

/**
 * The CRI sockets tried, in order, when none is given (containerd, CRI-O, k3s' containerd). Here, in a module with
 * no imports, so the command line's help can name them without loading the enrichment stage.
 */
export const CRI_SOCKETS: readonly string[] = ['/run/containerd/containerd.sock', '/var/run/crio/crio.sock', '/run/k3s/containerd/containerd.sock'];
