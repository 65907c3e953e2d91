// The pods of this node from the Kubernetes API: a list (the first from the API server's watch cache, relists
// consistent and paged), then a watch resumed from the last resourceVersion it saw (events and bookmarks),
// relisting only when the server says that version is gone (410); failures retried with jittered backoff.
// Held by pod uid and by container id; memory follows the node's pods (a deleted pod leaves nothing behind).
//
// What @kubernetes/client-node 1.4.0 does here, and what this file adds. The library gives the configuration
// (kubeconfig, in-cluster service account, exec/OIDC/token-file auth, TLS agents) and the watch transport (`Watch`:
// one streaming request, JSON lines → callback, an AbortController). Its ListWatch informer is not used, because
// in 1.4.0 it:
//  - never retries an error: a failed list or a watch that ends with an error fires 'error' and stops for good
//    (the caller must start() it again), while a clean end restarts at once, in a hot loop if the server keeps
//    closing; there is no backoff anywhere;
//  - does not ask for bookmarks (allowWatchBookmarks is not sent, although its handler would use them), so a
//    watch filtered to one node resumes from its last event's version and hits 410 far more often;
//  - opens the watch after a list even when stop() was called during that list (a connection left behind);
//  - keys objects by namespace/name, so a pod re-created under the same name (StatefulSets) is an 'update';
//  - counts nothing.
// `Watch` itself has no timeout (the AbortSignal.timeout(30 s) it makes is overwritten before use), so a watch
// here asks the server for timeoutSeconds and is abandoned by a guard timer when the server stays silent past it.
// So this file runs its own reflector loop around `Watch`, and lists itself (a plain GET with the library's
// auth and agent, `limit`/`continue` pages) so the list is abortable, bounded in time and returns the same raw
// JSON the watch does. Every request's agent is remembered until the request ends, so close() can destroy a
// connection still being set up (Watch does not expose its request before the response headers arrive).
import http from 'node:http';
import https from 'node:https';
import type { KubeConfig, Watch } from '@kubernetes/client-node';
import type { OwnerRef, PodMeta, PodSource } from '../types.js';
import { Backoff } from '../../output/backoff.js';

// ---- configuration -----------------------------------------------------------------------------------------------

/** Where the API server and credentials come from. */
export type KubeAccess =
  /** A kubeconfig file (its current context, or `context`). */
  | { kind: 'kubeconfig'; path: string; context?: string }
  /** The pod's service account: KUBERNETES_SERVICE_HOST/PORT and /var/run/secrets/kubernetes.io/serviceaccount/
   *  (`rootPrefix` is prepended to that path; tests use it). */
  | { kind: 'in-cluster'; rootPrefix?: string }
  /** client-node's loadFromDefault: $KUBECONFIG, ~/.kube/config, then in-cluster. */
  | { kind: 'default' };

export interface KubePodSourceOptions {
  /** This node's name as the API knows it (the downward API's spec.nodeName). */
  node: string;
  access: KubeAccess;
  /** Pods per list page (default 500, client-go's pager size). */
  pageSize?: number;
  /**
   * The first list asks for resourceVersion=0 (default true): the API server answers from its watch cache, as it
   * does for kubelet and client-go informers, instead of reading every pod of the cluster from etcd and filtering
   * by node (what a consistent list costs, once per node when a DaemonSet restarts). Such a list may be slightly
   * stale (the watch then catches up) and the cache may ignore `limit`. Relists after a 410 are consistent reads,
   * paged, since they must not go back in time.
   */
  firstListFromCache?: boolean;
  /** First delay after a failure (default 200 ms); doubles per consecutive failure up to maxBackoffMs. */
  initialBackoffMs?: number;
  /** Cap of the retry delay (default 30 s). */
  maxBackoffMs?: number;
  /** Server-side watch timeout (default: random in [300, 600) s per watch, as client-go's reflector does). */
  watchTimeoutSeconds?: number;
  /** A list page not answered within this is abandoned and retried (default 60 s). */
  requestTimeoutMs?: number;
  /** Annotations not kept (default: kubectl's last-applied-configuration, often kilobytes per pod). */
  dropAnnotations?: readonly string[];
  /** Called once per failure (each is followed by a backoff delay, so at most one per delay). */
  onError?: (what: string, e: unknown) => void;
  /** Jitter source in [0, 1) (tests). */
  random?: () => number;
}

