// The metadata store: container and pod metadata keyed by full container id, learned eagerly (runtime lifecycle
// events, the pod watch) and on demand (first sight of an id in an event the rules judge with container or pod
// fields). Bounded: an LRU of known containers (TTL refreshed on use), a negative cache with a short TTL for ids
// the runtime does not know, and eviction when the runtime deletes a container or the watch deletes a pod.
//
// The gate (`hold`): an event whose container is seen for the first time waits, bounded by `waitMs` from the
// container's first sight, until its metadata arrives; then it is judged with it, or without it and with
// container.metadata_complete=false. Every outcome is counted.
import { LRUCache } from 'lru-cache';
import type { ContainerMeta, PodMeta, PodSource, RuntimeEvent, RuntimeSource } from './types.js';

export interface StoreOptions {
  runtime?: RuntimeSource | null;
  pods?: PodSource | null;
  /** Containers held (default 8192). */
  maxContainers?: number;
  /** A container not seen in an event (nor refreshed by the runtime) for this long is dropped (default 1 h). */
  ttlMs?: number;
  /** Ids the runtime does not know are not asked again for this long (default 30 s). */
  negativeTtlMs?: number;
  /** Longest wait for a first-seen container's metadata, from its first sight (default 500 ms). */
  waitMs?: number;
  /** After a transport error the runtime is not asked (and nothing waits) for this long, doubling to 30 s. */
  retryMs?: number;
  /** Called on runtime transport errors (rate: at most one per backoff period). */
  onError?: (what: string, e: unknown) => void;
  now?: () => number;
}

/** How one judged event that needed metadata went. */
export type WaitOutcome =
  /** Metadata was there already. */
  | 'ready'
  /** Waited, and the metadata came in time. */
  | 'arrived'
  /** Waited until the deadline: judged with metadata_complete=false. */
  | 'timeout'
  /** The runtime and the pod watch do not know the container (negative cache). */
  | 'unknown'
  /** No source could be asked (none configured, or the runtime is failing): not waited. */
  | 'unavailable';

export const WAIT_OUTCOMES: readonly WaitOutcome[] = ['ready', 'arrived', 'timeout', 'unknown', 'unavailable'];

export interface StoreStats {
  containers: number;
  negative: number;
  pending: number;
  lookups: number;
  lookupErrors: number;
  /** Containers learned from runtime lifecycle events before any event asked. */
  eager: number;
  /** Containers dropped: runtime delete events, deleted pods, LRU/TTL. */
  evicted: number;
  /** Events by wait outcome. */
  waits: Record<WaitOutcome, number>;
  /** Total time events spent waiting (ms). */
  waitedMs: number;
}

interface Pending {
  readonly deadline: number;
  readonly done: Promise<void>;
  settle: () => void;
  /** Waiting is over (metadata in, or the deadline passed): later events of the container do not wait. */
  settled: boolean;
  /** A runtime lookup is still running: the entry stays (settled) until it ends. */
  asking: boolean;
  timer: NodeJS.Timeout | undefined;
}

/** A runtime call that neither answers nor fails within this is treated as a transport error. */
const LOOKUP_TIMEOUT_MS = 10_000;
/** How long an exited container's metadata is kept (events of its last moments may still be queued). */
const EXITED_TTL_MS = 60_000;

/** The engine's view of the store: may this event be judged now, or must it wait? */
export interface MetadataGate {
  /** null: judge now (metadata known, or not worth waiting for); else a promise that settles when it may. */
  hold(fullId: string): Promise<void> | null;
}

export class MetadataStore implements MetadataGate {
  private readonly runtime: RuntimeSource | null;
  private readonly pods: PodSource | null;
  private readonly known: LRUCache<string, ContainerMeta>;
  private readonly negative: LRUCache<string, true>;
  private readonly pending = new Map<string, Pending>();
  private readonly waitMs: number;
  private readonly retryMs: number;
  private readonly now: () => number;
  private runtimeDownUntil = 0;
  private backoff: number;
  private closed = false;
  private readonly purge: NodeJS.Timeout;
  private readonly counters = {
    lookups: 0, lookupErrors: 0, eager: 0, evicted: 0, waitedMs: 0,
    waits: { ready: 0, arrived: 0, timeout: 0, unknown: 0, unavailable: 0 } as Record<WaitOutcome, number>,
  };

