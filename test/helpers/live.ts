// Live-probe test harness: attach the real probe, run a workload in child processes, and collect the
// decoded events of those children only. Needs root and the native build; suites skip with a message
// otherwise (and fail under CI=true, where both are present).
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, expect } from 'vitest';
import { EVENTS, currentExitEvent, eventByCode } from '../../sensor/src/schema/index.js';
import { FLAG_TABLES } from '../../sensor/src/schema/flags.js';
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
    child.stdin.on('error', () => {}); // EPIPE when the child exits without reading its input
    child.stdin.end(opts.input ?? '');
  });
}

// ---- the trigger program (native/build/trigger) -------------------------------------------------------

export const TRIGGER = path.join(REPO_ROOT, 'native', 'build', 'trigger');
/** The failed close(-4242) the trigger makes before its actions: events before it are the dynamic loader's. */
export const TRIGGER_MARKER_FD = -4242;

/** One run of the trigger: its stdout (`label key=value ...` lines) and the events of its process tree. */
export interface TriggerRun {
  pid: number;
  code: number;
  stdout: string;
  /** Events of the tree after the trigger's marker, in timestamp order. */
  events: DecodedEvent[];
  /** key=value fields of the first line with this label (throws when missing). */
  out(label: string): Record<string, string>;
  /** One numeric field of a line. */
  num(label: string, key: string): number;
  /** Events with this name (exit events; procexit by name). */
  of(name: string): DecodedEvent[];
}

export function parseTriggerLines(stdout: string): Map<string, Record<string, string>> {
  const lines = new Map<string, Record<string, string>>();
  for (const line of stdout.split('\n')) {
    const [label, ...rest] = line.trim().split(/\s+/);
    if (!label || lines.has(label)) continue;
    const kv: Record<string, string> = {};
    for (const item of rest) {
      const eq = item.indexOf('=');
      if (eq > 0) kv[item.slice(0, eq)] = item.slice(eq + 1);
    }
    lines.set(label, kv);
  }
  return lines;
}

/** Runs trigger actions once per distinct argument list (tests of one action share its run). */
export class TriggerRunner {
  private readonly runs = new Map<string, Promise<TriggerRun>>();
  constructor(private readonly collector: LiveCollector) {}

  run(...actions: string[]): Promise<TriggerRun> {
    const key = actions.join(' ');
    let r = this.runs.get(key);
    if (!r) {
      r = this.start(actions);
      this.runs.set(key, r);
    }
    return r;
  }

  private async start(actions: string[]): Promise<TriggerRun> {
    const { pid, code, stdout } = await runTraced(TRIGGER, actions);
    const all = await this.collector.waitFor(pid, (evs) => evs.some((e) => e.name === 'procexit' && e.tid === pid));
    const sorted = [...all].sort((a, b) => (a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : 0));
    const marker = sorted.find((e) => e.tid === pid && e.name === 'close' && e.params.fd === TRIGGER_MARKER_FD);
    const events = marker ? sorted.filter((e) => e.ts > marker.ts) : sorted;
    const lines = parseTriggerLines(stdout);
    const out = (label: string) => {
      const kv = lines.get(label);
      if (!kv) throw new Error(`trigger ${actions.join(' ')} printed no line '${label}':\n${stdout}`);
      return kv;
    };
    return {
      pid, code, stdout, events, out,
      num: (label, key) => {
        const v = out(label)[key];
        if (v === undefined) throw new Error(`trigger line '${label}' has no ${key}`);
        return Number(v);
      },
      of: (name) => events.filter((e) => e.name === name && (e.dir === '<' || name === 'procexit')),
    };
  }
}

// ---- SOCKTUPLE / SOCKADDR params (falco-format.md: u8 family, addrs network order, ports host order) ----

export const PPM_AF_UNIX = 1;
export const PPM_AF_INET = 2;
export const PPM_AF_INET6 = 10;

function ipString(b: Uint8Array): string {
  if (b.length === 4) return [...b].join('.');
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((b[i] << 8) | b[i + 1]).toString(16));
  return groups.join(':');
}
/** ::1 as ipString prints it. */
export const IP6_LOOPBACK = '0:0:0:0:0:0:0:1';

export type ParsedTuple =
  | { family: 2 | 10; src: string; sport: number; dst: string; dport: number }
  | { family: 1; src: bigint; dst: bigint; path: string }
  | { family: number; raw: Uint8Array };

export function parseTuple(raw: Uint8Array): ParsedTuple | null {
  if (raw.length === 0) return null;
  const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const family = raw[0];
  if ((family === PPM_AF_INET && raw.length === 13) || (family === PPM_AF_INET6 && raw.length === 37)) {
    const n = family === PPM_AF_INET ? 4 : 16;
    return {
      family, src: ipString(raw.subarray(1, 1 + n)), sport: dv.getUint16(1 + n, true),
      dst: ipString(raw.subarray(3 + n, 3 + 2 * n)), dport: dv.getUint16(3 + 2 * n, true),
    };
  }
  if (family === PPM_AF_UNIX && raw.length >= 17) {
    const rest = raw.subarray(17);
    const nul = rest.indexOf(0);
    return { family, src: dv.getBigUint64(1, true), dst: dv.getBigUint64(9, true), path: Buffer.from(rest.subarray(0, nul < 0 ? rest.length : nul)).toString() };
  }
  return { family, raw };
}