export type KubeErrorCode =
  | 'ECONFIG'       // no usable configuration (file missing, no cluster, plain http without skip-tls-verify)
  | 'EHTTP'         // the server answered with an error status (Status body's reason/message kept)
  | 'ETIMEOUT'      // a list page took longer than requestTimeoutMs
  | 'EBADRESPONSE'  // a 200 whose body is not a PodList
  | 'ECLOSED';      // the source was closed while a request was under way

export class KubeApiError extends Error {
  readonly code: KubeErrorCode;
  /** HTTP status (or Status.code of a watch ERROR event). */
  readonly status: number | undefined;
  /** Status.reason, e.g. `Expired`, `Forbidden`. */
  readonly reason: string | undefined;

  constructor(code: KubeErrorCode, message: string, status?: number, reason?: string) {
    super(message);
    this.name = 'KubeApiError';
    this.code = code;
    this.status = status;
    this.reason = reason;
  }
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export interface KubePodSourceStats {
  pods: number;
  containers: number;
  /** Last resourceVersion seen (list, event or bookmark); a resumed watch starts from it. */
  resourceVersion: string;
  /** The first list is in. */
  synced: boolean;
  /** Complete lists (every page). */
  lists: number;
  listPages: number;
  /** Lists forced by 410 Gone/Expired on a watch (the first list is not one). */
  relists: number;
  /** Watch requests made. */
  watches: number;
  /** Watches resumed from the previous watch's resourceVersion (not straight after a list). */
  watchRestarts: number;
  events: Record<WatchEventType, number>;
  /** Failed requests, error events, unusable responses. */
  errors: number;
  /** onChange callbacks that threw. */
  callbackErrors: number;
  lastError: string;
  /** The last retry delay chosen (ms). */
  lastBackoffMs: number;
}

// ---- the pod as the API serves it (the fields read here) -----------------------------------------------------------

interface KubeContainerStatus {
  containerID?: string;
  lastState?: { terminated?: { containerID?: string } };
}

export interface KubePod {
  metadata?: {
    uid?: string;
    name?: string;
    namespace?: string;
    resourceVersion?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    ownerReferences?: { kind?: string; name?: string; controller?: boolean }[];
  };
  spec?: { nodeName?: string; serviceAccountName?: string; serviceAccount?: string };
  status?: {
    podIP?: string;
    containerStatuses?: KubeContainerStatus[];
    initContainerStatuses?: KubeContainerStatus[];
    ephemeralContainerStatuses?: KubeContainerStatus[];
  };
}

interface KubeStatus { kind?: string; code?: number; reason?: string; message?: string }

interface PodList {
  metadata?: { resourceVersion?: string; continue?: string };
  items?: KubePod[];
}

// ---- V1Pod → PodMeta -----------------------------------------------------------------------------------------------

const DEFAULT_DROPPED_ANNOTATIONS = ['kubectl.kubernetes.io/last-applied-configuration'];

/** `containerd://<id>`, `cri-o://<id>`, `docker://<id>` → `<id>` (an id without a scheme is returned as is). */
export function containerIdOf(statusId: string): string {
  const i = statusId.indexOf('://');
  return i < 0 ? statusId : statusId.slice(i + 3);
}

/** Every container id a pod's status names: containers, init and ephemeral containers, and the previous
 *  instance of a restarted container (lastState.terminated), whose late events still belong to the pod. */
export function containerIdsOf(pod: KubePod): string[] {
  const ids = new Set<string>();
  const st = pod.status;
  for (const list of [st?.containerStatuses, st?.initContainerStatuses, st?.ephemeralContainerStatuses]) {
    if (!Array.isArray(list)) continue;
    for (const cs of list) {
      if (cs?.containerID) ids.add(containerIdOf(cs.containerID));
      const last = cs?.lastState?.terminated?.containerID;
      if (last) ids.add(containerIdOf(last));
    }
  }
  ids.delete('');
  return [...ids];
}

// The CronJob controller names its Jobs `<cronjob>-<scheduled time in minutes since the epoch>`; 8 digits cover
// 1990-2160, and a value before 2015 (CronJob did not exist) is taken as a name that merely ends in digits.
const CRON_JOB_NAME = /^(.{1,52})-(\d{8})$/;
const CRON_MINUTES_MIN = Date.UTC(2015, 0, 1) / 60_000;

/**
 * The workload behind a pod's controller, from what the pod object carries (no extra API calls):
 *  - ReplicaSet `<d>-<h>` and the pod's label pod-template-hash=<h> → Deployment `<d>`;
 *  - Job `<c>-<8 digits>` whose digits are a plausible schedule time (minutes since the epoch, 2015 or later)
 *    → CronJob `<c>` (a pod carries no CronJob label or annotation: the scheduled-timestamp annotation is on the
 *    Job only, so its name is the evidence there is; a hand-made Job named like that is misread);
 *  - anything else (DaemonSet, StatefulSet, a bare Job, Node for static pods, custom controllers) → itself.
 */
export function workloadOf(owner: OwnerRef | undefined, labels: Readonly<Record<string, string>>): OwnerRef | undefined {
  if (!owner) return undefined;
  if (owner.kind === 'ReplicaSet') {
    const hash = labels['pod-template-hash'];
    if (hash && owner.name.length > hash.length + 1 && owner.name.endsWith(`-${hash}`)) {
      return { kind: 'Deployment', name: owner.name.slice(0, owner.name.length - hash.length - 1) };
    }
    return owner;
  }
  if (owner.kind === 'Job') {
    const m = CRON_JOB_NAME.exec(owner.name);
    if (m && Number(m[2]) >= CRON_MINUTES_MIN) return { kind: 'CronJob', name: m[1]! };
  }
  return owner;
}

/** A pod's metadata as the enrichment stage keeps it, or undefined when it has no uid. */
export function podMetaOf(pod: KubePod, dropAnnotations: ReadonlySet<string> = new Set(DEFAULT_DROPPED_ANNOTATIONS)): PodMeta | undefined {
  const md = pod.metadata;
  if (!md?.uid) return undefined;
  const labels = Object.freeze({ ...(md.labels ?? {}) });
  const annotations: Record<string, string> = {};
  for (const [k, v] of Object.entries(md.annotations ?? {})) if (!dropAnnotations.has(k)) annotations[k] = v;
  const meta: PodMeta = {
    uid: md.uid,
    name: md.name ?? '',
    namespace: md.namespace ?? '',
    labels,
    annotations: Object.freeze(annotations),
    ip: pod.status?.podIP ?? '',
    serviceAccount: pod.spec?.serviceAccountName ?? pod.spec?.serviceAccount ?? '',
    node: pod.spec?.nodeName ?? '',
  };
  const ctl = md.ownerReferences?.find((o) => o?.controller === true && o.kind && o.name);
  if (ctl) {
    meta.owner = { kind: ctl.kind!, name: ctl.name! };
    const workload = workloadOf(meta.owner, labels);
    if (workload) meta.workload = workload;
  }
  return Object.freeze(meta);
}

// ---- the source ----------------------------------------------------------------------------------------------------

interface HeldPod {
  meta: PodMeta;
  containerIds: readonly string[];
  resourceVersion: string;
}

type ChangeListener = (kind: 'upsert' | 'delete', pod: PodMeta, containerIds: readonly string[]) => void;

type WatchOutcome =
  | 'ended'    // the server ended the stream (timeoutSeconds) or our guard did: resume from the last version
  | 'expired'  // 410: the version is gone, relist
  | 'error'    // transport error or an ERROR event: back off, resume
  | 'closed';  // close()

/** A watch that delivered something, or stayed open this long, was healthy: it resets the backoff. */
const HEALTHY_WATCH_MS = 30_000;
/** Past the server-side timeout, a silent watch (half-open connection) is abandoned after this much more. */
const WATCH_GUARD_GRACE_S = 30;
/** A list page larger than this is refused (a runaway response, not a node's pods). */
const MAX_PAGE_BYTES = 256 * 1024 * 1024;
const PODS_PATH = '/api/v1/pods';

export class KubePodSource implements PodSource {
  private readonly node: string;
  private readonly access: KubeAccess;
  private readonly pageSize: number;
  private readonly firstListFromCache: boolean;
  private readonly watchTimeoutSeconds: number | undefined;
  private readonly requestTimeoutMs: number;
  private readonly dropAnnotations: ReadonlySet<string>;
  private readonly onError: ((what: string, e: unknown) => void) | undefined;
  private readonly random: () => number;
  private readonly backoff: Backoff;

