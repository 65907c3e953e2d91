// Reads .scap captures (libscap's pcapng-like format, gzip or plain): metadata blocks become
// CaptureMetadata, event blocks become EventBatches of ppm records read in place (zero-copy).
//
// Contract: `openScap()` holds the whole decompressed capture in memory (one buffer; a capture of a few hundred
// MB / millions of events fits comfortably and lets records be handed out without copying; large gzip files are
// inflated into shared memory by a worker thread while the caller decodes, see gunzip-worker.ts), parses
// the first section's metadata, and returns a reader whose iterator yields `section` items (one per SHB,
// including the first) and `events` batches. EV_V2/EVF_V2 records are referenced in place; old v1 records
// (22-byte header, no nparams) are normalised into a per-batch side buffer as libscap does. Corrupt or truncated
// input ends the iteration with a ScapError naming the byte offset and block type; every event before the
// problem is delivered first. The reader never loops without consuming bytes, so it cannot hang.
import { closeSync, existsSync, fstatSync, openSync, read, readFileSync, readSync } from 'node:fs';
import { promisify } from 'node:util';
import { Worker } from 'node:worker_threads';
import zlib from 'node:zlib';
import { EVENTS, LARGE_PAYLOAD, PPM_EVENT_MAX } from '../schema/index.js';
import type {
  CaptureMetadata, EventBatch, FdEntry, GroupEntry, InterfaceEntry, MachineInfo, ThreadEntry, UserEntry,
} from '../schema/capture-types.js';
import { ScapError, blockTypeName } from './errors.js';
import type { GunzipJob, GunzipMessage } from './gunzip-worker.js';

export { ScapError, blockTypeName } from './errors.js';
import { BlockType, BYTE_ORDER_MAGIC } from './scap-format.js';

export { BlockType } from './scap-format.js';

const SUPPORTED_MAJOR = 1;
const V1_HEADER = 22;
const V2_HEADER = 26;
const MAX_PARAMS = 64;
const DEFAULT_BATCH_EVENTS = 8192;

/** A batch from a capture: EventBatch plus the EVF flags of each record and the section it belongs to. */
export interface ScapBatch extends EventBatch {
  /** EVF block flags per record (0 for EV blocks). */
  readonly flags: Uint32Array;
  /** 0-based index of the section (SHB) the records belong to. */
  readonly section: number;
}

export interface ScapSection {
  kind: 'section';
  /** 0-based section index; a capture made of concatenated files has several. */
  index: number;
  major: number;
  minor: number;
  /** Byte offset of the section header block in the decompressed stream. */
  offset: number;
  metadata: CaptureMetadata;
}

export type ScapItem = ScapSection | { kind: 'events'; batch: ScapBatch };

export interface ScapReadOptions {
  /** Most records per batch (default 8192). */
  batchEvents?: number;
  /**
   * Return as soon as the first section's metadata is read, and read (and gunzip) the rest while the caller
   * decodes: iterate with `for await`. Without it the whole capture is read before openScap resolves.
   */
  streaming?: boolean;
}

export interface ScapReader {
  /** Metadata of the first section. */
  readonly metadata: CaptureMetadata;
  readonly major: number;
  readonly minor: number;
  /** Decompressed length of the capture in bytes. */
  readonly byteLength: number;
  /** Events skipped because their type is >= PPM_EVENT_MAX (newer than our table), as libscap does. */
  readonly skippedUnknown: number;
  /** Sections then batches, in file order. Throws ScapError after delivering every event before a problem. */
  [Symbol.iterator](): Iterator<ScapItem>;
  /** The same, waiting for input as it arrives (required for a streaming reader). */
  [Symbol.asyncIterator](): AsyncIterator<ScapItem>;
}

/** Opens a capture from a path or from its bytes (gzip or plain). */
export async function openScap(input: string | Uint8Array, options: ScapReadOptions = {}): Promise<ScapReader> {
  let source: Input;
  if (typeof input === 'string') {
    source = await openFileInput(input);
  } else {
    const { bytes, gzipError } = await decompress(input);
    source = Input.complete(bytes, gzipError);
  }
  if (!options.streaming) await source.done();
  return Reader.open(source, options);
}

/** What keeps the process alive while the reader waits for input (a Worker: ref'd only while waited on). */
interface KeepAlive { ref(): void; unref(): void }

/**
 * The reader's bytes: one buffer sized for the whole (decompressed) capture, filled progressively while the
 * parser works on what is already there: plain files by reads on libuv's pool, large gzip files by a worker
 * thread that inflates into shared memory and publishes its progress in a shared counter (see poll()).
 */
class Input {
  filled = 0;
  isComplete = false;
  error: ScapError | undefined;
  /** Bytes written so far by a gunzip worker, readable without an event-loop turn. */
  progress: BigInt64Array | undefined;
  keepAlive: KeepAlive | undefined;
  private waiters: (() => void)[] = [];

  constructor(public bytes: Uint8Array) {}

  static complete(bytes: Uint8Array, error?: ScapError): Input {
    const input = new Input(bytes);
    input.filled = bytes.length;
    input.isComplete = true;
    input.error = error;
    return input;
  }

  /** Catches up with the worker's shared counter; returns the end of valid bytes in `bytes`. */
  poll(): number {
    if (this.progress !== undefined && !this.isComplete) {
      // Clamped: after the worker moved to a bigger buffer, the count may run ahead of the 'grow' message.
      const n = Math.min(Number(Atomics.load(this.progress, 0)), this.bytes.length);
      if (n > this.filled) this.filled = n;
    }
    return this.filled;
  }

  advance(filled: number): void {
    this.filled = Math.max(this.filled, filled);
    this.wake();
  }

  /** The producer moved to a bigger buffer holding the same bytes (a gunzip worker outgrew its ISIZE). */
  replace(bytes: Uint8Array): void {
    this.bytes = bytes;
    this.advance(this.poll());
  }