  constructor(private readonly opts: StoreOptions = {}) {
    this.runtime = opts.runtime ?? null;
    this.pods = opts.pods ?? null;
    this.waitMs = opts.waitMs ?? 500;
    this.retryMs = opts.retryMs ?? 1000;
    this.backoff = this.retryMs;
    this.now = opts.now ?? (() => performance.now());
    this.known = new LRUCache<string, ContainerMeta>({
      max: opts.maxContainers ?? 8192, ttl: opts.ttlMs ?? 3_600_000, updateAgeOnGet: true, updateAgeOnHas: true, ttlAutopurge: false,
      dispose: (_v, _k, reason) => { if (reason === 'evict' || reason === 'expire' || reason === 'delete') this.counters.evicted++; },
    });
    this.negative = new LRUCache<string, true>({ max: opts.maxContainers ?? 8192, ttl: opts.negativeTtlMs ?? 30_000 });
    // Expired entries go on a timer too (not only when next asked for), so sizes and memory follow the TTLs.
    this.purge = setInterval(() => { this.known.purgeStale(); this.negative.purgeStale(); }, 10_000);
    this.purge.unref();
    this.runtime?.subscribe((e) => this.onRuntimeEvent(e));
    this.pods?.onChange((kind, _pod, ids) => {
      for (const id of ids) {
        if (kind === 'delete') this.known.delete(id);
        else { this.negative.delete(id); this.settle(id); }
      }
    });
  }

  /** Known metadata of a container (hot path: one map lookup), undefined while unknown. */
  container(fullId: string): ContainerMeta | undefined { return this.known.get(fullId); }

  /** The container's pod: the watch's view (owner, service account, node) first, else the runtime's. */
  pod(fullId: string): PodMeta | undefined {
    const p = this.pods?.podByContainer(fullId);
    if (p !== undefined) return p;
    return this.known.get(fullId)?.pod;
  }

  /** Is everything a source could tell about this container in (container.metadata_complete)? */
  complete(fullId: string): boolean {
    if (fullId === 'host') return true;
    if (this.runtime !== null) return this.known.has(fullId);
    return this.pods !== null && this.pods.podByContainer(fullId) !== undefined;
  }

  hold(fullId: string): Promise<void> | null {
    const w = this.counters.waits;
    if (fullId === 'host' || this.complete(fullId)) { w.ready++; return null; }
    let p = this.pending.get(fullId);
    if (p === undefined) {
      if (this.negative.has(fullId)) { w.unknown++; return null; }
      if (!this.askable()) { w.unavailable++; return null; }
      p = this.begin(fullId);
    }
    if (p.settled) { w.timeout++; return null; }
    const t0 = this.now();
    if (t0 >= p.deadline) { w.timeout++; return null; }
    return p.done.then(() => {
      this.counters.waitedMs += this.now() - t0;
      if (this.complete(fullId)) w.arrived++;
      else if (this.negative.has(fullId)) w.unknown++;
      else w.timeout++;
    });
  }

  /** Drops a container (runtime delete). */
  private forget(fullId: string): void {
    this.known.delete(fullId);
    this.negative.delete(fullId);
  }

  stats(): StoreStats {
    const c = this.counters;
    return {
      containers: this.known.size, negative: this.negative.size, pending: this.pending.size,
      lookups: c.lookups, lookupErrors: c.lookupErrors, eager: c.eager, evicted: c.evicted,
      waits: { ...c.waits }, waitedMs: c.waitedMs,
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.purge);
    for (const id of [...this.pending.keys()]) this.settle(id);
    await Promise.allSettled([this.runtime?.close(), this.pods?.close()]);
  }

  // ---- internals ----