  private readonly byUid = new Map<string, HeldPod>();
  /** Container id → pod uid. */
  private readonly byContainer = new Map<string, string>();
  private readonly listeners: ChangeListener[] = [];

  private kc: KubeConfig | undefined;
  private watcher: Watch | undefined;
  private server = '';
  private resourceVersion = '';
  private needList = true;
  private closed = false;
  private synced = false;

  /** PodSource.listed: the first list is in. */
  get listed(): boolean { return this.synced; }
  private starting: Promise<void> | undefined;
  private resolveSynced: (() => void) | undefined;
  private loop: Promise<void> | undefined;
  private sleeper: { timer: NodeJS.Timeout; wake: () => void } | undefined;
  /** Ends the request under way (list page or watch). */
  private cancelRequest: (() => void) | undefined;
  /** Agents made for the request under way: destroyed when it ends, and by close(). */
  private readonly agents = new Set<http.Agent>();

  private readonly counters = {
    lists: 0,
    listPages: 0,
    relists: 0,
    watches: 0,
    watchRestarts: 0,
    events: { ADDED: 0, MODIFIED: 0, DELETED: 0, BOOKMARK: 0, ERROR: 0 } as Record<WatchEventType, number>,
    errors: 0,
    callbackErrors: 0,
    lastError: '',
    lastBackoffMs: 0,
  };