  finish(error?: ScapError): void {
    if (this.isComplete) return;
    this.poll();
    this.isComplete = true;
    this.error ??= error;
    this.bytes = this.bytes.subarray(0, this.filled);
    this.wake();
  }

  /** Resolves when more bytes arrived or the input ended. */
  more(): Promise<void> {
    if (this.isComplete) return Promise.resolve();
    const before = this.filled;
    if (this.poll() > before) return Promise.resolve();
    if (this.waiters.length === 0) this.keepAlive?.ref();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  async done(): Promise<void> {
    while (!this.isComplete) await this.more();
  }

  private wake(): void {
    const w = this.waiters;
    if (w.length === 0) return;
    this.waiters = [];
    this.keepAlive?.unref();
    for (const resolve of w) resolve();
  }
}

const READ_CHUNK = 4 << 20;
/**
 * Smallest gzip file inflated in a worker (exported for tests): a worker delivers its first byte ~30 ms after
 * it is started, about what inflating 2 MiB of gzip (~20 MiB of capture) costs in this thread. Measured with
 * `sensord events`: 1.4 MB of gzip reads ~20 ms faster in-thread, 2.9 MB ~10 ms faster through the worker.
 */
export const WORKER_MIN_COMPRESSED = 2 << 20;

/**
 * Opens a capture file: plain files are pumped in 4 MiB reads into an Input; gzip ones are inflated. For gzip,
 * everything up to handing the compressed bytes to the worker runs synchronously, inside the caller's call:
 * `sensord replay` loads its rules next without yielding, and the worker boots and inflates meanwhile (with
 * awaits here it started only after the rules, and the reader then waited ~45 ms for its first bytes).
 */
async function openFileInput(path: string): Promise<Input> {
  let fd: number;
  let size: number;
  const magic = Buffer.alloc(2);
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw new ScapError('EOPEN', `cannot read ${path}: ${(e as Error).message}`, 0);
  }
  try {
    size = fstatSync(fd).size;
    if (size >= 2) readSync(fd, magic, 0, 2, 0);
  } catch (e) {
    closeSync(fd);
    throw new ScapError('EOPEN', `cannot read ${path}: ${(e as Error).message}`, 0);
  }
  if (magic[0] === 0x1f && magic[1] === 0x8b) {
    const worker = size >= WORKER_MIN_COMPRESSED ? startCompiledGunzipWorker() ?? await startGunzipWorkerFromSource() : undefined;
    let raw: Buffer;
    try {
      raw = worker !== undefined ? Buffer.from(new SharedArrayBuffer(size)) : Buffer.allocUnsafe(size);
      let off = 0;
      while (off < size) {
        const n = readSync(fd, raw, off, size - off, off);
        if (n === 0) break;
        off += n;
      }
    } catch (e) {
      void worker?.terminate();
      throw new ScapError('EOPEN', `cannot read ${path}: ${(e as Error).message}`, 0);
    } finally {
      closeSync(fd);
    }
    if (worker !== undefined) return inflateInWorker(worker, raw);
    const { bytes, gzipError } = await decompress(raw);
    return Input.complete(bytes, gzipError);
  }
  const input = new Input(Buffer.allocUnsafe(size));
  void (async () => {
    try {
      let off = 0;
      while (off < size) {
        const { bytesRead } = await readAsync(fd, input.bytes, off, Math.min(READ_CHUNK, size - off), off);
        if (bytesRead === 0) break;
        off += bytesRead;
        input.advance(off);
      }
      input.finish();
    } catch (e) {
      input.finish(new ScapError('EOPEN', `cannot read ${path}: ${(e as Error).message}`, input.filled));
    } finally {
      closeSync(fd);
    }
  })();
  return input;
}

const readAsync = promisify(read);

/** The gunzip worker's script, compiled beside this module (dist/, the bundle). */
const COMPILED_WORKER = new URL('./gunzip-worker.js', import.meta.url);

/** The gunzip worker from its compiled script, started synchronously; undefined without one. */
function startCompiledGunzipWorker(): Worker | undefined {
  return existsSync(COMPILED_WORKER) ? idleWorker(COMPILED_WORKER) : undefined;
}

let sourceUrl: Promise<URL | undefined> | undefined;

/**
 * Without a compiled script (running from the TypeScript sources, as vitest does): the worker compiled on the fly.
 * typescript is a dev dependency there; the worker imports only node: builtins, so it runs from a data: URL.
 */
async function startGunzipWorkerFromSource(): Promise<Worker | undefined> {
  sourceUrl ??= (async () => {
    const source = new URL('./gunzip-worker.ts', import.meta.url);
    if (!existsSync(source)) return undefined;
    try {
      const ts = (await import('typescript')).default;
      const js = ts.transpileModule(readFileSync(source, 'utf8'), {
        compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
      }).outputText;
      return new URL(`data:text/javascript,${encodeURIComponent(js)}`);
    } catch {
      return undefined;
    }
  })();
  const url = await sourceUrl;
  return url === undefined ? undefined : idleWorker(url);
}

/** A worker that never keeps the process alive by itself; undefined when it cannot start. */
function idleWorker(url: URL): Worker | undefined {
  try {
    const worker = new Worker(url);
    worker.unref();
    return worker;
  } catch {
    return undefined;
  }
}

/**
 * Hands the compressed bytes to the worker; the returned Input fills as it inflates. A worker that stops
 * without a word (crash, exit, failure to start) ends the input with EGZIP after what it delivered, or, when
 * it delivered nothing, leaves the work to this thread.
 */
