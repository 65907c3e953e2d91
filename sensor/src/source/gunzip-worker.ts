// Inflates one gzip capture off the main thread, straight into shared memory that the capture reader parses
// while this runs (openFileInput in scap-reader.ts). Contract: takes one GunzipJob message; publishes the count
// of bytes written with Atomics.store in `progress` (the reader polls it without an event-loop turn), posts a
// GunzipMessage after each chunk, and ends with exactly one 'done' (or 'unsupported'). The bytes, and for a
// damaged or truncated stream the bytes before the damage and the error, are those of the reader's in-thread
// path (zlib.gunzipSync, then gunzipPartial). Imports only node: builtins, so it can run from a data: URL.
import { parentPort } from 'node:worker_threads';
import zlib from 'node:zlib';

export interface GunzipJob {
  /** The whole compressed file. */
  input: SharedArrayBuffer;
  /** Output buffer, sized from the gzip trailer's ISIZE; replaced by a bigger one when the output outgrows it. */
  output: SharedArrayBuffer;
  /** 8 bytes: a BigInt64 count of bytes of output written so far. */
  progress: SharedArrayBuffer;
}

export type GunzipMessage =
  | { kind: 'progress' }
  /** The output moved to a bigger buffer (holding a copy of everything written so far). */
  | { kind: 'grow'; output: SharedArrayBuffer }
  /** Inflation ended; `error` is zlib's message when the stream is damaged or truncated. */
  | { kind: 'done'; error?: string }
  /** This Node has no zlib handle to drive (see ZlibHandle): the reader inflates in its own thread. */
  | { kind: 'unsupported' };

/** Output bytes per inflate step: each step is published, so the reader waits at most this much. */
const CHUNK = 1 << 20;
/**
 * Steps end on multiples of zlib's default chunk, as gunzipPartial's do: an error discards the output of the
 * step it happens in, so equal boundaries are what make a damaged stream deliver the same bytes either way.
 */
const STEP = zlib.constants.Z_DEFAULT_CHUNK;
const MAX_OUTPUT = 2 ** 32; // buffer.constants.MAX_LENGTH on Node 20

/**
 * zlib's native handle, driven as node:zlib's own gunzipSync drives it (lib/zlib.js processChunkSync) but into
 * our buffer. The public API either inflates everything before returning, or inflates on libuv's pool and hands
 * out copies: three busy threads on a 2-CPU machine, and a 1M-event capture read in 227 ms (median) instead of
 * 158 ms with this loop (205 ms in-thread).
 */
interface ZlibHandle {
  _handle?: {
    writeSync?(flush: number, input: Uint8Array, inOff: number, inLen: number, out: Uint8Array, outOff: number, outLen: number): void;
  };
  /** [avail_out, avail_in] after the last write. */
  _writeState?: Uint32Array;
}

class SharedOutput {
  bytes: Uint8Array;
  length = 0;
  private readonly progress: BigInt64Array;

  constructor(job: GunzipJob, private readonly post: (m: GunzipMessage) => void) {
    this.bytes = new Uint8Array(job.output);
    this.progress = new BigInt64Array(job.progress);
  }

  /** Publishes `n` more bytes written in place at `length`. */
  commit(n: number): void {
    if (n === 0) return;
    this.length += n;
    // Atomics order the bytes written before the count: a reader that loads the count sees them.
    Atomics.store(this.progress, 0, BigInt(this.length));
    this.post({ kind: 'progress' });
  }

  /** Copies in `chunk`, whose first byte is output byte `at` (≤ length), keeping only what is new. */
  write(chunk: Uint8Array, at: number): void {
    const skip = this.length - at;
    if (skip >= chunk.length) return;
    let fresh = skip > 0 ? chunk.subarray(skip) : chunk;
    const fit = this.bytes.length - this.length;
    if (fresh.length > fit) {
      // Fill the current buffer to its end first: the reader may still hold it, trusting the count up to its
      // length, until the 'grow' message reaches it.
      this.bytes.set(fresh.subarray(0, fit), this.length);
      this.commit(fit);
      fresh = fresh.subarray(fit);
      this.grow(this.length + fresh.length);
    }
    this.bytes.set(fresh, this.length);
    this.commit(fresh.length);
  }