  constructor(opts: KubePodSourceOptions) {
    if (!opts.node) throw new KubeApiError('ECONFIG', 'KubePodSource: node name is required');
    this.node = opts.node;
    this.access = opts.access;
    this.pageSize = opts.pageSize ?? 500;
    this.firstListFromCache = opts.firstListFromCache ?? true;
    this.watchTimeoutSeconds = opts.watchTimeoutSeconds;
    this.requestTimeoutMs = opts.requestTimeoutMs ?? 60_000;
    this.dropAnnotations = new Set(opts.dropAnnotations ?? DEFAULT_DROPPED_ANNOTATIONS);
    this.onError = opts.onError;
    this.random = opts.random ?? Math.random;
    this.backoff = new Backoff(opts.initialBackoffMs ?? 200, opts.maxBackoffMs ?? 30_000, this.random);
  }

  /**
   * Loads the configuration (rejects with ECONFIG when there is none usable), then lists and watches until
   * close(). Resolves once the first list is in: an API server that is down delays that, retried with backoff,
   * for as long as it takes (race it with a timeout to start without pods). Resolves at once after close().
   */
  start(): Promise<void> {
    this.starting ??= this.startOnce();
    return this.starting;
  }

  get size(): number {
    return this.byUid.size;
  }

  podByContainer(containerId: string): PodMeta | undefined {
    const uid = this.byContainer.get(containerId) ?? this.byContainer.get(containerIdOf(containerId));
    return uid === undefined ? undefined : this.byUid.get(uid)?.meta;
  }

