// .scap capture writer: SHB → MI → IL_V2 → UL_V2 → PL_V9 → FDL_V2 (one per thread) → EV_V2/EVF_V2 blocks,
// optionally gzip-compressed (zlib stream; readers accept gzip or plain transparently).
//
// Block versions are the ones current libs write (scap_savefile.c) and that sysdig 0.29.3 (libs of 2022-03)
// also reads. Compatibility decisions for old readers:
//  - fd entries: types newer than FILE_V2 (bpf 17, userfaultfd 18, io_uring 19, memfd 20, pidfd 21) make
//    sysdig 0.29.3 fail the whole file ("wrong fd type"). By default memfd is written as FILE_V2 (name = its
//    path) and the other new types as UNSUPPORTED (10) keeping their name; UNKNOWN (0) entries are left out,
//    as libs does. `modernFdTypes: true` writes them with their real type instead.
//  - string lengths are bounded as libs bounds them on read (paths < 1024 bytes, args/env/cgroups < 4096).
// Event records are copied as they are (26-byte ppm header + length array + params); records of event types
// flagged EF_LARGE_PAYLOAD go to EV_V2_LARGE / EVF_V2_LARGE blocks.
import { createWriteStream, type WriteStream } from 'node:fs';
import { createGzip, constants as zc, type Gzip } from 'node:zlib';
import { once } from 'node:events';
import { EVENTS } from '../schema/index.js';
import {
  ScapFdType,
  type CaptureMetadata, type EventBatch, type FdEntry, type GroupEntry, type InterfaceEntry, type MachineInfo,
  type ThreadEntry, type UserEntry,
} from '../schema/capture-types.js';
import { BlockType, BYTE_ORDER_MAGIC } from './scap-format.js';

export { BlockType } from './scap-format.js';

const SHB_MAJOR = 1;
const SHB_MINOR = 2;
const MI_BODY_LEN = 180;
const MI_HOSTNAME_LEN = 128;
/** libscap SCAP_MAX_PATH_SIZE: readers reject path strings of this length or more. */
const MAX_PATH = 1023;
/** libscap SCAP_MAX_ARGS_SIZE / SCAP_MAX_ENV_SIZE / SCAP_MAX_CGROUPS_SIZE (4096), minus the final NUL. */
const MAX_LIST = 4095;
/** libscap MAX_CREDENTIALS_STR_LEN. */
const MAX_CRED = 255;
const PPM_HEADER_LEN = 26;

/** Event types whose param lengths are u32 (EF_LARGE_PAYLOAD), indexed by type. */
const LARGE = new Uint8Array(65536);
for (const e of EVENTS) if (e.largePayload) LARGE[e.id] = 1;

export interface ScapWriterOptions {
  /** gzip-compress the file (default true, as libs writes). */
  gzip?: boolean;
  /** zlib level when gzip (default 1: capture writing must keep up with the event rate). */
  gzipLevel?: number;
  metadata: CaptureMetadata;
  /** Write bpf/userfaultfd/io_uring/memfd/pidfd fd entries with their own types (readers older than libs 0.10
   * reject them). Default false. */
  modernFdTypes?: boolean;
  /** Size of each output chunk handed to the stream (default 1 MiB). */
  chunkBytes?: number;
}

// ---------------------------------------------------------------------------------------------------------
// Byte encoder for the header blocks (written once, so clarity over speed).

const UTF8 = new TextEncoder();