function inflateInWorker(worker: Worker, raw: Buffer): Input {
  let output: SharedArrayBuffer;
  try {
    output = new SharedArrayBuffer(inflatedSizeGuess(raw));
  } catch {
    output = new SharedArrayBuffer(0); // the worker grows it
  }
  const input = new Input(new Uint8Array(output));
  const progress = new SharedArrayBuffer(8);
  input.progress = new BigInt64Array(progress);
  input.keepAlive = worker;
  let compressed: Buffer | undefined = raw; // kept for the in-thread fallback until the worker ends
  const end = (error?: ScapError) => { compressed = undefined; input.finish(error); };
  const inflateHereInstead = () => {
    const bytes = compressed!;
    compressed = undefined;
    void inflateHere(input, bytes);
  };
  const lost = (why: string) => {
    if (compressed === undefined) return; // ended already
    const n = input.poll();
    if (n === 0) inflateHereInstead();
    else end(new ScapError('EGZIP', `${why}; ${n} bytes decompressed`, n));
  };
  worker.on('message', (m: GunzipMessage) => {
    if (m.kind === 'progress') {
      input.advance(input.poll());
    } else if (m.kind === 'grow') {
      input.replace(new Uint8Array(m.output));
    } else if (m.kind === 'unsupported') {
      inflateHereInstead();
    } else if (m.error === undefined) {
      end();
    } else {
      const n = input.poll();
      end(new ScapError('EGZIP', `gzip stream damaged (${m.error}); ${n} bytes decompressed`, n));
    }
  });
  worker.on('error', (e) => lost(`gunzip worker failed (${e.message})`));
  worker.on('messageerror', (e) => lost(`gunzip worker failed (${e.message})`));
  worker.on('exit', (code) => lost(`gunzip worker exited with code ${code}`));
  const job: GunzipJob = { input: raw.buffer as SharedArrayBuffer, output, progress };
  worker.postMessage(job);
  return input;
}

/** The in-thread path, for a worker that could not inflate (and wrote nothing). */
async function inflateHere(input: Input, raw: Uint8Array): Promise<void> {
  const { bytes, gzipError } = await decompress(raw);
  input.progress = undefined;
  input.bytes = bytes;
  input.advance(bytes.length);
  input.finish(gzipError);
}

/**
 * Output size of a gzip file: its trailer's ISIZE (size mod 2^32 of the last member) when deflate could have
 * produced the file from that many bytes, else a guess. Either way the worker grows the buffer if it is short
 * (multi-member files, captures over 4 GiB, trailing junk), and the reader trims it when it is long.
 */
function inflatedSizeGuess(raw: Uint8Array): number {
  const n = raw.length;
  const isize = (raw[n - 4] | raw[n - 3] << 8 | raw[n - 2] << 16 | raw[n - 1] << 24) >>> 0;
  // deflate shrinks at most 1032:1 and grows by at most 5 bytes per 16 KiB (stored blocks), plus the header.
  const plausible = isize <= n * 1032 && n <= isize + Math.ceil(isize / 16384) * 5 + 4096;
  return plausible ? isize : Math.min(n * 8, 2 ** 32);
}

/** Gunzips when the gzip magic is present. A damaged stream yields what decompressed before the damage. */
async function decompress(raw: Uint8Array): Promise<{ bytes: Uint8Array; gzipError?: ScapError }> {
  if (raw.length < 2 || raw[0] !== 0x1f || raw[1] !== 0x8b) return { bytes: raw };
  try {
    // Synchronous: measured ~1.5× faster here than the async one-shot (no copy of the output chunks).
    return { bytes: zlib.gunzipSync(raw, { chunkSize: 1 << 20 }) };
  } catch (first) {
    const partial = await gunzipPartial(raw);
    return {
      bytes: partial,
      gzipError: new ScapError('EGZIP', `gzip stream damaged (${(first as Error).message}); ${partial.length} bytes decompressed`, partial.length),
    };
  }
}

/** Must stay in step with the gunzip worker's salvage(): both define what a damaged stream delivers. */
function gunzipPartial(raw: Uint8Array): Promise<Uint8Array> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const z = zlib.createGunzip({ finishFlush: zlib.constants.Z_SYNC_FLUSH });
    const done = () => resolve(Buffer.concat(chunks));
    z.on('data', (c: Buffer) => chunks.push(c));
    z.on('error', done);
    z.on('end', done);
    z.end(raw);
  });
}

/** A bounds-checked little-endian cursor over one block body; overruns throw EBADBLOCK. */
class Cursor {
  constructor(readonly bytes: Uint8Array, readonly dv: DataView, public pos: number, readonly end: number,
    readonly blockStart: number, readonly blockType: number) {}

  get remaining(): number { return this.end - this.pos; }
  need(n: number, what: string): number {
    if (n < 0 || this.pos + n > this.end) {
      throw new ScapError('EBADBLOCK', `${blockTypeName(this.blockType)} body overrun reading ${what}`, this.pos, this.blockType);
    }
    const p = this.pos;
    this.pos += n;
    return p;
  }
  u8(what: string): number { return this.bytes[this.need(1, what)]; }
  u16(what: string): number { return this.dv.getUint16(this.need(2, what), true); }
  u32(what: string): number { return this.dv.getUint32(this.need(4, what), true); }
  /** 64-bit as a double (exact below 2^53: tids, fds). */
  i64(what: string): number {
    const p = this.need(8, what);
    return this.dv.getInt32(p + 4, true) * 4294967296 + this.dv.getUint32(p, true);
  }
  u64n(what: string): bigint { return this.dv.getBigUint64(this.need(8, what), true); }
  /** A copy (a Buffer's slice() would be a view pinning the whole capture), always a plain Uint8Array. */
  raw(n: number, what: string): Uint8Array { const p = this.need(n, what); return new Uint8Array(this.bytes.subarray(p, p + n)); }
  /** u16 length + bytes (not NUL-terminated on disk; a trailing NUL is dropped if present). */
  str16(what: string): string {
    const n = this.u16(what);
    const p = this.need(n, what);
    let e = p + n;
    const nul = this.bytes.indexOf(0, p);
    if (nul >= 0 && nul < e) e = nul;
    return TEXT.decode(this.bytes.subarray(p, e));
  }
  /** u16 length + NUL-separated strings. */
  list16(what: string): string[] {
    const n = this.u16(what);
    const p = this.need(n, what);
    return splitNul(this.bytes, p, p + n);
  }
}

const TEXT = new TextDecoder('utf-8', { fatal: false });