  podByUid(uid: string): PodMeta | undefined {
    return this.byUid.get(uid)?.meta;
  }

  onChange(cb: ChangeListener): void {
    this.listeners.push(cb);
  }

  stats(): KubePodSourceStats {
    const c = this.counters;
    return {
      pods: this.byUid.size,
      containers: this.byContainer.size,
      resourceVersion: this.resourceVersion,
      synced: this.synced,
      lists: c.lists,
      listPages: c.listPages,
      relists: c.relists,
      watches: c.watches,
      watchRestarts: c.watchRestarts,
      events: { ...c.events },
      errors: c.errors,
      callbackErrors: c.callbackErrors,
      lastError: c.lastError,
      lastBackoffMs: c.lastBackoffMs,
    };
  }

  /** Stops the loop, ends the request under way and any retry delay; nothing is left running. */
  async close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      if (this.sleeper) {
        clearTimeout(this.sleeper.timer);
        this.sleeper.wake();
      }
      this.cancelRequest?.();
      this.releaseAgents();
      this.resolveSynced?.();
    }
    await this.loop;
    await this.starting?.catch(() => undefined);
    this.listeners.length = 0;
  }

  // ---- startup ---------------------------------------------------------------------------------------------------

  private async startOnce(): Promise<void> {
    if (this.closed) return;
    // Lazily: importing client-node costs ~0.4 s, paid only when the sensor is configured for Kubernetes.
    const k8s = await importPackage<typeof import('@kubernetes/client-node')>('@kubernetes/client-node');
    if (this.closed) return;
    const kc = loadKubeConfig(k8s, this.access);
    this.server = kc.getCurrentCluster()!.server.replace(/\/+$/, '');
    // Watch builds its request (and agent) inside; remember the agent so close() can cut a connection that has
    // not answered yet, and refuse new ones once closed.
    const applyToFetchOptions = kc.applyToFetchOptions.bind(kc);
    kc.applyToFetchOptions = async (o) => {
      if (this.closed) throw new KubeApiError('ECLOSED', 'closed');
      const init = await applyToFetchOptions(o);
      if (init.agent instanceof http.Agent) this.agents.add(init.agent);
      return init;
    };
    this.kc = kc;
    this.watcher = new k8s.Watch(kc);
    const synced = new Promise<void>((resolve) => {
      this.resolveSynced = resolve;
    });
    this.loop = this.run();
    await synced;
  }

  // ---- the reflector loop ----------------------------------------------------------------------------------------

  private async run(): Promise<void> {
    while (!this.closed) {
      try {
        let afterList = false;
        if (this.needList) {
          await this.list();
          if (this.closed) break;
          this.needList = false;
          afterList = true;
          this.synced = true;
          this.resolveSynced?.();
        }
        const { outcome, healthy } = await this.watchOnce(afterList);
        if (outcome === 'closed' || this.closed) break;
        if (outcome === 'expired') {
          this.needList = true;
          this.counters.relists++;
        }
        if (healthy) this.backoff.reset();
        // A watch that ended having done nothing (refused, expired at once, closed at once) is a failure too:
        // without a delay a server that keeps ending watches would be asked in a tight loop.
        if (!healthy || outcome === 'error') await this.pause();
      } catch (e) {
        if (this.closed) break;
        this.fail('list', e);
        await this.pause();
      }
    }
  }

  private pause(): Promise<void> {
    const ms = this.backoff.next();
    this.counters.lastBackoffMs = ms;
    return new Promise<void>((resolve) => {
      const wake = (): void => {
        this.sleeper = undefined;
        resolve();
      };
      this.sleeper = { timer: setTimeout(wake, ms), wake };
    });
  }

  private fail(what: string, e: unknown): void {
    this.counters.errors++;
    this.counters.lastError = `${what}: ${errorText(e)}`;
    try {
      this.onError?.(what, e);
    } catch {
      // a failing error sink must not stop the loop
    }
  }

  // ---- list ------------------------------------------------------------------------------------------------------

  /** Lists every page, then applies the snapshot at once: pods not in it are deleted, changed ones upserted. */
  private async list(): Promise<void> {
    // uid → the pod when it changed, or null when the held copy is at the same resourceVersion.
    const seen = new Map<string, KubePod | null>();
    let cont: string | undefined;
    let rv = '';
    const fromCache = this.firstListFromCache && !this.synced;
    do {
      const page = await this.listPage(cont, fromCache);
      this.counters.listPages++;
      if (!page || typeof page !== 'object' || !Array.isArray(page.items)) throw new KubeApiError('EBADRESPONSE', 'list: the response is not a PodList');
      for (const pod of page.items) {
        const uid = pod?.metadata?.uid;
        if (!uid || pod.spec?.nodeName !== this.node) continue;
        const held = this.byUid.get(uid);
        const podRv = pod.metadata?.resourceVersion ?? '';
        seen.set(uid, held && podRv !== '' && held.resourceVersion === podRv ? null : pod);
      }
      rv = page.metadata?.resourceVersion ?? '';
      cont = page.metadata?.continue || undefined;
    } while (cont !== undefined && !this.closed);
    if (this.closed) return;
    if (rv === '') throw new KubeApiError('EBADRESPONSE', 'list: no metadata.resourceVersion');
    for (const uid of [...this.byUid.keys()]) if (!seen.has(uid)) this.remove(uid);
    for (const pod of seen.values()) if (pod) this.upsert(pod);
    this.resourceVersion = rv;
    this.counters.lists++;
  }

  private async listPage(cont: string | undefined, fromCache: boolean): Promise<PodList> {
    const kc = this.kc!;
    const url = new URL(this.server + PODS_PATH);
    url.searchParams.set('fieldSelector', `spec.nodeName=${this.node}`);
    url.searchParams.set('limit', String(this.pageSize));
    // A continue token carries the snapshot's version itself; resourceVersion may not be sent with it.
    if (cont !== undefined) url.searchParams.set('continue', cont);
    else if (fromCache) url.searchParams.set('resourceVersion', '0');
    const opts: https.RequestOptions = { method: 'GET', headers: { Accept: 'application/json' } };
    await kc.applyToHTTPSOptions(opts);
    if (this.closed) throw new KubeApiError('ECLOSED', 'closed');
    if (opts.agent instanceof http.Agent) this.agents.add(opts.agent);
    const request = url.protocol === 'https:' ? https.request : http.request;
    return new Promise<PodList>((resolve, reject) => {
      let settled = false;
      const settle = (err: unknown, value?: PodList): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.cancelRequest = undefined;
        this.releaseAgents();
        if (err) reject(err);
        else resolve(value!);
      };
      const req = request(url, opts, (res) => {
        const chunks: Buffer[] = [];
        let bytes = 0;
        res.on('data', (c: Buffer) => {
          bytes += c.length;
          if (bytes > MAX_PAGE_BYTES) req.destroy(new KubeApiError('EBADRESPONSE', `list: page larger than ${MAX_PAGE_BYTES} bytes`));
          else chunks.push(c);
        });
        res.on('error', (e) => settle(e));
        res.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8');
          const status = res.statusCode ?? 0;
          if (status !== 200) {
            settle(httpError('list', status, body));
            return;
          }
          try {
            settle(undefined, JSON.parse(body) as PodList);
          } catch {
            settle(new KubeApiError('EBADRESPONSE', 'list: the body is not JSON'));
          }
        });
      });
      const timer = setTimeout(() => req.destroy(new KubeApiError('ETIMEOUT', `list: no complete answer in ${this.requestTimeoutMs} ms`)), this.requestTimeoutMs);
      this.cancelRequest = () => req.destroy(new KubeApiError('ECLOSED', 'closed'));
      req.on('error', (e) => settle(e));
      req.on('close', () => settle(new Error('list: connection closed before the response ended')));
      req.end();
    });
  }

  // ---- watch -----------------------------------------------------------------------------------------------------

  private watchOnce(afterList: boolean): Promise<{ outcome: WatchOutcome; healthy: boolean }> {
    return new Promise((resolve) => {
      const openedAt = Date.now();
      let delivered = 0;
      let settled = false;
      let controller: AbortController | undefined;
      const timeoutSeconds = this.watchTimeoutSeconds ?? Math.floor(300 + this.random() * 300);
      this.counters.watches++;
      if (!afterList) this.counters.watchRestarts++;

      const finish = (outcome: WatchOutcome): void => {
        if (settled) return;
        settled = true;
        clearTimeout(guard);
        this.cancelRequest = undefined;
        controller?.abort();
        this.releaseAgents();
        resolve({ outcome, healthy: delivered > 0 || Date.now() - openedAt >= HEALTHY_WATCH_MS });
      };
      const guard = setTimeout(() => finish('ended'), (timeoutSeconds + WATCH_GUARD_GRACE_S) * 1000);
      this.cancelRequest = () => finish('closed');

      // Watch calls this inside a try that swallows what it throws (as a JSON parse error): catch here.
      const onEvent = (type: string, object: unknown): void => {
        if (settled) return;
        try {
          const end = this.applyEvent(type, object);
          if (end) finish(end);
          else delivered++;
        } catch (e) {
          this.fail('watch event', e);
        }
      };
      const onDone = (err: unknown): void => {
        if (settled) return;
        if (!err) finish('ended');
        else if (isGone(err)) finish('expired');
        else {
          this.fail('watch', err);
          finish('error');
        }
      };
      const params = { fieldSelector: `spec.nodeName=${this.node}`, resourceVersion: this.resourceVersion, allowWatchBookmarks: true, timeoutSeconds };
      this.watcher!.watch(PODS_PATH, params, onEvent, onDone).then(
        (c) => {
          if (settled) c.abort();
          else controller = c;
        },
        (e: unknown) => {
          if (settled) return;
          this.fail('watch', e);
          finish('error');
        },
      );
    });
  }

  /** Applies one watch event; returns how the watch must end when it must. */
  private applyEvent(type: string, object: unknown): WatchOutcome | undefined {
    switch (type) {
      case 'ADDED':
      case 'MODIFIED':
      case 'DELETED': {
        this.counters.events[type]++;
        const pod = object as KubePod;
        if (type === 'DELETED' || pod?.spec?.nodeName !== this.node) this.removePod(pod);
        else this.upsert(pod);
        this.advance(pod);
        return undefined;
      }
      case 'BOOKMARK':
        this.counters.events.BOOKMARK++;
        this.advance(object as KubePod);
        return undefined;
      case 'ERROR': {
        this.counters.events.ERROR++;
        const st = (object ?? {}) as KubeStatus;
        if (st.code === 410) return 'expired';
        this.fail('watch', new KubeApiError('EHTTP', `watch: ERROR event ${st.code ?? '?'} ${st.reason ?? ''}: ${st.message ?? ''}`, st.code, st.reason));
        return 'error';
      }
      default:
        return undefined;
    }
  }

  private advance(obj: KubePod | undefined): void {
    const rv = obj?.metadata?.resourceVersion;
    if (typeof rv === 'string' && rv !== '') this.resourceVersion = rv;
  }

  // ---- the indexes -----------------------------------------------------------------------------------------------

  private upsert(pod: KubePod): void {
    const meta = podMetaOf(pod, this.dropAnnotations);
    if (!meta) return;
    const containerIds = containerIdsOf(pod);
    const held = this.byUid.get(meta.uid);
    if (held) {
      for (const id of held.containerIds) {
        if (!containerIds.includes(id) && this.byContainer.get(id) === meta.uid) this.byContainer.delete(id);
      }
    }
    for (const id of containerIds) this.byContainer.set(id, meta.uid);
    this.byUid.set(meta.uid, { meta, containerIds, resourceVersion: pod.metadata?.resourceVersion ?? '' });
    this.emit('upsert', meta, containerIds);
  }

  private removePod(pod: KubePod): void {
    const uid = pod?.metadata?.uid;
    if (uid) this.remove(uid);
  }

  private remove(uid: string): void {
    const held = this.byUid.get(uid);
    if (!held) return;
    this.byUid.delete(uid);
    for (const id of held.containerIds) if (this.byContainer.get(id) === uid) this.byContainer.delete(id);
    this.emit('delete', held.meta, held.containerIds);
  }

  private emit(kind: 'upsert' | 'delete', meta: PodMeta, containerIds: readonly string[]): void {
    for (const cb of this.listeners) {
      try {
        cb(kind, meta, containerIds);
      } catch {
        this.counters.callbackErrors++;
      }
    }
  }

  private releaseAgents(): void {
    for (const a of this.agents) a.destroy();
    this.agents.clear();
  }
}