class Enc {
  buf: Buffer;
  pos = 0;
  constructor(size = 64 * 1024) { this.buf = Buffer.allocUnsafe(size); }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const b = Buffer.allocUnsafe(size);
    this.buf.copy(b, 0, 0, this.pos);
    this.buf = b;
  }
  u8(v: number): void { this.ensure(1); this.buf[this.pos++] = v & 0xff; }
  u16(v: number): void { this.ensure(2); this.buf.writeUInt16LE(v & 0xffff, this.pos); this.pos += 2; }
  u32(v: number): void { this.ensure(4); this.buf.writeUInt32LE(v >>> 0, this.pos); this.pos += 4; }
  u64(v: bigint | number): void {
    this.ensure(8);
    this.buf.writeBigUInt64LE(BigInt.asUintN(64, BigInt(v)), this.pos);
    this.pos += 8;
  }
  bytes(b: Uint8Array): void { this.ensure(b.length); this.buf.set(b, this.pos); this.pos += b.length; }
  /** Fixed-size field: bytes copied, rest zero. */
  fixed(b: Uint8Array, size: number): void {
    this.ensure(size);
    this.buf.fill(0, this.pos, this.pos + size);
    this.buf.set(b.subarray(0, size), this.pos);
    this.pos += size;
  }
  /** u16 length + bytes (no NUL). */
  lstr(b: Uint8Array): void { this.u16(b.length); this.bytes(b); }
  patchU32(at: number, v: number): void { this.buf.writeUInt32LE(v >>> 0, at); }

  private blockStart = -1;
  beginBlock(type: number): void {
    this.u32(type);
    this.blockStart = this.pos;
    this.u32(0);
  }
  endBlock(): void {
    const bodyLen = this.pos - this.blockStart - 4;
    const pad = (4 - (bodyLen & 3)) & 3;
    this.ensure(pad);
    this.buf.fill(0, this.pos, this.pos + pad);
    this.pos += pad;
    const total = 8 + bodyLen + pad + 4;
    this.patchU32(this.blockStart, total);
    this.u32(total);
  }
  result(): Buffer { return this.buf.subarray(0, this.pos); }
}

/** UTF-8 bytes of `s`, cut to at most `max` bytes (on a code point boundary). */
function utf8(s: string, max: number): Uint8Array {
  const b = UTF8.encode(s);
  if (b.length <= max) return b;
  let end = max;
  while (end > 0 && (b[end] & 0xc0) === 0x80) end--;
  return b.subarray(0, end);
}

/** NUL-terminated list ("a\0b\0"), whole entries only while they fit in `max` bytes (a lone first entry is cut). */
function nulList(items: readonly string[], max: number): Uint8Array {
  const parts: Uint8Array[] = [];
  let total = 0;
  for (const item of items) {
    const b = UTF8.encode(item);
    if (total + b.length + 1 > max) {
      if (parts.length === 0) { parts.push(utf8(item, max - 1)); total = parts[0].length; }
      break;
    }
    parts.push(b);
    total += b.length + 1;
  }
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length + 1, 0));
  let p = 0;
  for (const part of parts) { out.set(part, p); p += part.length + 1; }
  return out;
}