export type ParsedSockaddr = { family: 2 | 10; addr: string; port: number } | { family: 1; path: string } | { family: number; raw: Uint8Array };

export function parseSockaddr(raw: Uint8Array): ParsedSockaddr | null {
  if (raw.length === 0) return null;
  const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const family = raw[0];
  if ((family === PPM_AF_INET && raw.length === 7) || (family === PPM_AF_INET6 && raw.length === 19)) {
    const n = family === PPM_AF_INET ? 4 : 16;
    return { family, addr: ipString(raw.subarray(1, 1 + n)), port: dv.getUint16(1 + n, true) };
  }
  if (family === PPM_AF_UNIX) {
    const rest = raw.subarray(1);
    const nul = rest.indexOf(0);
    return { family, path: Buffer.from(rest.subarray(0, nul < 0 ? rest.length : nul)).toString() };
  }
  return { family, raw };
}

/** A PT_DYN param: u8 index + u64 (index 0) or u8 (index 1). */
export function parseDyn(raw: Uint8Array): { idx: number; value: bigint } {
  const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  if (raw[0] === 0 && raw.length === 9) return { idx: 0, value: dv.getBigUint64(1, true) };
  if (raw[0] === 1 && raw.length === 2) return { idx: 1, value: BigInt(raw[1]) };
  throw new Error(`unexpected DYN param ${[...raw]}`);
}

// ---- assertions shared by the live syscall tests ---------------------------------------------------

/** Sum of PPM flag values by printed name in one of Falco's flag tables. */
export function ppm(table: string, ...names: string[]): number {
  return names.reduce((acc, n) => {
    const row = FLAG_TABLES[table].find(([name]) => name === n);
    if (!row) throw new Error(`no ${n} in ${table}`);
    return acc + row[1];
  }, 0);
}

/** Exactly one exit event of `name` matching `pred`, with the event table's id and param count. */
export function single(r: TriggerRun, name: string, pred: (e: DecodedEvent) => boolean = () => true): DecodedEvent {
  const all = r.of(name);
  const hits = all.filter(pred);
  const show = all.map((e) => JSON.stringify(e.params, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v instanceof Uint8Array ? Buffer.from(v).toString('latin1') : v)));
  expect(hits.length, `one matching ${name} exit event of pid ${r.pid}; all ${name} events:\n${show.join('\n')}`).toBe(1);
  const info = name === 'procexit' ? eventByCode('PPME_PROCEXIT_1_E') : currentExitEvent(name)!;
  expect(hits[0].type, `${name} event id`).toBe(info.id);
  expect(hits[0].nparams, `${name} nparams`).toBe(info.params.length);
  return hits[0];
}


/**
 * For a describe() of trigger-driven tests: opens the probe and a collector before the suite, closes them and
 * removes the trigger's scratch directories after it. Returns `run(action)`, which expects the trigger to succeed.
 */
export function useTriggerSuite(): (action: string) => Promise<TriggerRun> {
  let source: LiveSource | undefined;
  let collector: LiveCollector | undefined;
  let trigger: TriggerRunner | undefined;
  const dirs: string[] = [];
  beforeAll(async () => {
    source = await openProbe();
    collector = new LiveCollector(source);
    trigger = new TriggerRunner(collector);
  });
  afterAll(async () => {
    await collector?.stop();
    await source?.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  return async (action: string) => {
    const r = await trigger!.run(action);
    expect(r.code, r.stdout).toBe(0);
    if (r.stdout.includes('dir path=')) dirs.push(r.out('dir').path);
    return r;
  };
}

/** A `sensord capture` running as a child process. */
export interface RunningCapture {
  child: ChildProcess;
  /** Its exit code. */
  ended: Promise<number>;
  /** What it wrote on stderr so far. */
  stderr(): string;
}

/**
 * Starts `sensord capture -w OUT ARGS…` (the built command) and resolves once OUT exists, which it is when the probe
 * is attached and the process list written (OUT is removed first, so an old file does not count). Resolves with an
 * object: an async function returning the exit promise itself would wait for the capture to end.
 */
export async function startCapture(out: string, args: string[], startMs = 30_000): Promise<RunningCapture> {
  rmSync(out, { force: true });
  const child = spawn(process.execPath, [path.join(REPO_ROOT, 'bin', 'sensord.js'), 'capture', '-w', out, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => { stderr += d.toString(); });
  const ended = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? 1)));
  for (const t0 = Date.now(); !existsSync(out); await new Promise((r) => setTimeout(r, 50))) {
    if (Date.now() - t0 > startMs) { child.kill('SIGKILL'); throw new Error(`sensord capture did not start: ${stderr}`); }
  }
  return { child, ended, stderr: () => stderr };
}
