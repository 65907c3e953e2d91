// A reusable, allocation-free view over one ppm record inside a batch buffer (HOUSE-STYLE 7).
// Header fields are read on demand; parameter offsets are computed once per record, lazily.
import { EVENTS, LARGE_PAYLOAD, PPM_EVENT_MAX, type EventInfo } from '../schema/index.js';

export const PPM_HEADER_LEN = 26;
const MAX_PARAMS = 64;
const UTF8 = new TextDecoder('utf-8', { fatal: false });

/** Errors found while decoding, counted by kind rather than thrown per event. */
export const enum DecodeError { None = 0, UnknownType = 1, BadLength = 2, ParamOverflow = 3 }

/** Records found undecodable, by DecodeError kind (index), process-wide: counted where found, for metrics. */
export const DECODE_ERROR_COUNTS = new Float64Array(4);
export const DECODE_ERROR_KINDS = ['none', 'unknown_type', 'bad_length', 'param_overflow'] as const;

/** Cumulative decode errors by kind name. */
export function decodeErrorCounts(): Record<string, number> {
  const out: Record<string, number> = {};
  for (let k = 1; k < DECODE_ERROR_KINDS.length; k++) out[DECODE_ERROR_KINDS[k]] = DECODE_ERROR_COUNTS[k];
  return out;
}

export class EventView {
  bytes: Uint8Array = new Uint8Array(0);
  view: DataView = new DataView(new ArrayBuffer(0));
  /** Byte offset of the ppm header in `bytes`. */
  base = 0;
  /** CPU the event came from. */
  cpu = 0;
  /** 1-based event number, as sysdig counts (internal events included). */
  num = 0;
  /** Record flags from EVF blocks (0 when absent). */
  flags = 0;

  private paramsReady = false;
  private decodeError = DecodeError.None;
  private readonly starts = new Uint32Array(MAX_PARAMS);
  private readonly lens = new Uint32Array(MAX_PARAMS);
  private nparamsCache = 0;

  /** Points the view at a record. Costs a few stores; nothing is decoded yet. */
  set(bytes: Uint8Array, view: DataView, base: number, cpu: number, num: number, flags = 0): this {
    this.bytes = bytes;
    this.view = view;
    this.base = base;
    this.cpu = cpu;
    this.num = num;
    this.flags = flags;
    this.paramsReady = false;
    this.decodeError = DecodeError.None;
    return this;
  }

  /** Timestamp in ns since the epoch (BigInt: ns epochs exceed 2^53). */
  get ts(): bigint { return this.view.getBigUint64(this.base, true); }
  /** Timestamp split for allocation-free use: seconds and nanoseconds. */
  tsSeconds(): number { return Math.floor(this.tsApproxNs() / 1e9); }
  tsNanos(): number { return Number(this.ts % 1_000_000_000n); }
  /** Timestamp as a double (ns; exact to ~256 ns, enough for ordering and rates). */
  tsApproxNs(): number {
    return this.view.getUint32(this.base + 4, true) * 4294967296 + this.view.getUint32(this.base, true);
  }
  get tid(): number {
    return this.view.getUint32(this.base + 12, true) * 4294967296 + this.view.getUint32(this.base + 8, true);
  }
  get len(): number { return this.view.getUint32(this.base + 16, true); }
  get type(): number { return this.view.getUint16(this.base + 20, true); }
  get nparams(): number { return this.view.getUint32(this.base + 22, true); }
  get info(): EventInfo | undefined { return EVENTS[this.type]; }
  get error(): DecodeError { this.ensureParams(); return this.decodeError; }

  /** Number of parameters present in the record (may be fewer than the table's for old captures). */
  paramCount(): number { this.ensureParams(); return this.nparamsCache; }
  paramLen(i: number): number { this.ensureParams(); return i < this.nparamsCache ? this.lens[i] : 0; }
  /** Absolute offset of parameter i in `bytes`. */
  paramStart(i: number): number { this.ensureParams(); return this.starts[i]; }
  has(i: number): boolean { this.ensureParams(); return i < this.nparamsCache && this.lens[i] > 0; }

  private ensureParams(): void {
    if (this.paramsReady) return;
    this.paramsReady = true;
    const type = this.type;
    const n = Math.min(this.nparams, MAX_PARAMS);
    const large = LARGE_PAYLOAD[type] === 1;
    const width = large ? 4 : 2;
    const end = this.base + this.len;
    let pos = this.base + PPM_HEADER_LEN + n * width;
    if (type >= PPM_EVENT_MAX) { this.decodeError = DecodeError.UnknownType; DECODE_ERROR_COUNTS[DecodeError.UnknownType]++; }
    if (pos > end || end > this.bytes.length) {
      this.decodeError = DecodeError.BadLength;
      DECODE_ERROR_COUNTS[DecodeError.BadLength]++;
      this.nparamsCache = 0;
      return;
    }
    const v = this.view;
    let lp = this.base + PPM_HEADER_LEN;
    for (let i = 0; i < n; i++) {
      const l = large ? v.getUint32(lp, true) : v.getUint16(lp, true);
      lp += width;
      if (pos + l > end) {
        this.decodeError = DecodeError.ParamOverflow;
        DECODE_ERROR_COUNTS[DecodeError.ParamOverflow]++;
        this.nparamsCache = i;
        return;
      }
      this.starts[i] = pos;
      this.lens[i] = l;
      pos += l;
    }
    this.nparamsCache = n;
  }

