// `sensord capture -w FILE [--duration S] [--count N] [--no-env] [--container ID] [-- CMD ARGS…]`: live events into a .scap
// capture that sysdig and Falco read. Header blocks come from a /proc snapshot taken after the probe is
// attached, so no process that starts during the snapshot is missed by both.
// With a command, only that command's process tree is kept (process list, fds and events) and the capture
// ends when the command exits: the form test fixtures are recorded in. --no-env empties the env parameter of
// exec events and leaves environments out of the process list (fixtures must not carry this machine's env).
// --container ID keeps one container's processes instead (its events and its part of the process list).
// With a container runtime (run's enrichment flags: --cri-socket, --containerd-socket, --no-runtime,
// --metadata-wait), each container gets a container event before its first record in the file, as libsinsp's
// container manager writes them, so a replay (sensord, Falco -e, sysdig -r) sees its name, image, pod and flags.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { openLiveSource, type LiveSource } from '../../source/live.js';
import { liveOptionsFrom, type ProbeFlags } from '../live-options.js';
import { ScapWriter } from '../../source/scap-writer.js';
import { readProcSnapshot } from '../../source/proc-snapshot.js';
import { EventView } from '../../decode/event-view.js';
import { EVENTS, paramIndex } from '../../schema/index.js';
import type { CaptureMetadata, EventBatch, ThreadEntry } from '../../schema/capture-types.js';
import { EngineError } from '../../rules/engine/index.js';
import { ContainerIdResolver } from '../../state/container-id.js';
import { containerEventRecord } from '../../enrich/capture.js';
import type { MetadataStore } from '../../enrich/store.js';
import { enrichmentFrom, type EnrichFlags, type EnrichSetup } from '../enrich-options.js';
import { reportEngineError } from './alerting.js';

export interface CaptureOptions extends ProbeFlags, EnrichFlags {
  write: string; duration?: number; count?: number; env?: boolean; command?: string[];
  /** Keep only this container's threads (its full id or a prefix of at least 12 hex characters). */
  container?: string;
}

const CLONES = ['clone', 'clone3', 'fork', 'vfork'];
const PROCEXIT: Uint8Array = Uint8Array.from(EVENTS, (e) => (e.name === 'procexit' ? 1 : 0));
const CLONE_EXITS: Uint8Array = Uint8Array.from(EVENTS, (e) => (CLONES.includes(e.name) && e.dir === '<' ? 1 : 0));
/** Index of the cgroups parameter of clone-family and exec exits (what names a thread's container), -1 elsewhere. */
const CGROUPS_PARAM: Int8Array = Int8Array.from(EVENTS, (e, t) => (
  CLONE_EXITS[t] === 1 || (['execve', 'execveat'].includes(e.name) && e.dir === '<') ? paramIndex(e, 'cgroups') : -1));
/** Index of the env parameter in exec exit events, -1 elsewhere. */
const ENV_PARAM: Int8Array = Int8Array.from(EVENTS, (e) => (['execve', 'execveat'].includes(e.name) && e.dir === '<' ? paramIndex(e, 'env') : -1));

export async function runCapture(opts: CaptureOptions): Promise<number> {
  const keepEnv = opts.env !== false;
  const command = opts.command ?? [];
  let enrich: EnrichSetup | null;
  try {
    if (opts.container !== undefined) {
      if (!/^[0-9a-f]{12,64}$/.test(opts.container)) throw new EngineError('EOPTION', `--container: expected a container id (12 to 64 hex characters), got ${JSON.stringify(opts.container)}`);
      if (command.length > 0) throw new EngineError('EOPTION', '--container and a command cannot be combined: the capture keeps one container or one process tree');
    }
    enrich = await enrichmentFrom(opts, (what, e) => process.stderr.write(`sensord capture: enrichment: ${what}: ${(e as Error)?.message ?? String(e)}\n`), { pods: false });
  } catch (e) {
    return reportEngineError('capture', e);
  }
  let source: LiveSource | undefined;
  let stop = false;
  const onSignal = () => { stop = true; };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let deadline = Infinity;
  const limit = opts.count ?? Infinity;
  let written = 0;
  let writer: ScapWriter | undefined;
  let tree: Members | undefined;
  let childExit: Promise<number> | undefined;
  try {
    source = openLiveSource(liveOptionsFrom(opts));
    let metadata: CaptureMetadata;
    if (command.length > 0) {
      const child = spawn(command[0], command.slice(1), { stdio: 'inherit' });
      const procTree = new ProcessTree(child.pid!);
      tree = procTree;
      childExit = new Promise((resolve) => child.on('close', (code, signal) => resolve(code ?? (signal ? 128 : 1))));
      childExit.then(() => { setTimeout(() => { stop = true; }, 300); }, () => undefined);
      metadata = readProcSnapshot({ includeEnv: keepEnv, pids: procTree.pids, includeThreads: true });
    } else if (opts.container !== undefined) {
      const members = new ContainerMembers(opts.container);
      tree = members;
      metadata = members.keep(readProcSnapshot({ includeEnv: keepEnv, includeThreads: true, pids: (pid) => members.hasProcess(pid) }));
    } else {
      metadata = readProcSnapshot({ includeEnv: keepEnv });
    }
    writer = await ScapWriter.create(opts.write, { gzip: true, metadata });
    // --duration counts from here: the probe is attached, the process list written, the file there.
    if (opts.duration !== undefined) deadline = Date.now() + opts.duration * 1000;
    const containers = enrich !== null ? new ContainerRecorder(enrich.store, writer) : null;
    // The process list's containers go before the first record, stamped with its time.
    let listed: readonly ThreadEntry[] | null = containers !== null ? metadata.threads : null;
    const view = new EventView();
    while (!stop && written < limit && Date.now() < deadline) {
      const batch = await source.next();
      if (!batch) break;
      if (batch.count === 0) continue;
      // Container events written before this batch carry its first record's time.
      let ts = 0n;
      if (containers !== null) {
        ts = batch.view.getBigUint64(batch.offsets[0], true);
        if (listed !== null) { await containers.fromThreads(listed, ts); listed = null; }
        containers.late(ts);
      }
      if (!tree && keepEnv) {
        const take = Math.min(batch.count, limit - written);
        await containers?.fromBatch(batch, take, view, ts);
        await writer.writeBatch(take === batch.count ? batch : { ...batch, count: take });
        written += take;
        continue;
      }
      written += await writeFiltered(writer, batch, view, tree, keepEnv, limit - written, containers);
    }
    const stats = source.stats();
    const exit = childExit ? `; ${command[0]} exited ${await childExit}` : '';
    const ctrs = containers !== null ? `; ${containers.written} container events` : '';
    process.stderr.write(`sensord capture: ${written} events written to ${opts.write}${ctrs}; ring drops ${stats.drops}${exit}\n`);
    return 0;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    try {
      await writer?.close();
    } finally {
      await Promise.allSettled([source?.close(), enrich?.store.close()]);
    }
  }
}

