// The one bounded queue between the engine and the output leaves. push() never blocks the caller's thread: when
// the queue is full it either returns a promise to await (policy 'block': replay, nothing is lost) or drops the
// alert and counts it (policy 'drop': live, as Falco's outputs queue does — the probe must keep draining rings).
import { jsonLine, textLine } from './format.js';
import type { Alert, AlertOutput, OutputCounters } from './types.js';

export interface OutputQueueOptions {
  /** Alerts held at most (default 10000). */
  capacity?: number;
  policy?: 'block' | 'drop';
  /** The `hostname` of JSON alerts. */
  hostname: string;
  /** Called on an output failure (once per output and step kind; later ones are counted). */
  onError?: (output: string, step: keyof OutputCounters, error: unknown) => void;
}

export interface QueueStats {
  enqueued: number;
  dropped: number;
  /** Deepest the queue has been. */
  maxDepth: number;
  outputs: Record<string, OutputCounters>;
}

interface Leaf { readonly out: AlertOutput; readonly counters: OutputCounters; readonly reported: Set<string> }

export class OutputQueue {
  private readonly capacity: number;
  private readonly leaves: Leaf[];
  private items: Alert[] = [];
  private draining: Promise<void> | undefined;
  private waiters: Array<() => void> = [];
  private enqueued = 0;
  private dropped = 0;
  private maxDepth = 0;
  private closed = false;

  constructor(outputs: readonly AlertOutput[], private readonly opts: OutputQueueOptions) {
    this.capacity = Math.max(1, opts.capacity ?? 10_000);
    this.leaves = outputs.map((out) => ({ out, counters: { init: 0, write: 0, flush: 0, close: 0, errors: 0 }, reported: new Set() }));
  }

  async init(): Promise<void> {
    for (const l of this.leaves) await this.step(l, 'init', () => l.out.init());
  }

  /** Queues an alert; the promise (policy 'block', queue full) resolves once there is room again. */
  push(alert: Alert): Promise<void> | undefined {
    if (this.closed) { this.dropped++; return undefined; }
    if (this.items.length >= this.capacity && this.opts.policy === 'drop') { this.dropped++; return undefined; }
    this.items.push(alert);
    this.enqueued++;
    if (this.items.length > this.maxDepth) this.maxDepth = this.items.length;
    this.schedule();
    if (this.items.length >= this.capacity && this.opts.policy !== 'drop') return new Promise((resolve) => this.waiters.push(resolve));
    return undefined;
  }

  private schedule(): void {
    if (this.draining !== undefined) return;
    this.draining = new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.drain()).finally(() => { this.draining = undefined; if (this.items.length > 0) this.schedule(); });
  }

  private async drain(): Promise<void> {
    while (this.items.length > 0) {
      const batch = this.items;
      this.items = [];
      for (const l of this.leaves) {
        const json = l.out.format === 'json';
        for (const a of batch) {
          const line = json ? jsonLine(a, this.opts.hostname) : textLine(a);
          await this.step(l, 'write', () => l.out.write(line));
        }
        await this.step(l, 'flush', () => l.out.flush());
      }
      const w = this.waiters;
      this.waiters = [];
      for (const resolve of w) resolve();
    }
  }

  private async step(l: Leaf, kind: keyof OutputCounters, fn: () => Promise<void> | void): Promise<void> {
    try {
      const p = fn();
      if (p !== undefined) await p;
      l.counters[kind]++;
    } catch (e) {
      l.counters.errors++;
      if (!l.reported.has(kind)) { l.reported.add(kind); this.opts.onError?.(l.out.name, kind, e); }
    }
  }

  /** Waits until every queued alert was written and flushed. */
  async flush(): Promise<void> {
    while (this.draining !== undefined || this.items.length > 0) {
      if (this.draining === undefined) this.schedule();
      await this.draining;
    }
  }

  /** Flushes, then closes every output; later pushes are dropped. */
  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
    for (const l of this.leaves) await this.step(l, 'close', () => l.out.close());
    for (const resolve of this.waiters) resolve();
    this.waiters = [];
  }

  stats(): QueueStats {
    const outputs: Record<string, OutputCounters> = {};
    for (const l of this.leaves) outputs[l.out.name] = { ...l.counters };
    return { enqueued: this.enqueued, dropped: this.dropped, maxDepth: this.maxDepth, outputs };
  }
}