// ---- helpers -------------------------------------------------------------------------------------------------------

/**
 * `import(spec)` of an ES-module-only package. bin/sensord.js runs the bundled CLI from V8's code cache, and a
 * script compiled from a code cache has no import() callback in Node 20 (ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING):
 * there the launcher, an ES module, lends its own import under this symbol.
 */
function importPackage<T>(spec: string): Promise<T> {
  const lent = (globalThis as Record<symbol, ((s: string) => Promise<unknown>) | undefined>)[Symbol.for('sensord.import')];
  return (lent !== undefined ? lent(spec) : import(spec)) as Promise<T>;
}

function loadKubeConfig(k8s: typeof import('@kubernetes/client-node'), access: KubeAccess): KubeConfig {
  const kc = new k8s.KubeConfig();
  let what: string;
  try {
    switch (access.kind) {
      case 'kubeconfig':
        what = `kubeconfig ${access.path}`;
        kc.loadFromFile(access.path);
        if (access.context) kc.setCurrentContext(access.context);
        break;
      case 'in-cluster':
        what = 'in-cluster config';
        if (!process.env['KUBERNETES_SERVICE_HOST'] || !process.env['KUBERNETES_SERVICE_PORT']) {
          throw new Error('KUBERNETES_SERVICE_HOST/KUBERNETES_SERVICE_PORT are not set (not running in a pod?)');
        }
        kc.loadFromCluster(access.rootPrefix);
        break;
      case 'default':
        what = 'default kubeconfig';
        kc.loadFromDefault();
        break;
    }
  } catch (e) {
    throw new KubeApiError('ECONFIG', `${what!}: ${errorText(e)}`);
  }
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new KubeApiError('ECONFIG', `${what}: no current cluster (current-context ${JSON.stringify(kc.getCurrentContext())})`);
  // client-node refuses plain http unless the cluster skips TLS verification (and its default, when nothing is
  // configured, is exactly that: http://localhost:8080): say so now rather than fail every request.
  if (cluster.server.startsWith('http:') && !cluster.skipTLSVerify) {
    throw new KubeApiError('ECONFIG', `${what}: server ${cluster.server} is plain http without insecure-skip-tls-verify (client-node refuses it)`);
  }
  return kc;
}

function httpError(what: string, status: number, body: string): KubeApiError {
  let st: KubeStatus = {};
  try {
    st = JSON.parse(body) as KubeStatus;
  } catch {
    // not a Status: keep the status code only
  }
  const reason = typeof st.reason === 'string' ? st.reason : undefined;
  const message = typeof st.message === 'string' ? st.message : http.STATUS_CODES[status] ?? '';
  return new KubeApiError('EHTTP', `${what}: HTTP ${status}${reason ? ` ${reason}` : ''}: ${message}`, status, reason);
}

/** 410 from our list (continue token expired), from Watch (HTTP status of the watch request) or a Status. */
function isGone(e: unknown): boolean {
  if (!e || typeof e !== 'object') return false;
  const o = e as { status?: unknown; statusCode?: unknown; code?: unknown };
  return o.status === 410 || o.statusCode === 410 || o.code === 410;
}

function errorText(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}