function addr(b: Uint8Array | undefined, size: number): Uint8Array {
  const out = new Uint8Array(size);
  if (b) out.set(b.subarray(0, size));
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// Header blocks.

function writeShb(e: Enc): void {
  e.beginBlock(BlockType.SHB);
  e.u32(BYTE_ORDER_MAGIC);
  e.u16(SHB_MAJOR);
  e.u16(SHB_MINOR);
  e.u64(0xffffffffffffffffn);
  e.endBlock();
}

function writeMachineInfo(e: Enc, m: MachineInfo | undefined): void {
  e.beginBlock(BlockType.MI);
  const start = e.pos;
  e.u32(m?.numCpus ?? 0);
  e.u64(m?.memorySizeBytes ?? 0n);
  e.u64(m?.maxPid ?? 0n);
  e.fixed(utf8(m?.hostname ?? '', MI_HOSTNAME_LEN - 1), MI_HOSTNAME_LEN);
  e.u64(m?.bootTsEpoch ?? 0n);
  e.u64(m?.flags ?? 0n);
  e.u64(0n);
  e.u64(0n);
  if (e.pos - start !== MI_BODY_LEN) throw new Error('scap-writer: machine info body size');
  e.endBlock();
}

function writeInterfaces(e: Enc, ifs: readonly InterfaceEntry[]): void {
  e.beginBlock(BlockType.IL_V2);
  // libs writes all IPv4 entries, then all IPv6 entries.
  for (const fam of ['ipv4', 'ipv6'] as const) {
    for (const i of ifs) {
      if (i.family !== fam) continue;
      const name = utf8(i.name, MAX_PATH);
      const asz = fam === 'ipv4' ? 4 : 16;
      // IL_V2 entry length excludes its own u32 (unlike UL/PL/FDL entries).
      e.u32(2 + 2 + 3 * asz + 8 + name.length);
      e.u16(fam === 'ipv4' ? 1 : 2);
      e.u16(name.length);
      e.bytes(addr(i.addr, asz));
      e.bytes(addr(i.netmask, asz));
      e.bytes(addr(i.bcast, asz));
      e.u64(i.linkspeed);
      e.bytes(name);
    }
  }
  e.endBlock();
}

function writeUsers(e: Enc, users: readonly UserEntry[], groups: readonly GroupEntry[]): void {
  e.beginBlock(BlockType.UL_V2);
  for (const u of users) {
    const name = utf8(u.name, MAX_CRED);
    const home = utf8(u.homedir, MAX_PATH);
    const shell = utf8(u.shell, MAX_PATH);
    e.u32(4 + 1 + 4 + 4 + 2 + name.length + 2 + home.length + 2 + shell.length);
    e.u8(0);
    e.u32(u.uid);
    e.u32(u.gid);
    e.lstr(name);
    e.lstr(home);
    e.lstr(shell);
  }
  for (const g of groups) {
    const name = utf8(g.name, MAX_CRED);
    e.u32(4 + 1 + 4 + 2 + name.length);
    e.u8(1);
    e.u32(g.gid);
    e.lstr(name);
  }
  e.endBlock();
}

function writeThread(e: Enc, t: ThreadEntry): void {
  const lenAt = e.pos;
  e.u32(0);
  e.u64(t.tid);
  e.u64(t.pid);
  e.u64(t.ptid);
  e.u64(t.sid);
  e.u64(t.vpgid);
  e.lstr(utf8(t.comm, MAX_PATH));
  e.lstr(utf8(t.exe, MAX_PATH));
  e.lstr(utf8(t.exepath, MAX_PATH));
  e.lstr(nulList(t.args, MAX_LIST));
  e.lstr(utf8(t.cwd, MAX_PATH));
  e.u64(t.fdlimit);
  e.u32(t.flags);
  e.u32(t.uid);
  e.u32(t.gid);
  e.u32(t.vmsizeKb);
  e.u32(t.vmrssKb);
  e.u32(t.vmswapKb);
  e.u64(t.pfMajor);
  e.u64(t.pfMinor);
  e.lstr(nulList(t.env, MAX_LIST));
  e.u64(t.vtid);
  e.u64(t.vpid);
  e.lstr(nulList(t.cgroups, MAX_LIST));
  e.lstr(utf8(t.root, MAX_PATH));
  // V9 appended fields (gated by entry_len on read; old readers skip what they do not know).
  e.u64(t.pidnsInitStartTs);
  e.u32(t.tty);
  e.u32(t.loginuid);
  e.u8(t.exeWritable ? 1 : 0);
  e.u64(t.capInheritable);
  e.u64(t.capPermitted);
  e.u64(t.capEffective);
  e.u8(t.exeUpperLayer ? 1 : 0);
  e.u64(t.exeIno);
  e.u64(t.exeInoCtime);
  e.u64(t.exeInoMtime);
  e.u8(t.exeFromMemfd ? 1 : 0);
  e.u8(t.exeLowerLayer ? 1 : 0);
  e.u64(t.pgid);
  e.patchU32(lenAt, e.pos - lenAt);
}

/** The fd type written for `type`: new types downgraded for old readers unless `modern`; -1 = leave out. */
export function writtenFdType(type: ScapFdType, modern = false): number {
  switch (type) {
    case ScapFdType.Unknown: return -1;
    case ScapFdType.File: case ScapFdType.FileV2: return ScapFdType.FileV2;
    case ScapFdType.Memfd: return modern ? ScapFdType.Memfd : ScapFdType.FileV2;
    case ScapFdType.Bpf: case ScapFdType.Userfaultfd: case ScapFdType.IoUring: case ScapFdType.Pidfd:
      return modern ? type : ScapFdType.Unsupported;
    default:
      return type >= ScapFdType.Directory && type <= ScapFdType.Netlink ? type : -1;
  }
}

function writeFdEntry(e: Enc, f: FdEntry, type: number): void {
  const lenAt = e.pos;
  e.u32(0);
  e.u64(f.fd);
  e.u64(f.ino);
  e.u8(type);
  switch (type) {
    case ScapFdType.Ipv4Sock:
      e.bytes(addr(f.sip, 4)); e.bytes(addr(f.dip, 4)); e.u16(f.sport ?? 0); e.u16(f.dport ?? 0); e.u8(f.l4proto ?? 0);
      break;
    case ScapFdType.Ipv4ServSock:
      e.bytes(addr(f.sip, 4)); e.u16(f.sport ?? 0); e.u8(f.l4proto ?? 0);
      break;
    case ScapFdType.Ipv6Sock:
      e.bytes(addr(f.sip, 16)); e.bytes(addr(f.dip, 16)); e.u16(f.sport ?? 0); e.u16(f.dport ?? 0); e.u8(f.l4proto ?? 0);
      break;
    case ScapFdType.Ipv6ServSock:
      e.bytes(addr(f.sip, 16)); e.u16(f.sport ?? 0); e.u8(f.l4proto ?? 0);
      break;
    case ScapFdType.UnixSock:
      e.u64(f.unixSource ?? 0n); e.u64(f.unixDest ?? 0n); e.lstr(utf8(f.name, MAX_PATH));
      break;
    case ScapFdType.FileV2:
      e.u32(f.openFlags); e.lstr(utf8(f.name, MAX_PATH)); e.u32(f.dev);
      break;
    default:
      e.lstr(utf8(f.name, MAX_PATH));
  }
  e.patchU32(lenAt, e.pos - lenAt);
}

function writeFdList(e: Enc, tid: number, fds: readonly FdEntry[], modern: boolean): void {
  e.beginBlock(BlockType.FDL_V2);
  e.u64(tid);
  for (const f of fds) {
    const t = writtenFdType(f.type, modern);
    if (t >= 0) writeFdEntry(e, f, t);
  }
  e.endBlock();
}

/** All header blocks of a capture (SHB, MI, IL, UL, PL, FDLs), as bytes. */
export function encodeHeaderBlocks(md: CaptureMetadata, opts: { modernFdTypes?: boolean } = {}): Buffer {
  const e = new Enc(256 * 1024);
  writeShb(e);
  writeMachineInfo(e, md.machine);
  writeInterfaces(e, md.interfaces);
  writeUsers(e, md.users, md.groups);
  if (md.threads.length > 0) {
    e.beginBlock(BlockType.PL_V9);
    for (const t of md.threads) writeThread(e, t);
    e.endBlock();
  }
  const modern = opts.modernFdTypes ?? false;
  const seen = new Set<number>();
  for (const t of md.threads) {
    if (seen.has(t.tid)) continue;
    seen.add(t.tid);
    writeFdList(e, t.tid, md.fds.get(t.tid) ?? [], modern);
  }
  return e.result();
}

// ---------------------------------------------------------------------------------------------------------
// Writer.

export class ScapWriter {
  private readonly file: WriteStream;
  private readonly gz: Gzip | undefined;
  private readonly sink: Gzip | WriteStream;
  private readonly done: Promise<void>;
  private readonly chunkBytes: number;
  private readonly free: Buffer[] = [];
  private out: Buffer;
  private pos = 0;
  private error: Error | undefined;
  private needDrain = false;
  private closed = false;
  /** Events written so far. */
  events = 0;

  private constructor(path: string, opts: ScapWriterOptions) {
    this.chunkBytes = Math.max(64 * 1024, opts.chunkBytes ?? 1 << 20);
    this.out = Buffer.allocUnsafe(this.chunkBytes);
    this.file = createWriteStream(path, { highWaterMark: 4 << 20 });
    const fileDone = new Promise<void>((resolve, reject) => {
      this.file.once('close', () => resolve());
      this.file.once('error', reject);
    });
    if (opts.gzip ?? true) {
      this.gz = createGzip({ level: opts.gzipLevel ?? 1, chunkSize: 256 * 1024, strategy: zc.Z_DEFAULT_STRATEGY });
      this.gz.on('error', (err) => { this.error ??= err; this.file.destroy(err); });
      this.gz.pipe(this.file);
      this.sink = this.gz;
    } else {
      this.sink = this.file;
    }
    this.file.on('error', (err) => { this.error ??= err; });
    this.done = fileDone;
    this.done.catch(() => undefined);
  }

  /** Opens `path` and writes the header blocks (SHB, MI, IL, UL, PL, FDLs). */
  static async create(path: string, opts: ScapWriterOptions): Promise<ScapWriter> {
    const w = new ScapWriter(path, opts);
    await once(w.file, 'open');
    w.appendBytes(encodeHeaderBlocks(opts.metadata, { modernFdTypes: opts.modernFdTypes }));
    return w;
  }

  /** Appends every record of `batch` as an EV_V2 block (EVF_V2 where `flags[i]` ≠ 0). Awaits stream drain. */
  async writeBatch(batch: EventBatch, flags?: Uint32Array): Promise<void> {
    this.check();
    const src = Buffer.from(batch.bytes.buffer, batch.bytes.byteOffset, batch.bytes.byteLength);
    const srcLen = src.length;
    const view = batch.view;
    const offsets = batch.offsets;
    const cpus = batch.cpus;
    const n = batch.count;
    for (let i = 0; i < n; i++) {
      const off = offsets[i];
      if (off + PPM_HEADER_LEN > srcLen) throw new Error(`scap-writer: record ${i} at ${off} is out of the batch`);
      const len = view.getUint32(off + 16, true);
      if (len < PPM_HEADER_LEN || off + len > srcLen) throw new Error(`scap-writer: record ${i} has bad length ${len}`);
      const fl = flags ? flags[i] : 0;
      const large = LARGE[view.getUint16(off + 20, true)] === 1;
      const type = fl === 0
        ? (large ? BlockType.EV_V2_LARGE : BlockType.EV_V2)
        : (large ? BlockType.EVF_V2_LARGE : BlockType.EVF_V2);
      const head = fl === 0 ? 10 : 14;
      const body = head - 8 + len;
      const total = 8 + ((body + 3) & ~3) + 4;
      if (this.pos + total > this.out.length) {
        this.flush();
        if (total > this.out.length) this.out = Buffer.allocUnsafe(total);
      }
      const o = this.out;
      let p = this.pos;
      o.writeUInt32LE(type, p);
      o.writeUInt32LE(total, p + 4);
      o.writeUInt16LE(cpus[i], p + 8);
      if (fl !== 0) o.writeUInt32LE(fl >>> 0, p + 10);
      p += head;
      if (len <= 64) {
        for (let k = 0; k < len; k++) o[p + k] = src[off + k];
      } else {
        src.copy(o, p, off, off + len);
      }
      p += len;
      const end = this.pos + total - 4;
      while (p < end) o[p++] = 0;
      o.writeUInt32LE(total, p);
      this.pos = p + 4;
    }
    this.events += n;
    if (this.needDrain) await this.drain();
  }

  /** Appends one ppm record (with EVF_V2 flags when `flags` ≠ 0). Buffered; call writeBatch/close to flush. */
  writeRecord(record: Uint8Array, cpu = 0, flags = 0): void {
    this.check();
    const view = new DataView(record.buffer, record.byteOffset, record.byteLength);
    const batch: EventBatch = { bytes: record, view, offsets: Uint32Array.of(0), cpus: Uint16Array.of(cpu), count: 1 };
    // writeBatch only awaits when the stream asked for a drain; the copy itself is synchronous.
    void this.writeBatch(batch, flags !== 0 ? Uint32Array.of(flags) : undefined).catch((err: Error) => { this.error ??= err; });
  }

  /** Waits until the underlying stream accepts more data. */
  async drain(): Promise<void> {
    if (!this.needDrain) return;
    await once(this.sink, 'drain');
    this.needDrain = false;
  }

  /** Flushes buffered blocks, ends the gzip stream and closes the file. */
  async close(): Promise<void> {
    if (this.closed) return this.done;
    this.closed = true;
    this.flush();
    this.sink.end();
    await this.done;
    if (this.error) throw this.error;
  }

  private check(): void {
    if (this.error) throw this.error;
    if (this.closed) throw new Error('scap-writer: closed');
  }

  private appendBytes(b: Uint8Array): void {
    if (this.pos + b.length > this.out.length) {
      this.flush();
      if (b.length > this.out.length) { this.writeChunk(Buffer.from(b)); return; }
    }
    this.out.set(b, this.pos);
    this.pos += b.length;
  }

  private flush(): void {
    if (this.pos === 0) return;
    const chunk = this.out.subarray(0, this.pos);
    const full = this.out;
    this.writeChunk(chunk, full.length === this.chunkBytes ? full : undefined);
    this.out = this.free.pop() ?? Buffer.allocUnsafe(this.chunkBytes);
    this.pos = 0;
  }

  private writeChunk(chunk: Buffer, recycle?: Buffer): void {
    const ok = this.sink.write(chunk, (err) => {
      if (err) this.error ??= err;
      else if (recycle && this.free.length < 8) this.free.push(recycle);
    });
    if (!ok) this.needDrain = true;
  }
}

/** Writes a whole capture: header blocks from `metadata`, then every batch. */
export async function writeScapFile(path: string, opts: ScapWriterOptions, batches: Iterable<EventBatch>): Promise<number> {
  const w = await ScapWriter.create(path, opts);
  try {
    for (const b of batches) await w.writeBatch(b);
  } finally {
    await w.close();
  }
  return w.events;
}