/**
 * Container events for the capture, as libsinsp's container manager writes them: one per container, before the
 * first record of it in the file (the process list's containers right after the header), with what the runtime
 * says about it. A container whose metadata misses the store's wait (--metadata-wait) gets its event later, once
 * the store has it (libsinsp too writes an event when a lookup completes).
 */
export class ContainerRecorder {
  private readonly seen = new Set<string>();
  /** Containers seen whose metadata had not come: written by late() when it does. */
  private readonly waiting = new Set<string>();
  private readonly ids = new ContainerIdResolver(1024);
  /** Container events written. */
  written = 0;

  constructor(private readonly store: MetadataStore, private readonly writer: ScapWriter) {}

  /** The process list's containers (its threads are the capture's own, filtered or not): looked up together. */
  async fromThreads(threads: readonly ThreadEntry[], ts: bigint): Promise<void> {
    const ids = new Set<string>();
    for (const t of threads) {
      const id = this.ids.resolve(t.cgroups).fullId;
      if (id !== 'host' && !this.seen.has(id)) { ids.add(id); this.seen.add(id); }
    }
    await Promise.all([...ids].map((id) => this.store.hold(id)));
    for (const id of ids) this.write(id, ts);
  }

  /** The containers the first `count` records name (clone/exec exits), written before the batch at time `ts`. */
  async fromBatch(batch: EventBatch, count: number, view: EventView, ts: bigint): Promise<void> {
    for (let i = 0; i < count; i++) {
      const off = batch.offsets[i];
      const type = batch.view.getUint16(off + 20, true);
      if (type >= CGROUPS_PARAM.length || CGROUPS_PARAM[type] < 0) continue;
      view.set(batch.bytes, batch.view, off, batch.cpus[i], 0);
      await this.fromRecord(view, ts);
    }
  }

  /** The container a clone/exec exit names, written now (before the record) when it is new. */
  async fromRecord(view: EventView, ts = view.ts): Promise<void> {
    const ci = view.type < CGROUPS_PARAM.length ? CGROUPS_PARAM[view.type] : -1;
    if (ci < 0 || !view.has(ci)) return;
    const id = this.ids.resolve(view.strList(ci)).fullId;
    if (id === 'host' || this.seen.has(id)) return;
    this.seen.add(id);
    const wait = this.store.hold(id);
    if (wait !== null) await wait;
    this.write(id, ts);
  }

  /** Events of waiting containers whose metadata has come since (called once per batch, before it). */
  late(ts: bigint): void {
    if (this.waiting.size === 0) return;
    for (const id of this.waiting) if (this.store.container(id) !== undefined) this.write(id, ts);
  }

  private write(id: string, ts: bigint): void {
    const meta = this.store.container(id);
    if (meta === undefined) { this.waiting.add(id); return; }
    this.waiting.delete(id);
    this.writer.writeRecord(containerEventRecord(meta, ts));
    this.written++;
  }
}

/** The threads a filtered capture keeps; admit() also learns new ones from the event. */
interface Members { admit(view: EventView): boolean }

/** The thread ids of one command's process tree, grown through the clone-family exit events. */
class ProcessTree implements Members {
  readonly pids: Set<number>;
  constructor(root: number) { this.pids = new Set([root]); }