  /** Doubles the buffer (at least to `need`): ISIZE was short (multi-member gzip, over 4 GiB, or a lie). */
  private grow(need: number): void {
    if (need > MAX_OUTPUT) throw new RangeError(`decompressed capture is larger than ${MAX_OUTPUT} bytes`);
    const bigger = new Uint8Array(new SharedArrayBuffer(Math.min(MAX_OUTPUT, Math.max(need, this.bytes.length * 2, CHUNK))));
    bigger.set(this.bytes.subarray(0, this.length));
    this.bytes = bigger;
    this.post({ kind: 'grow', output: bigger.buffer as SharedArrayBuffer });
  }
}

/** Inflates the whole input with Z_FINISH in CHUNK steps, in place, the way gunzipSync does. */
function inflate(job: GunzipJob, post: (m: GunzipMessage) => void): void {
  const gunzip = zlib.createGunzip();
  const { _handle: handle, _writeState: state } = gunzip as unknown as ZlibHandle;
  if (typeof handle?.writeSync !== 'function' || !(state instanceof Uint32Array)) {
    post({ kind: 'unsupported' });
    return;
  }
  gunzip.on('error', () => {}); // reported through `errored` below
  const out = new SharedOutput(job, post);
  const input = Buffer.from(job.input);
  // When the buffer is (nearly) full, a small scratch buffer shows whether more output follows before growing.
  const scratch = new Uint8Array(4 * STEP);
  let inOff = 0;
  let inLen = input.length;
  try {
    for (;;) {
      const free = Math.min(CHUNK, out.bytes.length - out.length);
      const room = free - (free % STEP);
      const target = room > 0 ? out.bytes : scratch;
      const outOff = room > 0 ? out.length : 0;
      const outLen = room > 0 ? room : scratch.length;
      handle.writeSync(zlib.constants.Z_FINISH, input, inOff, inLen, target, outOff, outLen);
      // A zlib error destroys the stream synchronously (its 'error' event follows on the next tick).
      const error = gunzip.errored;
      if (error !== null) {
        void salvage(input, out).then(
          () => post({ kind: 'done', error: error.message }),
          (e: Error) => post({ kind: 'done', error: `${error.message}; ${e.message}` }),
        );
        return;
      }
      const availOut = state[0];
      inOff += inLen - state[1];
      inLen = state[1];
      if (room > 0) out.commit(outLen - availOut);
      else out.write(scratch.subarray(0, outLen - availOut), out.length);
      if (availOut !== 0) break;
    }
  } catch (e) {
    post({ kind: 'done', error: (e as Error).message });
    return;
  } finally {
    if (!gunzip.destroyed) gunzip.destroy();
  }
  post({ kind: 'done' });
}

/** What decompressed before the damage: scap-reader's gunzipPartial (a stream, Z_SYNC_FLUSH at the end). */
function salvage(input: Buffer, out: SharedOutput): Promise<void> {
  return new Promise((resolve, reject) => {
    const z = zlib.createGunzip({ finishFlush: zlib.constants.Z_SYNC_FLUSH });
    let at = 0;
    z.on('data', (chunk: Buffer) => {
      try {
        out.write(chunk, at);
      } catch (e) {
        z.destroy();
        reject(e as Error);
        return;
      }
      at += chunk.length;
    });
    z.on('error', () => resolve());
    z.on('end', () => resolve());
    z.end(input);
  });
}

if (parentPort !== null) {
  const port = parentPort;
  port.once('message', (job: GunzipJob) => inflate(job, (m) => port.postMessage(m)));
}