  // Typed accessors by parameter index. Missing or short parameters read as 0 / '' (libsinsp prints them empty).
  u8(i: number): number { return this.paramLen(i) >= 1 ? this.bytes[this.starts[i]] : 0; }
  u16(i: number): number { return this.paramLen(i) >= 2 ? this.view.getUint16(this.starts[i], true) : 0; }
  u32(i: number): number { return this.paramLen(i) >= 4 ? this.view.getUint32(this.starts[i], true) : 0; }
  i8(i: number): number { return this.paramLen(i) >= 1 ? this.view.getInt8(this.starts[i]) : 0; }
  i16(i: number): number { return this.paramLen(i) >= 2 ? this.view.getInt16(this.starts[i], true) : 0; }
  i32(i: number): number { return this.paramLen(i) >= 4 ? this.view.getInt32(this.starts[i], true) : 0; }
  /** Signed 64-bit as a double: exact for fds, pids, errnos and sizes below 2^53. */
  i64(i: number): number {
    if (this.paramLen(i) < 8) return this.paramLen(i) >= 4 ? this.i32(i) : 0;
    const s = this.starts[i];
    return this.view.getInt32(s + 4, true) * 4294967296 + this.view.getUint32(s, true);
  }
  /** Unsigned 64-bit as a double (exact below 2^53). */
  u64(i: number): number {
    if (this.paramLen(i) < 8) return this.paramLen(i) >= 4 ? this.u32(i) : 0;
    const s = this.starts[i];
    return this.view.getUint32(s + 4, true) * 4294967296 + this.view.getUint32(s, true);
  }
  /** Exact 64-bit values (capabilities, inodes, timestamps). */
  u64n(i: number): bigint { return this.paramLen(i) >= 8 ? this.view.getBigUint64(this.starts[i], true) : BigInt(this.u32(i)); }
  i64n(i: number): bigint { return this.paramLen(i) >= 8 ? this.view.getBigInt64(this.starts[i], true) : BigInt(this.i32(i)); }

  /** Raw parameter bytes (a subarray: no copy). */
  raw(i: number): Uint8Array {
    const l = this.paramLen(i);
    return l === 0 ? this.bytes.subarray(0, 0) : this.bytes.subarray(this.starts[i], this.starts[i] + l);
  }

  /** A CHARBUF/FSPATH param as a string, without its terminating NUL. */
  str(i: number): string {
    const l = this.paramLen(i);
    if (l === 0) return '';
    const s = this.starts[i];
    let e = s + l;
    const nul = this.bytes.indexOf(0, s);
    if (nul >= 0 && nul < e) e = nul;
    return asciiOrUtf8(this.bytes, s, e);
  }

  /** A NUL-separated list param (args, env, cgroups) as strings. */
  strList(i: number): string[] {
    const l = this.paramLen(i);
    const out: string[] = [];
    if (l === 0) return out;
    const s = this.starts[i];
    const e = s + l;
    let p = s;
    while (p < e) {
      let q = this.bytes.indexOf(0, p);
      if (q < 0 || q > e) q = e;
      out.push(asciiOrUtf8(this.bytes, p, q));
      p = q + 1;
    }
    return out;
  }

  /** Does the string param equal `expected`? Compares bytes: no string is built. */
  strEquals(i: number, expected: string): boolean {
    const l = this.paramLen(i);
    const s = this.starts[i];
    let n = l;
    if (n > 0 && this.bytes[s + n - 1] === 0) n--;
    if (n !== expected.length) return false;
    for (let k = 0; k < n; k++) if (this.bytes[s + k] !== expected.charCodeAt(k)) return false;
    return true;
  }
}

// ASCII strings decoded lately, by a hash of their bytes (paths, names and comms repeat from event to event): a
// hit returns the same string object, with no allocation, after one pass over the bytes and one compare.
const INTERN_SLOTS = 4096;
const INTERN_MAX_LEN = 256;
const INTERNED: string[] = new Array<string>(INTERN_SLOTS).fill('');
/** Node's one-byte string maker over a byte range (used on bytes checked to be ASCII). */
const latin1Slice = (Buffer.prototype as unknown as { latin1Slice?: (this: Uint8Array, s: number, e: number) => string }).latin1Slice;

/** Decodes bytes [s, e) as UTF-8, with a fast path for ASCII (most paths and names). */
export function asciiOrUtf8(bytes: Uint8Array, s: number, e: number): string {
  const n = e - s;
  if (n <= INTERN_MAX_LEN) {
    let h = 0x811c9dc5 ^ n;
    let k = s;
    for (; k < e; k++) {
      const b = bytes[k];
      if (b >= 0x80) break;
      h = Math.imul(h ^ b, 0x01000193);
    }
    if (k === e) {
      const slot = (h ^ (h >>> 15)) & (INTERN_SLOTS - 1);
      const known = INTERNED[slot];
      if (known.length === n) {
        let i = 0;
        while (i < n && known.charCodeAt(i) === bytes[s + i]) i++;
        if (i === n) return known;
      }
      let out: string;
      if (latin1Slice !== undefined && n > 8) out = latin1Slice.call(bytes, s, e);
      else { out = ''; for (let i = s; i < e; i++) out += String.fromCharCode(bytes[i]); }
      INTERNED[slot] = out;
      return out;
    }
  }
  return UTF8.decode(bytes.subarray(s, e));
}
