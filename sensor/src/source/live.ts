// Live events from the kernel: the CO-RE probe's ring buffers, read by native/libsensord.so (plain C ABI)
// through koffi. One async call per batch runs on a libuv pool thread (it waits on the rings' fds and copies
// whole records, merged by timestamp); JS decodes one buffer while the native side fills the other.
import koffi, { type LibraryHandle } from 'koffi';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { PROBED_SYSCALLS } from '../schema/index.js';
import type { EventBatch } from '../schema/capture-types.js';

export interface LiveOptions {
  /** Bytes per ring buffer (power of two, default 8 MiB). */
  ringBytes?: number;
  /** 1 = one ring per CPU (default), 0 = one ring shared by all CPUs. */
  cpusPerRing?: number;
  /** Force a reader wake-up once this many bytes are pending (default 256 KiB). */
  wakeupBytes?: number;
  /** Bytes of I/O data kept per event (sendto/recvfrom data), default 80. */
  snaplen?: number;
  /** Syscalls to trace by name (default: every syscall the probe knows). */
  syscalls?: readonly string[];
  /** Exclude this process from tracing (default true). */
  excludeSelf?: boolean;
  /** Size of each of the two batch buffers (default 8 MiB). */
  batchBytes?: number;
  /** Longest wait for data before an empty batch is returned (default 100 ms). */
  pollTimeoutMs?: number;
}

export interface LiveStats {
  /** Records copied out of the rings. */
  events: number;
  bytes: number;
  /** Records the kernel could not reserve (ring full), summed over CPUs. */
  drops: number;
  rings: number;
  cpus: number;
}

/** The repository (or installed package) root: the nearest parent holding native/ — same from sources and dist/. */
function packageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'native')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return dir;
}

const LIB_PATH = path.join(packageRoot(), 'native', 'build', 'libsensord.so');

/** Errors of the live source carry a stable code (HOUSE-STYLE 14). */
export class LiveSourceError extends Error {
  constructor(readonly code: 'ENOLIB' | 'EOPEN' | 'EATTACH' | 'EPOLL' | 'ESELECT', message: string) {
    super(message);
    this.name = 'LiveSourceError';
  }
}

type KoffiFunction = ReturnType<LibraryHandle["func"]>;

interface Native {
  open: KoffiFunction;
  select: KoffiFunction;
  attach: KoffiFunction;
  poll: KoffiFunction;
  stats: KoffiFunction;
  dropsPerCpu: KoffiFunction;
  close: KoffiFunction;
}

let native: Native | undefined;

function loadNative(): Native {
  if (native) return native;
  if (!existsSync(LIB_PATH)) throw new LiveSourceError('ENOLIB', `${LIB_PATH} not found: build it with \`make -C native\``);
  const lib = koffi.load(LIB_PATH);
  koffi.struct('sensord_config', {
    ring_bytes: 'uint32_t', cpus_per_ring: 'uint32_t', wakeup_bytes: 'uint32_t', snaplen: 'uint32_t',
    exclude_tgid: 'int32_t', boot_time_ns: 'uint64_t',
  });
  koffi.struct('sensord_stats', { events: 'uint64_t', bytes: 'uint64_t', drops: 'uint64_t', rings: 'uint32_t', cpus: 'uint32_t' });
  koffi.opaque('sensord_t');
  native = {
    open: lib.func('sensord_t *sensord_open(const sensord_config *cfg, _Out_ uint8_t *err, uint32_t errlen)'),
    select: lib.func('int sensord_select_syscalls(sensord_t *h, const uint8_t *selected, uint32_t n)'),
    attach: lib.func('int sensord_attach(sensord_t *h, _Out_ uint8_t *err, uint32_t errlen)'),
    poll: lib.func('int64_t sensord_poll(sensord_t *h, void *buf, uint32_t cap, int32_t timeout_ms)'),
    stats: lib.func('int sensord_stats(sensord_t *h, _Out_ sensord_stats *out)'),
    dropsPerCpu: lib.func('int sensord_drops_per_cpu(sensord_t *h, _Out_ uint64_t *out, uint32_t n)'),
    close: lib.func('void sensord_close(sensord_t *h)'),
  };
  return native;
}

const cString = (buf: Uint8Array) => {
  const nul = buf.indexOf(0);
  return Buffer.from(buf.subarray(0, nul < 0 ? buf.length : nul)).toString('utf8');
};


interface BatchBuffer {
  ptr: unknown;
  bytes: Uint8Array;
  view: DataView;
  offsets: Uint32Array;
  cpus: Uint16Array;
}

/** Smallest framed record: 4-byte frame + 26-byte header. */
const MIN_FRAME = 30;

export class LiveSource {
  private handle: unknown;
  private readonly buffers: [BatchBuffer, BatchBuffer];
  private closed = false;
  private pending: Promise<number> | undefined;
  private pendingIndex = 0;
  readonly selected: ReadonlySet<string>;

  private constructor(handle: unknown, private readonly opts: Required<Pick<LiveOptions, 'batchBytes' | 'pollTimeoutMs'>>, selected: Set<string>) {
    this.handle = handle;
    this.selected = selected;
    this.buffers = [this.allocBuffer(), this.allocBuffer()];
  }