function splitNul(bytes: Uint8Array, s: number, e: number): string[] {
  const out: string[] = [];
  let p = s;
  while (p < e) {
    let q = bytes.indexOf(0, p);
    if (q < 0 || q > e) q = e;
    out.push(TEXT.decode(bytes.subarray(p, q)));
    p = q + 1;
  }
  return out;
}

function emptyMetadata(): CaptureMetadata {
  return { threads: [], fds: new Map(), users: [], groups: [], interfaces: [] };
}

/** Errors that only mean "the bytes are not there yet" while a streaming input is still arriving. */
function needsMore(e: unknown): boolean {
  return e instanceof ScapError && (e.code === 'ETRUNCATED' || e.code === 'ENOEVENTS');
}

function isEventBlock(t: number): boolean {
  return t === BlockType.EV || t === BlockType.EV_INT || t === BlockType.EVF || t === BlockType.EV_V2 ||
    t === BlockType.EVF_V2 || t === BlockType.EV_V2_LARGE || t === BlockType.EVF_V2_LARGE;
}

/** Accumulates records for one batch: either all in place (file buffer) or all in a side buffer (v1). */
class BatchBuilder {
  offsets: Uint32Array;
  cpus: Uint16Array;
  flags: Uint32Array;
  count = 0;
  side: Uint8Array | null = null;
  sideUsed = 0;

  constructor(readonly capacity: number) {
    this.offsets = new Uint32Array(capacity);
    this.cpus = new Uint16Array(capacity);
    this.flags = new Uint32Array(capacity);
  }

  get full(): boolean { return this.count >= this.capacity; }
  get inSide(): boolean { return this.side !== null; }

  /** Reserves `n` bytes in the side buffer and returns their offset. */
  reserveSide(n: number): number {
    if (this.side === null) this.side = new Uint8Array(Math.max(1 << 20, n * 2));
    if (this.sideUsed + n > this.side.length) {
      const grown = new Uint8Array(Math.max(this.side.length * 2, this.sideUsed + n));
      grown.set(this.side.subarray(0, this.sideUsed));
      this.side = grown;
    }
    const at = this.sideUsed;
    this.sideUsed += n;
    return at;
  }

  push(offset: number, cpu: number, flags: number): void {
    this.offsets[this.count] = offset;
    this.cpus[this.count] = cpu;
    this.flags[this.count] = flags;
    this.count++;
  }

  /** Hands out the batch and resets the builder (fresh arrays: consumers may keep batches). */
  take(fileBytes: Uint8Array, fileView: DataView, section: number): ScapBatch {
    let bytes = fileBytes;
    let view = fileView;
    if (this.side !== null) {
      bytes = this.side.subarray(0, this.sideUsed);
      view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    }
    const batch: ScapBatch = {
      bytes, view, offsets: this.offsets.subarray(0, this.count), cpus: this.cpus.subarray(0, this.count),
      flags: this.flags.subarray(0, this.count), count: this.count, section,
    };
    this.offsets = new Uint32Array(this.capacity);
    this.cpus = new Uint16Array(this.capacity);
    this.flags = new Uint32Array(this.capacity);
    this.count = 0;
    this.side = null;
    this.sideUsed = 0;
    return batch;
  }
}

/** Yielded by the block walk when a streaming input has not delivered the next block yet. */
const NEED_MORE = Symbol('need more input');

class Reader implements ScapReader {
  metadata!: CaptureMetadata;
  major = 0;
  minor = 0;
  skippedUnknown = 0;
  private bytes: Uint8Array;
  private dv: DataView;
  /** End of valid bytes in `bytes`, as of the last sync(). */
  private end = 0;
  private first!: ScapSection;
  /** Offset of the first block after the first section's metadata. */
  private afterFirst = 0;
  private readonly batchEvents: number;
  private started = false;

  private constructor(private readonly input: Input, options: ScapReadOptions) {
    this.bytes = input.bytes;
    this.dv = new DataView(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength);
    this.batchEvents = Math.max(1, options.batchEvents ?? DEFAULT_BATCH_EVENTS);
  }

  /** Reads the first section's metadata, waiting for a streaming input to deliver it. */
  static async open(input: Input, options: ScapReadOptions): Promise<Reader> {
    const r = new Reader(input, options);
    for (;;) {
      r.sync();
      if (input.isComplete && input.filled === 0 && input.error) throw input.error;
      try {
        const { section, next } = r.readSection(0, 0);
        r.first = section;
        r.afterFirst = next;
        r.metadata = section.metadata;
        r.major = section.major;
        r.minor = section.minor;
        return r;
      } catch (e) {
        if (input.isComplete || !needsMore(e)) throw e;
        await input.more();
      }
    }
  }

  get byteLength(): number { return this.input.poll(); }

  /** Picks up the input's current buffer (it may have grown) and returns the end of valid bytes. */
  private sync(): number {
    this.end = this.input.poll();
    if (this.bytes !== this.input.bytes) {
      this.bytes = this.input.bytes;
      this.dv = new DataView(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength);
    }
    return this.end;
  }

