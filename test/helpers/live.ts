// Live-probe test harness: attach the real probe, run a workload in child processes, and collect the
// decoded events of those children only. Needs root and the native build; suites skip with a message
// otherwise (and fail under CI=true, where both are present).
import { existsSync } from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { EVENTS } from '../../sensor/src/schema/index.js';
import { EventView } from '../../sensor/src/decode/event-view.js';
import { REPO_ROOT } from './shared.js';
import type { LiveSource, LiveOptions } from '../../sensor/src/source/live.js';

export const NATIVE_LIB = path.join(REPO_ROOT, 'native', 'build', 'libsensord.so');

export function skipWithoutProbe(what: string): boolean {
  const reasons: string[] = [];
  if (process.getuid?.() !== 0) reasons.push('not root');
  if (!existsSync('/sys/kernel/btf/vmlinux')) reasons.push('no BTF');
  if (!existsSync(NATIVE_LIB)) reasons.push(`${NATIVE_LIB} not built (make -C native)`);
  if (reasons.length === 0) return false;
  if (process.env.CI === 'true') throw new Error(`${what}: live eBPF tests must run in CI, but: ${reasons.join(', ')}`);
  console.warn(`SKIP ${what}: ${reasons.join(', ')}`);
  return true;
}

/** One decoded event: header fields and every param by name (ints as numbers/bigints, strings, bytes). */
export interface DecodedEvent {
  type: number;
  name: string;
  code: string;
  dir: string;
  tid: number;
  ts: bigint;
  cpu: number;
  nparams: number;
  params: Record<string, number | bigint | string | string[] | Uint8Array>;
  raw: Record<string, Uint8Array>;
}

export function decodeAll(view: EventView): DecodedEvent {
  const info = EVENTS[view.type];
  const params: DecodedEvent['params'] = {};
  const raw: DecodedEvent['raw'] = {};
  info.params.forEach((p, i) => {
    if (i >= view.paramCount()) return;
    raw[p.name] = view.raw(i).slice();
    switch (p.type) {
      case 'CHARBUF': case 'FSPATH': case 'FSRELPATH': params[p.name] = view.str(i); break;
      case 'INT8': params[p.name] = view.i8(i); break;
      case 'INT16': params[p.name] = view.i16(i); break;
      case 'INT32': case 'FD32': case 'PID32': params[p.name] = view.i32(i); break;
      case 'ERRNO': case 'FD': case 'PID': case 'INT64': params[p.name] = view.i64(i); break;
      case 'UINT64': case 'ABSTIME': case 'RELTIME': params[p.name] = view.u64n(i); break;
      case 'UINT8': case 'SIGTYPE': case 'FLAGS8': case 'ENUMFLAGS8': case 'L4PROTO': case 'SOCKFAMILY': params[p.name] = view.u8(i); break;
      case 'UINT16': case 'FLAGS16': case 'ENUMFLAGS16': case 'PORT': case 'SYSCALLID': params[p.name] = view.u16(i); break;
      case 'UINT32': case 'FLAGS32': case 'ENUMFLAGS32': case 'UID': case 'GID': case 'MODE': case 'BOOL': case 'SIGSET': case 'IPV4ADDR':
        params[p.name] = view.u32(i); break;
      default: params[p.name] = view.raw(i).slice();
    }
  });
  return {
    type: view.type, name: info.name, code: info.code, dir: info.dir, tid: view.tid, ts: view.ts, cpu: view.cpu,
    nparams: view.nparams, params, raw,
  };
}

const CLONE_NAMES = new Set(['clone', 'clone3', 'fork', 'vfork']);

/** Collects every event while running (tests are short and the machine is quiet), then filters by process tree. */
export class LiveCollector {
  readonly events: DecodedEvent[] = [];
  private running = true;
  private loop: Promise<void>;

  constructor(readonly source: LiveSource, private readonly limit = 500_000) {
    const view = new EventView();
    this.loop = (async () => {
      while (this.running) {
        const batch = await source.next();
        if (!batch) return;
        for (let i = 0; i < batch.count && this.events.length < this.limit; i++) {
          view.set(batch.bytes, batch.view, batch.offsets[i], batch.cpus[i], 0);
          this.events.push(decodeAll(view));
        }
      }
    })();
  }

  /** Events of `rootPid` and every thread/process it forked (followed through clone exit events). */
  treeOf(rootPid: number): DecodedEvent[] {
    const tids = new Set([rootPid]);
    let grew = true;
    while (grew) {
      grew = false;
      for (const e of this.events) {
        if (CLONE_NAMES.has(e.name) && tids.has(e.tid) && typeof e.params.res === 'number' && e.params.res > 0 && !tids.has(e.params.res)) {
          tids.add(e.params.res);
          grew = true;
        }
      }
    }
    return this.events.filter((e) => tids.has(e.tid));
  }

  /** Waits until `pred` holds over the tree's events, or times out. */
  async waitFor(rootPid: number, pred: (evs: DecodedEvent[]) => boolean, timeoutMs = 3000): Promise<DecodedEvent[]> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const evs = this.treeOf(rootPid);
      if (pred(evs) || Date.now() >= until) return evs;
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }
}

export async function openProbe(opts: LiveOptions = {}): Promise<LiveSource> {
  const { openLiveSource } = await import('../../sensor/src/source/live.js');
  return openLiveSource({ pollTimeoutMs: 20, ...opts });
}

/** Runs a command to completion and returns its pid (the root of the process tree to look at). */
export function runTraced(cmd: string, args: string[], opts: { input?: string } = {}): Promise<{ pid: number; code: number; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.on('error', reject);
    child.on('close', (code) => resolve({ pid: child.pid!, code: code ?? -1, stdout }));
    child.stdin.end(opts.input ?? '');
  });
}