  /** Loads the probe, selects the syscalls and attaches. Needs root (CAP_BPF + CAP_PERFMON). */
  static open(options: LiveOptions = {}): LiveSource {
    const n = loadNative();
    const err = new Uint8Array(512);
    const cfg = {
      ring_bytes: options.ringBytes ?? 8 << 20,
      cpus_per_ring: options.cpusPerRing ?? 1,
      wakeup_bytes: options.wakeupBytes ?? 256 << 10,
      snaplen: options.snaplen ?? 80,
      exclude_tgid: options.excludeSelf === false ? 0 : process.pid,
      // 0: the native side measures it (CLOCK_REALTIME − CLOCK_BOOTTIME, ns precision; /proc/uptime has 10 ms).
      boot_time_ns: 0,
    };
    const handle = n.open(cfg, err, err.length);
    if (!handle) throw new LiveSourceError('EOPEN', `opening the probe failed: ${cString(err)}`);
    const names = new Set(options.syscalls ?? PROBED_SYSCALLS.map((s) => s.name));
    const source = new LiveSource(handle, {
      batchBytes: options.batchBytes ?? 8 << 20,
      pollTimeoutMs: options.pollTimeoutMs ?? 100,
    }, names);
    try {
      source.select(names);
      if (n.attach(handle, err, err.length) !== 0) throw new LiveSourceError('EATTACH', `attaching the probe failed: ${cString(err)}`);
    } catch (e) {
      source.close();
      throw e;
    }
    return source;
  }

  /** Sets the traced syscalls (may be called while attached). Unknown names are an error. */
  select(names: Iterable<string>): void {
    const table = new Uint8Array(512);
    for (const name of names) {
      const s = PROBED_SYSCALLS.find((p) => p.name === name);
      if (!s) throw new LiveSourceError('ESELECT', `the probe does not trace syscall ${JSON.stringify(name)}`);
      table[s.nr] = 1;
    }
    if (loadNative().select(this.handle, table, table.length) < 0) throw new LiveSourceError('ESELECT', 'setting the syscall selection failed');
  }

  private allocBuffer(): BatchBuffer {
    const size = this.opts.batchBytes;
    const ptr = koffi.alloc('uint8_t', size);
    const ab = koffi.view(ptr, size);
    const maxRecords = Math.floor(size / MIN_FRAME) + 1;
    return { ptr, bytes: new Uint8Array(ab), view: new DataView(ab), offsets: new Uint32Array(maxRecords), cpus: new Uint16Array(maxRecords) };
  }

  private startPoll(index: number): void {
    const buf = this.buffers[index];
    this.pendingIndex = index;
    this.pending = new Promise((resolve, reject) => {
      loadNative().poll.async(this.handle, buf.ptr, this.opts.batchBytes, this.opts.pollTimeoutMs, (e: unknown, r: number | bigint) => {
        if (e) reject(e);
        else resolve(Number(r));
      });
    });
  }

  /**
   * The next batch: waits (off the event loop) for up to pollTimeoutMs; an empty batch (count 0) means none came.
   * The batch stays valid until the following call to next(): the native side fills the other buffer meanwhile.
   */
  async next(): Promise<EventBatch | null> {
    if (this.closed) return null;
    if (!this.pending) this.startPoll(0);
    const index = this.pendingIndex;
    const n = await this.pending!;
    this.pending = undefined;
    if (this.closed) return null;
    if (n < 0) throw new LiveSourceError('EPOLL', `reading the rings failed: errno ${-n}`);
    this.startPoll(1 - index);
    return frame(this.buffers[index], n);
  }

  stats(): LiveStats {
    const out: Record<string, number | bigint> = {};
    if (this.closed) return { events: 0, bytes: 0, drops: 0, rings: 0, cpus: 0 };
    loadNative().stats(this.handle, out);
    return { events: Number(out.events), bytes: Number(out.bytes), drops: Number(out.drops), rings: Number(out.rings), cpus: Number(out.cpus) };
  }

  dropsPerCpu(): number[] {
    const cpus = this.stats().cpus;
    const out = new BigUint64Array(Math.max(cpus, 1));
    loadNative().dropsPerCpu(this.handle, out, out.length);
    return Array.from(out, Number);
  }

  /** Detaches and frees everything; waits for an in-flight poll to return first. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.pending) await this.pending.catch(() => 0);
    loadNative().close(this.handle);
    for (const b of this.buffers) koffi.free(b.ptr);
    this.handle = undefined;
  }
}

/** Indexes the native framing `[u16 cpu][u16 0][ppm record]…` into offsets/cpus. */
function frame(buf: BatchBuffer, n: number): EventBatch {
  let p = 0;
  let count = 0;
  const v = buf.view;
  while (p + MIN_FRAME <= n) {
    const cpu = v.getUint16(p, true);
    const len = v.getUint32(p + 4 + 16, true);
    if (len < 26 || p + 4 + len > n) break;
    buf.offsets[count] = p + 4;
    buf.cpus[count] = cpu;
    count++;
    p += 4 + len;
  }
  return { bytes: buf.bytes, view: buf.view, offsets: buf.offsets, cpus: buf.cpus, count };
}

export function openLiveSource(options: LiveOptions = {}): LiveSource {
  return LiveSource.open(options);
}