  [Symbol.iterator](): Iterator<ScapItem> {
    if (!this.input.isComplete) throw new Error('a streaming ScapReader must be iterated with for await');
    const it = this.start();
    return {
      next: () => {
        const r = it.next();
        return r.done || r.value !== NEED_MORE ? (r as IteratorResult<ScapItem>) : { done: true, value: undefined };
      },
    };
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<ScapItem> {
    const it = this.start();
    for (;;) {
      const r = it.next();
      if (r.done) return;
      if (r.value === NEED_MORE) await this.input.more();
      else yield r.value;
    }
  }

  private start(): Generator<ScapItem | typeof NEED_MORE> {
    if (this.started) throw new Error('a ScapReader can be iterated once');
    this.started = true;
    return this.items();
  }

  private *items(): Generator<ScapItem | typeof NEED_MORE> {
    yield this.first;
    const builder = new BatchBuilder(this.batchEvents);
    let section = 0;
    let pos = this.afterFirst;
    let end = this.sync();
    const flush = (): ScapItem => ({ kind: 'events', batch: builder.take(this.bytes, this.dv, section) });
    try {
      for (;;) {
        // Short of bytes: look again first (the input may have grown or ended while the caller had a batch).
        if (end - pos < 8) {
          const seen = end;
          end = this.sync();
          if (end !== seen) continue;
          if (!this.input.isComplete) { yield NEED_MORE; end = this.sync(); continue; }
          if (pos >= end) break;
          throw this.truncated(pos, undefined, 'block header');
        }
        const dv = this.dv;
        const type = dv.getUint32(pos, true);
        const total = dv.getUint32(pos + 4, true);
        if (pos + total > end) {
          const seen = end;
          end = this.sync();
          if (end !== seen) continue;
          if (!this.input.isComplete) { yield NEED_MORE; end = this.sync(); continue; }
        }
        // Fast path for what current captures are made of: an EV_V2 block holding one valid v2 record that
        // goes in place. Anything unusual falls through to the general path, which reports it precisely.
        if (type === BlockType.EV_V2 && total >= 12 + V2_HEADER + 2 && pos + total <= end && builder.side === null) {
          const evt = pos + 10;
          const len = dv.getUint32(evt + 16, true);
          const evType = dv.getUint16(evt + 20, true);
          const nparams = dv.getUint32(evt + 22, true);
          if (evType < PPM_EVENT_MAX && LARGE_PAYLOAD[evType] === 0 && nparams <= MAX_PARAMS && evt + len <= pos + total - 4) {
            let sum = V2_HEADER + 2 * nparams;
            for (let i = 0, lp = evt + V2_HEADER; i < nparams; i++, lp += 2) sum += dv.getUint16(lp, true);
            if (sum === len) {
              builder.push(evt, dv.getUint16(pos + 8, true), 0);
              pos += total;
              if (builder.count >= builder.capacity) yield flush();
              continue;
            }
          }
        }
        if (isEventBlock(type)) {
          this.checkBlockLength(pos, type, total);
          pos = this.readEventBlock(pos, type, total, builder);
          if (builder.full) yield flush();
          continue;
        }
        if (builder.count > 0) yield flush();
        if (type !== BlockType.SHB) {
          throw new ScapError('EUNEXPECTED', 'unexpected non-event block after events', pos, type);
        }
        section++;
        let next: { section: ScapSection; next: number };
        for (;;) {
          end = this.sync();
          try {
            next = this.readSection(pos, section);
            break;
          } catch (e) {
            if (this.input.isComplete || !needsMore(e)) throw e;
            yield NEED_MORE;
          }
        }
        pos = next.next;
        end = this.sync();
        yield next.section;
      }
    } catch (e) {
      if (builder.count > 0) yield flush();
      throw e;
    }
    if (builder.count > 0) yield flush();
    if (this.input.error) throw this.input.error;
  }

  private truncated(pos: number, type: number | undefined, what: string): ScapError {
    const gz = this.input.error ? ' (gzip stream damaged)' : '';
    return new ScapError('ETRUNCATED', `capture ends inside ${what}${gz}`, pos, type);
  }

  private checkBlockLength(pos: number, type: number, total: number): void {
    if (total < 12) throw new ScapError('EBLOCKLEN', `block length ${total} too short`, pos, type);
    if (pos + total > this.end) throw this.truncated(pos, type, `a ${total}-byte block`);
  }

  /** Parses an SHB at `pos` and the metadata blocks after it; stops at the first event block. */
  private readSection(pos: number, index: number): { section: ScapSection; next: number } {
    const bytes = this.bytes;
    const dv = this.dv;
    const end = this.end;
    if (end - pos < 8) throw this.truncated(pos, undefined, 'the section header block');
    const type = dv.getUint32(pos, true);
    if (type !== BlockType.SHB) throw new ScapError('EMAGIC', 'not a .scap capture: no section header block', pos, type);
    const total = dv.getUint32(pos + 4, true);
    if (total < 28) throw new ScapError('EBLOCKLEN', `section header length ${total} too short`, pos, type);
    this.checkBlockLength(pos, type, total);
    const magic = dv.getUint32(pos + 8, true);
    if (magic !== BYTE_ORDER_MAGIC) {
      throw new ScapError('EMAGIC', `invalid byte-order magic 0x${magic.toString(16)}`, pos + 8, type);
    }
    const major = dv.getUint16(pos + 12, true);
    const minor = dv.getUint16(pos + 14, true);
    if (major > SUPPORTED_MAJOR) throw new ScapError('EVERSION', `capture format ${major}.${minor} is newer than 1.x`, pos + 12, type);
    this.checkTrailer(pos, type, total);
    // Bytes between the 16-byte body and the trailer are pcapng options (libs >= 0.21 skips them).
    let p = pos + total;
    const metadata = emptyMetadata();
    for (;;) {
      if (p >= end) throw new ScapError('ENOEVENTS', 'no event block in section', pos, type);
      if (end - p < 8) throw this.truncated(p, undefined, 'block header');
      const bt = dv.getUint32(p, true);
      const bl = dv.getUint32(p + 4, true);
      if (isEventBlock(bt)) break;
      this.checkBlockLength(p, bt, bl);
      this.checkTrailer(p, bt, bl);
      const body = new Cursor(bytes, dv, p + 8, p + bl - 4, p, bt);
      this.readMetadataBlock(bt, body, metadata);
      p += bl;
    }
    return { section: { kind: 'section', index, major, minor, offset: pos, metadata }, next: p };
  }

  private checkTrailer(pos: number, type: number, total: number): void {
    const trailer = this.dv.getUint32(pos + total - 4, true);
    if (trailer !== total) {
      throw new ScapError('EBLOCKLEN', `block length mismatch: header ${total}, trailer ${trailer}`, pos, type);
    }
  }

  private readMetadataBlock(type: number, c: Cursor, md: CaptureMetadata): void {
    switch (type) {
      case BlockType.MI: case BlockType.MI_INT:
        md.machine = readMachineInfo(c);
        return;
      case BlockType.PL_V1: case BlockType.PL_V1_INT: case BlockType.PL_V2: case BlockType.PL_V2_INT:
      case BlockType.PL_V3: case BlockType.PL_V3_INT: case BlockType.PL_V4: case BlockType.PL_V5:
      case BlockType.PL_V6: case BlockType.PL_V7: case BlockType.PL_V8: case BlockType.PL_V9:
        readProcList(c, type, md.threads);
        return;
      case BlockType.FDL: case BlockType.FDL_INT: case BlockType.FDL_V2:
        readFdList(c, type === BlockType.FDL_V2, md.fds);
        return;
      case BlockType.IL: case BlockType.IL_INT: case BlockType.IL_V2:
        readIfList(c, type === BlockType.IL_V2, md.interfaces);
        return;
      case BlockType.UL: case BlockType.UL_INT: case BlockType.UL_V2:
        readUserList(c, type === BlockType.UL_V2, md.users, md.groups);
        return;
      default:
        return; // unknown metadata block: skipped, as libscap does
    }
  }

  /** Reads one event block at `pos`; returns the offset of the next block. */
  private readEventBlock(pos: number, type: number, total: number, builder: BatchBuilder): number {
    const dv = this.dv;
    const bodyEnd = pos + total - 4;
    const withFlags = type === BlockType.EVF || type === BlockType.EVF_V2 || type === BlockType.EVF_V2_LARGE;
    const v1 = type === BlockType.EV || type === BlockType.EV_INT || type === BlockType.EVF;
    const prefix = withFlags ? 6 : 2;
    const hdr = v1 ? V1_HEADER : V2_HEADER;
    const evt = pos + 8 + prefix;
    if (evt + hdr > bodyEnd) throw new ScapError('EBLOCKLEN', `event block length ${total} too short`, pos, type);
    const cpu = dv.getUint16(pos + 8, true);
    const flags = withFlags ? dv.getUint32(pos + 10, true) : 0;
    const len = dv.getUint32(evt + 16, true);
    const evType = dv.getUint16(evt + 20, true);
    if (len < hdr || evt + len > bodyEnd) {
      throw new ScapError('EBADEVENT', `event length ${len} does not fit its ${total}-byte block`, evt, type);
    }
    if (evType >= PPM_EVENT_MAX) {
      this.skippedUnknown++;
      return pos + total;
    }
    if (v1) {
      this.addV1Event(evt, len, evType, type, cpu, flags, builder);
    } else {
      this.validateV2Event(evt, len, evType, type);
      if (builder.inSide) { /* mixed v1/v2 stream: v2 records join the side buffer of this batch */
        const at = builder.reserveSide(len);
        builder.side!.set(this.bytes.subarray(evt, evt + len), at);
        builder.push(at, cpu, flags);
      } else {
        builder.push(evt, cpu, flags);
      }
    }
    return pos + total;
  }

  private validateV2Event(evt: number, len: number, evType: number, blockType: number): void {
    const dv = this.dv;
    const nparams = dv.getUint32(evt + 22, true);
    const width = LARGE_PAYLOAD[evType] === 1 ? 4 : 2;
    if (nparams > MAX_PARAMS || V2_HEADER + nparams * width > len) {
      throw new ScapError('EBADEVENT', `event type ${evType} has an impossible nparams ${nparams}`, evt, blockType);
    }
    let sum = V2_HEADER + nparams * width;
    for (let i = 0, lp = evt + V2_HEADER; i < nparams; i++, lp += width) {
      sum += width === 2 ? dv.getUint16(lp, true) : dv.getUint32(lp, true);
    }
    if (sum !== len) {
      throw new ScapError('EBADEVENT', `event type ${evType}: header, lengths and params make ${sum} bytes, len says ${len}`, evt, blockType);
    }
  }

  /** Converts a v1 record (no nparams) to v2 in the side buffer, inferring nparams as libscap does. */
  private addV1Event(evt: number, len: number, evType: number, blockType: number, cpu: number, flags: number, builder: BatchBuilder): void {
    const dv = this.dv;
    // Old NOTIFICATION / INFRASTRUCTURE events carry a len 3 bytes too big (libscap adjusts it the same way).
    const quirk = evType === 280 || evType === 286 ? 3 : 0;
    const v2len = len + 4 - quirk;
    if (v2len < V2_HEADER) throw new ScapError('EBADEVENT', `v1 event length ${len} too short`, evt, blockType);
    const end = evt + len - quirk; // end of the v1 record's params
    const lensAt = evt + V1_HEADER;
    let nparams = -1;
    for (let n = Math.min(EVENTS[evType].params.length, MAX_PARAMS); n >= 0; n--) {
      let p = lensAt + n * 2;
      if (p > end) continue;
      for (let i = 0; i < n; i++) p += dv.getUint16(lensAt + i * 2, true);
      if (p === end) { nparams = n; break; }
    }
    if (nparams < 0) {
      throw new ScapError('EBADEVENT', `cannot infer nparams of v1 event type ${evType} (len ${len})`, evt, blockType);
    }
    if (!builder.inSide && builder.count > 0) {
      // The batch so far is in place: v1 records need their own side-buffer batch. Callers flush on full;
      // here we convert the in-place records already collected by copying them (rare: mixed captures).
      const prev = builder.offsets.subarray(0, builder.count);
      const copies = Array.from(prev, (o) => this.bytes.subarray(o, o + dv.getUint32(o + 16, true)));
      for (let i = 0; i < copies.length; i++) {
        const at = builder.reserveSide(copies[i].length);
        builder.side!.set(copies[i], at);
        builder.offsets[i] = at;
      }
    }
    const at = builder.reserveSide(v2len);
    const side = builder.side!;
    side.set(this.bytes.subarray(evt, evt + 16), at); // ts, tid
    const sv = new DataView(side.buffer, side.byteOffset, side.byteLength);
    sv.setUint32(at + 16, v2len, true);
    sv.setUint16(at + 20, evType, true);
    sv.setUint32(at + 22, nparams, true);
    side.set(this.bytes.subarray(lensAt, lensAt + v2len - V2_HEADER), at + V2_HEADER);
    builder.push(at, cpu, flags);
  }
}

function readMachineInfo(c: Cursor): MachineInfo {
  // scap_machine_info: u32 num_cpus; u64 memory; u64 max_pid; char hostname[128]; u64 boot_ts; u64 flags; ...
  const numCpus = c.u32('num_cpus');
  const memorySizeBytes = c.u64n('memory_size_bytes');
  const maxPid = c.u64n('max_pid');
  const hp = c.need(128, 'hostname');
  let he = hp + 128;
  const nul = c.bytes.indexOf(0, hp);
  if (nul >= 0 && nul < he) he = nul;
  const hostname = TEXT.decode(c.bytes.subarray(hp, he));
  const bootTsEpoch = c.remaining >= 8 ? c.u64n('boot_ts_epoch') : 0n;
  const flags = c.remaining >= 8 ? c.u64n('flags') : 0n;
  return { numCpus, memorySizeBytes, maxPid, hostname, bootTsEpoch, flags };
}

function plVersion(type: number): number {
  switch (type) {
    case BlockType.PL_V1: case BlockType.PL_V1_INT: return 1;
    case BlockType.PL_V2: case BlockType.PL_V2_INT: return 2;
    case BlockType.PL_V3: case BlockType.PL_V3_INT: return 3;
    case BlockType.PL_V4: return 4;
    case BlockType.PL_V5: return 5;
    case BlockType.PL_V6: return 6;
    case BlockType.PL_V7: return 7;
    case BlockType.PL_V8: return 8;
    default: return 9;
  }
}

function newThread(): ThreadEntry {
  return {
    tid: 0, pid: 0, ptid: 0, sid: -1, vpgid: -1, pgid: -1, comm: '', exe: '', exepath: '', args: [], cwd: '',
    fdlimit: 0n, flags: 0, uid: 0, gid: 0, vmsizeKb: 0, vmrssKb: 0, vmswapKb: 0, pfMajor: 0n, pfMinor: 0n, env: [],
    vtid: -1, vpid: -1, cgroups: [], root: '', pidnsInitStartTs: 0n, tty: 0, loginuid: 0xffffffff,
    exeWritable: false, capInheritable: 0n, capPermitted: 0n, capEffective: 0n, exeUpperLayer: false,
    exeLowerLayer: false, exeFromMemfd: false, exeIno: 0n, exeInoCtime: 0n, exeInoMtime: 0n,
  };
}

/** Process list (libscap scap_read_proclist): fields appear by block version; V9 entries carry their length. */
function readProcList(c: Cursor, type: number, out: ThreadEntry[]): void {
  const v = plVersion(type);
  while (c.remaining >= 4) {
    const entryStart = c.pos;
    let subLen = 0;
    if (v >= 9) {
      subLen = c.u32('entry_len');
      if (subLen < 4 || entryStart + subLen > c.end) {
        throw new ScapError('EBADBLOCK', `process entry length ${subLen} out of bounds`, entryStart, type);
      }
    }
    const t = newThread();
    t.tid = c.i64('tid');
    t.pid = c.i64('pid');
    t.ptid = c.i64('ptid');
    if (v >= 6) t.sid = c.i64('sid');
    if (v >= 8) t.vpgid = c.i64('vpgid');
    t.comm = c.str16('comm');
    t.exe = c.str16('exe');
    if (v >= 7) t.exepath = c.str16('exepath');
    t.args = c.list16('args');
    t.cwd = c.str16('cwd');
    t.fdlimit = c.u64n('fdlimit');
    t.flags = c.u32('flags');
    t.uid = c.u32('uid');
    t.gid = c.u32('gid');
    if (v >= 2) {
      t.vmsizeKb = c.u32('vmsize_kb');
      t.vmrssKb = c.u32('vmrss_kb');
      t.vmswapKb = c.u32('vmswap_kb');
      t.pfMajor = c.u64n('pfmajor');
      t.pfMinor = c.u64n('pfminor');
      if (v >= 3) t.env = c.list16('env');
      if (v >= 4) {
        t.vtid = c.i64('vtid');
        t.vpid = c.i64('vpid');
        t.cgroups = c.list16('cgroups');
        if (v >= 5) t.root = c.str16('root');
      }
    }
    if (v >= 9) {
      const entryEnd = entryStart + subLen;
      const left = () => entryEnd - c.pos;
      if (left() < 0) throw new ScapError('EBADBLOCK', 'process entry longer than its entry_len', entryStart, type);
      // libs 0.10 inserted pidns_init_start_ts and tty before loginuid; older V9 writers end after the
      // 29 bytes of loginuid, exe_writable and the three capability sets.
      if (left() > 29) {
        if (left() >= 8) t.pidnsInitStartTs = c.u64n('pidns_init_start_ts');
        if (left() >= 4) t.tty = c.u32('tty');
      }
      if (left() >= 4) t.loginuid = c.u32('loginuid');
      if (left() >= 1) t.exeWritable = c.u8('exe_writable') !== 0;
      if (left() >= 8) t.capInheritable = c.u64n('cap_inheritable');
      if (left() >= 8) t.capPermitted = c.u64n('cap_permitted');
      if (left() >= 8) t.capEffective = c.u64n('cap_effective');
      if (left() >= 1) t.exeUpperLayer = c.u8('exe_upper_layer') !== 0;
      if (left() >= 8) t.exeIno = c.u64n('exe_ino');
      if (left() >= 8) t.exeInoCtime = c.u64n('exe_ino_ctime');
      if (left() >= 8) t.exeInoMtime = c.u64n('exe_ino_mtime');
      if (left() >= 1) t.exeFromMemfd = c.u8('exe_from_memfd') !== 0;
      if (left() >= 1) t.exeLowerLayer = c.u8('exe_lower_layer') !== 0;
      if (left() >= 8) t.pgid = c.i64('pgid');
      c.pos = entryEnd; // unknown trailing fields of newer writers
    }
    out.push(t);
  }
}

/** One fd list block: a tid then its fds (libscap scap_fd_read_from_disk). */
function readFdList(c: Cursor, v2: boolean, out: Map<number, FdEntry[]>): void {
  const tid = c.i64('tid');
  let list = out.get(tid);
  if (!list) { list = []; out.set(tid, list); }
  while (c.remaining >= 4) {
    const entryStart = c.pos;
    let subLen = 0;
    if (v2) {
      subLen = c.u32('entry_len');
      if (subLen < 4 || entryStart + subLen > c.end) {
        throw new ScapError('EBADBLOCK', `fd entry length ${subLen} out of bounds`, entryStart, c.blockType);
      }
    }
    const fd: FdEntry = { fd: c.i64('fd'), ino: c.u64n('ino'), type: c.u8('type'), name: '', openFlags: 0, dev: 0 };
    switch (fd.type as number) {
      case 3: // IPv4 socket
        fd.sip = c.raw(4, 'sip'); fd.dip = c.raw(4, 'dip');
        fd.sport = c.u16('sport'); fd.dport = c.u16('dport'); fd.l4proto = c.u8('l4proto');
        break;
      case 5: // IPv4 server socket
        fd.sip = c.raw(4, 'ip'); fd.sport = c.u16('port'); fd.l4proto = c.u8('l4proto');
        break;
      case 4: // IPv6 socket
        fd.sip = c.raw(16, 'sip'); fd.dip = c.raw(16, 'dip');
        fd.sport = c.u16('sport'); fd.dport = c.u16('dport'); fd.l4proto = c.u8('l4proto');
        break;
      case 6: // IPv6 server socket
        fd.sip = c.raw(16, 'ip'); fd.sport = c.u16('port'); fd.l4proto = c.u8('l4proto');
        break;
      case 8: // unix socket
        fd.unixSource = c.u64n('source'); fd.unixDest = c.u64n('dest'); fd.name = c.str16('path');
        break;
      case 16: // FILE_V2
        fd.openFlags = c.u32('open_flags');
        fd.name = c.str16('name');
        if (v2 ? entryStart + subLen - c.pos >= 4 : false) fd.dev = c.u32('dev');
        break;
      default:
        fd.name = c.str16('name');
        break;
    }
    if (v2) {
      if (c.pos > entryStart + subLen) throw new ScapError('EBADBLOCK', 'fd entry longer than its entry_len', entryStart, c.blockType);
      c.pos = entryStart + subLen;
    }
    list.push(fd);
  }
}

/** Interface list: IPv4/IPv6 addresses of the machine. */
function readIfList(c: Cursor, v2: boolean, out: InterfaceEntry[]): void {
  while (c.remaining >= 4) {
    const entryStart = c.pos;
    let subLen = 0;
    if (v2) {
      // IL_V2's entry_len counts the bytes after itself (PL_V9's and FDL_V2's include the length field).
      subLen = c.u32('entry_len') + 4;
      if (entryStart + subLen > c.end) {
        throw new ScapError('EBADBLOCK', `interface entry length ${subLen - 4} out of bounds`, entryStart, c.blockType);
      }
    }
    const ifType = c.u16('type');
    const nameLen = c.u16('ifnamelen');
    let entry: InterfaceEntry;
    if (ifType === 1 || ifType === 3) {
      const addr = c.raw(4, 'addr'); const netmask = c.raw(4, 'netmask'); const bcast = c.raw(4, 'bcast');
      const linkspeed = ifType === 1 ? c.u64n('linkspeed') : 0n;
      entry = { family: 'ipv4', addr, netmask, bcast, linkspeed, name: '' };
    } else if (ifType === 2 || ifType === 4) {
      const addr = c.raw(16, 'addr'); const netmask = c.raw(16, 'netmask'); const bcast = c.raw(16, 'bcast');
      const linkspeed = ifType === 2 ? c.u64n('linkspeed') : 0n;
      entry = { family: 'ipv6', addr, netmask, bcast, linkspeed, name: '' };
    } else {
      throw new ScapError('EBADBLOCK', `unknown interface type ${ifType}`, entryStart, c.blockType);
    }
    const np = c.need(nameLen, 'ifname');
    let ne = np + nameLen;
    const nul = c.bytes.indexOf(0, np);
    if (nul >= 0 && nul < ne) ne = nul;
    entry.name = TEXT.decode(c.bytes.subarray(np, ne));
    if (v2) {
      if (c.pos > entryStart + subLen) throw new ScapError('EBADBLOCK', 'interface entry longer than its entry_len', entryStart, c.blockType);
      c.pos = entryStart + subLen;
    }
    out.push(entry);
  }
}

/** User list: users (type 0) and groups (type 1). */
function readUserList(c: Cursor, v2: boolean, users: UserEntry[], groups: GroupEntry[]): void {
  while (c.remaining >= 4) {
    const entryStart = c.pos;
    let subLen = 0;
    if (v2) {
      subLen = c.u32('entry_len');
      if (subLen < 4 || entryStart + subLen > c.end) {
        throw new ScapError('EBADBLOCK', `user entry length ${subLen} out of bounds`, entryStart, c.blockType);
      }
    }
    const kind = c.u8('type');
    if (kind === 0) {
      const uid = c.u32('uid'); const gid = c.u32('gid');
      users.push({ uid, gid, name: c.str16('name'), homedir: c.str16('homedir'), shell: c.str16('shell') });
    } else if (kind === 1) {
      const gid = c.u32('gid');
      groups.push({ gid, name: c.str16('name') });
    } else {
      throw new ScapError('EBADBLOCK', `unknown user-list entry type ${kind}`, entryStart, c.blockType);
    }
    if (v2) {
      if (c.pos > entryStart + subLen) throw new ScapError('EBADBLOCK', 'user entry longer than its entry_len', entryStart, c.blockType);
      c.pos = entryStart + subLen;
    }
  }
}