  /** A source may answer: the runtime (when not backing off after errors), or the pod watch. */
  private askable(): boolean {
    if (this.closed) return false;
    if (this.runtime !== null && this.now() >= this.runtimeDownUntil) return true;
    return this.pods !== null && this.pods.listed;
  }

  /** Starts waiting for a container: asks the runtime (when it is up); the pod watch may settle it too. */
  private begin(fullId: string): Pending {
    let settle!: () => void;
    const done = new Promise<void>((r) => { settle = r; });
    const p: Pending = { deadline: this.now() + this.waitMs, done, settle, settled: false, asking: false, timer: undefined };
    // Not unref'd: the pipeline awaits this wait, and while it does nothing else may keep the process alive.
    p.timer = setTimeout(() => this.settle(fullId), this.waitMs);
    this.pending.set(fullId, p);
    if (this.runtime !== null && this.now() >= this.runtimeDownUntil) { p.asking = true; void this.lookup(fullId, p); }
    return p;
  }

  private async lookup(fullId: string, p: Pending): Promise<void> {
    const rt = this.runtime!;
    this.counters.lookups++;
    let timer: NodeJS.Timeout | undefined;
    try {
      const meta = await Promise.race([
        rt.container(fullId),
        new Promise<never>((_r, reject) => { timer = setTimeout(() => reject(new Error(`no answer in ${LOOKUP_TIMEOUT_MS} ms`)), LOOKUP_TIMEOUT_MS); }),
      ]);
      this.backoff = this.retryMs;
      if (meta === null) {
        if (this.pods?.podByContainer(fullId) === undefined) this.negative.set(fullId, true);
      } else {
        this.known.set(fullId, meta);
        this.negative.delete(fullId);
      }
    } catch (e) {
      this.counters.lookupErrors++;
      if (this.now() >= this.runtimeDownUntil) this.opts.onError?.(`runtime ${rt.name}: lookup of ${fullId.slice(0, 12)}`, e);
      this.runtimeDownUntil = this.now() + this.backoff * (0.5 + Math.random() / 2);
      this.backoff = Math.min(this.backoff * 2, 30_000);
    } finally {
      clearTimeout(timer);
    }
    p.asking = false;
    // With a pod watch the pod may still come (the watch's status update lags the runtime): the deadline ends it.
    if (p.settled || this.known.has(fullId) || this.pods === null || this.negative.has(fullId)) this.settle(fullId);
  }

  /** Ends the wait for a container. The entry goes once no lookup runs; a wait that found nothing is not retried
   *  until the negative TTL passes. */
  private settle(fullId: string): void {
    const p = this.pending.get(fullId);
    if (p === undefined) return;
    if (!p.settled) {
      p.settled = true;
      if (p.timer !== undefined) clearTimeout(p.timer);
      p.settle();
    }
    if (p.asking && !this.closed) return;
    this.pending.delete(fullId);
    if (!this.complete(fullId)) this.negative.set(fullId, true);
  }

  private onRuntimeEvent(e: RuntimeEvent): void {
    if (e.kind === 'delete') { this.forget(e.id); return; }
    if (e.kind === 'exit') {
      // Events still in the rings may name it for a moment; then it goes even if the runtime keeps it (CRI keeps
      // exited containers until the kubelet removes them).
      const m = this.known.get(e.id);
      if (m !== undefined) this.known.set(e.id, m, { ttl: EXITED_TTL_MS });
      return;
    }
    if (e.kind !== 'create' && e.kind !== 'start') return;
    if (this.known.has(e.id) && e.kind === 'create') return;
    // A start refreshes what create saw (start time); lookups run off the hot path.
    this.counters.eager++;
    this.negative.delete(e.id);
    void (async () => {
      this.counters.lookups++;
      try {
        const meta = await this.runtime!.container(e.id);
        if (meta !== null) this.known.set(e.id, meta);
      } catch (err) {
        this.counters.lookupErrors++;
        this.opts.onError?.(`runtime ${this.runtime!.name}: lookup of ${e.id.slice(0, 12)} after ${e.kind}`, err);
      }
      this.settle(e.id);
    })();
  }
}