  /** Whether the event belongs to the tree (and learns new members from clone exits). */
  admit(view: EventView): boolean {
    const type = view.type;
    if (this.pids.has(view.tid)) {
      // Parent side: res is the child's tid.
      if (CLONE_EXITS[type] === 1) { const res = view.i64(0); if (res > 0) this.pids.add(res); }
      return true;
    }
    // Child side, seen before the parent's exit event: res 0, and its parent (ptid param 5) is in the tree.
    if (CLONE_EXITS[type] === 1 && view.i64(0) === 0 && (this.pids.has(view.i64(5)) || this.pids.has(view.i64(4)))) {
      this.pids.add(view.tid);
      return true;
    }
    return false;
  }
}

/**
 * The threads of one container: those of the process list whose cgroups name it, then every thread whose clone or
 * exec exit shows them in its cgroups (a child, an exec into the container: it joins them before its execve); a
 * thread leaves at its procexit. Like sysdig's `container.id=ID` filter on the events, but the process list is cut
 * to the container too, so a process exec'd into it has no known parent in the capture.
 */
export class ContainerMembers implements Members {
  private readonly tids = new Set<number>();
  private readonly ids = new ContainerIdResolver(256);

  /** `id`: the full id or a prefix of it. */
  constructor(private readonly id: string) {}

  private names(cgroups: readonly string[]): boolean {
    const c = this.ids.resolve(cgroups);
    return c.fullId !== 'host' && c.fullId.startsWith(this.id);
  }

  /** The snapshot reduced to the container's threads and their fds. */
  keep(md: CaptureMetadata): CaptureMetadata {
    const threads = md.threads.filter((t) => this.names(t.cgroups));
    for (const t of threads) this.tids.add(t.tid);
    return { ...md, threads, fds: new Map([...md.fds].filter(([tid]) => this.tids.has(tid))) };
  }

  /** Does process `pid` run in the container (its /proc cgroup file)? Picks the snapshot's processes before they are read. */
  hasProcess(pid: number): boolean {
    let text: string;
    try { text = readFileSync(`/proc/${pid}/cgroup`, 'utf8'); } catch { return false; }
    // "hierarchy:controllers:/path" lines: the resolver reads the path after the first slash of each.
    return this.names(text.trim().split('\n'));
  }

  admit(view: EventView): boolean {
    const type = view.type;
    if (this.tids.has(view.tid)) {
      // A thread that ends leaves the set: its tid may be reused by a process outside the container.
      if (PROCEXIT[type] === 1) this.tids.delete(view.tid);
      return true;
    }
    // A new member shows itself: the child side of clone and exec exits carry its cgroups. (The parent side's
    // result is the child's pid in the container's pid namespace, not a host tid: not used.)
    const ci = type < CGROUPS_PARAM.length ? CGROUPS_PARAM[type] : -1;
    if (ci >= 0 && view.has(ci) && this.names(view.strList(ci))) { this.tids.add(view.tid); return true; }
    return false;
  }
}

/** Writes the records of `batch` that belong to the tree (all without one), with env emptied unless kept. */
async function writeFiltered(writer: ScapWriter, batch: EventBatch, view: EventView, tree: Members | undefined, keepEnv: boolean, room: number, containers: ContainerRecorder | null): Promise<number> {
  const offsets = new Uint32Array(batch.count);
  const cpus = new Uint16Array(batch.count);
  let run = 0;
  let written = 0;
  const flushRun = async () => {
    if (run > 0) await writer.writeBatch({ bytes: batch.bytes, view: batch.view, offsets, cpus, count: run });
    run = 0;
  };
  for (let i = 0; i < batch.count && written < room; i++) {
    view.set(batch.bytes, batch.view, batch.offsets[i], batch.cpus[i], 0);
    if (tree && !tree.admit(view)) continue;
    written++;
    if (containers !== null && CGROUPS_PARAM[view.type] >= 0) { await flushRun(); await containers.fromRecord(view); }
    const envIndex = keepEnv ? -1 : ENV_PARAM[view.type];
    if (envIndex >= 0 && view.paramLen(envIndex) > 0) {
      await flushRun();
      writer.writeRecord(withEmptyParam(view, envIndex), view.cpu);
      continue;
    }
    offsets[run] = batch.offsets[i];
    cpus[run] = batch.cpus[i];
    run++;
  }
  await flushRun();
  return written;
}

/** A copy of the record with parameter `index` emptied (length 0), header length and lengths array fixed. */
export function withEmptyParam(view: EventView, index: number): Uint8Array {
  const n = view.paramCount();
  const removed = view.paramLen(index);
  const src = view.bytes;
  const base = view.base;
  const len = view.len;
  const out = new Uint8Array(len - removed);
  const start = view.paramStart(index);
  out.set(src.subarray(base, start), 0);
  out.set(src.subarray(start + removed, base + len), start - base);
  const dv = new DataView(out.buffer);
  dv.setUint32(16, len - removed, true);
  if (index < n) dv.setUint16(26 + index * 2, 0, true);
  return out;
}
