// The gRPC output's on-disk spool: alerts wait here until the backend acks them (at-least-once). Append-only
// segment files `seg-<first seq>.log`, each record `[u32 length][u32 crc32][JSON]`; bounded total bytes; when
// full, the oldest unacked segment goes and one Gap (count, time span, rules) takes its place, kept in gap.json
// until acked. On open, segments are scanned: the highest seq is recovered and a torn last record truncated.
import {
  closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, readSync, readdirSync, renameSync, statSync, ftruncateSync,
  unlinkSync, writeFileSync, writeSync,
} from 'node:fs';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import { OutputError } from '../types.js';

export type FsyncPolicy = 'always' | 'interval' | 'never';

export interface SpoolOptions {
  dir: string;
  /** Bound on the bytes of all segments (default 64 MiB). */
  maxBytes?: number;
  /** A segment is closed and a new one started past this size (default maxBytes/16 up to 1 MiB, at least 4 KiB). */
  segmentBytes?: number;
  fsync?: FsyncPolicy;
  /** For fsync 'interval' (default 1000 ms). */
  fsyncIntervalMs?: number;
}

/** One spooled alert: the sensord.v1.Alert fields without id/seq (the sender fills those in). */
export interface SpooledAlert {
  seq: number;
  /** ns since the epoch, as decimal text (beyond 2^53). */
  timeNs: string;
  rule: string;
  /** The sensord.v1.Alert object as proto-loader takes it. */
  alert: Record<string, unknown>;
}

export interface GapRecord {
  /** The gap's own seq: its last covered seq (it stands for firstSeq..lastSeq). */
  firstSeq: number;
  lastSeq: number;
  count: number;
  firstTimeNs: string;
  lastTimeNs: string;
  rules: Record<string, number>;
}

export interface SpoolStats {
  bytes: number;
  maxBytes: number;
  segments: number;
  /** Highest bytes seen on disk. */
  peakBytes: number;
  nextSeq: number;
  ackedSeq: number;
  unacked: number;
  /** Alerts dropped because the spool was full (ever, this process). */
  dropped: number;
  truncatedOnOpen: number;
}

interface Segment { firstSeq: number; lastSeq: number; bytes: number; file: string; count: number }

const HEADER = 8;

export class Spool {
  private readonly maxBytes: number;
  private readonly segmentBytes: number;
  private readonly fsyncPolicy: FsyncPolicy;
  private segments: Segment[] = [];
  private fd = -1;
  private dirty = false;
  private timer: NodeJS.Timeout | undefined;
  private nextSeqValue = 1;
  private ackedSeqValue = 0;
  private gapValue: GapRecord | null = null;
  private dropped = 0;
  private peakBytes = 0;
  private truncated = 0;
  /** Parsed records of the last segment read (by file and length), so the sender reads each once. */
  private cache: { file: string; bytes: number; records: SpooledAlert[] } | undefined;

  constructor(private readonly opts: SpoolOptions) {
    this.maxBytes = Math.max(16 * 1024, opts.maxBytes ?? 64 * 1024 * 1024);
    this.segmentBytes = Math.max(4 * 1024, Math.min(opts.segmentBytes ?? Math.min(1024 * 1024, Math.floor(this.maxBytes / 16)), this.maxBytes / 4));
    this.fsyncPolicy = opts.fsync ?? 'interval';
  }

  /** Scans the directory: recovers segments, the highest seq, the acked seq and a pending gap. */
  open(): void {
    const dir = this.opts.dir;
    try {
      mkdirSync(dir, { recursive: true });
    } catch (e) {
      throw new OutputError('EOUTPUT_OPEN', `spool ${dir}: ${(e as Error).message}`);
    }
    const ackFile = path.join(dir, 'acked');
    if (existsSync(ackFile)) this.ackedSeqValue = Number(readFileSync(ackFile, 'utf8').trim()) || 0;
    const gapFile = path.join(dir, 'gap.json');
    if (existsSync(gapFile)) {
      try { this.gapValue = JSON.parse(readFileSync(gapFile, 'utf8')) as GapRecord; } catch { this.gapValue = null; }
      if (this.gapValue && this.gapValue.lastSeq <= this.ackedSeqValue) this.gapValue = null;
    }
    const names = readdirSync(dir).filter((n) => /^seg-\d{20}\.log$/.test(n)).sort();
    let highest = Math.max(this.ackedSeqValue, this.gapValue?.lastSeq ?? 0);
    names.forEach((name, i) => {
      const file = path.join(dir, name);
      const firstSeq = Number(name.slice(4, 24));
      const { records, validBytes, fileBytes } = readSegment(file);
      if (validBytes < fileBytes) {
        // A torn record (crash mid-write) can only be at the end of the newest segment; cut it off.
        this.truncated += fileBytes - validBytes;
        const fd = openSync(file, 'r+');
        try { ftruncateSync(fd, validBytes); fsyncSync(fd); } finally { closeSync(fd); }
      }
      const last = records.length > 0 ? records[records.length - 1]!.seq : firstSeq - 1;
      highest = Math.max(highest, last, firstSeq - 1);
      const isNewest = i === names.length - 1;
      if (last <= this.ackedSeqValue && !isNewest) { unlinkSync(file); return; }
      this.segments.push({ firstSeq, lastSeq: last, bytes: validBytes, file, count: records.length });
    });
    this.nextSeqValue = highest + 1;
    if (this.segments.length === 0) this.startSegment();
    else this.fd = openSync(this.segments[this.segments.length - 1]!.file, 'a');
    this.peakBytes = this.bytes();
    if (this.fsyncPolicy === 'interval') {
      this.timer = setInterval(() => this.sync(), this.opts.fsyncIntervalMs ?? 1000);
      this.timer.unref();
    }
  }

  get nextSeq(): number { return this.nextSeqValue; }
  get ackedSeq(): number { return this.ackedSeqValue; }
  get gap(): GapRecord | null { return this.gapValue; }
  /** Highest seq spooled so far (0 when none). */
  get lastSeq(): number { return this.nextSeqValue - 1; }

  bytes(): number { return this.segments.reduce((s, g) => s + g.bytes, 0); }

  /** Appends alerts (seq assigned here, in order) as one write; may drop the oldest unacked to stay in bound. */
  append(alerts: ReadonlyArray<Omit<SpooledAlert, 'seq'>>): number[] {
    if (alerts.length === 0) return [];
    const seqs: number[] = [];
    const bufs: Buffer[] = [];
    for (const a of alerts) {
      const seq = this.nextSeqValue++;
      seqs.push(seq);
      const body = Buffer.from(JSON.stringify({ seq, timeNs: a.timeNs, rule: a.rule, alert: a.alert }));
      const head = Buffer.alloc(HEADER);
      head.writeUInt32LE(body.length, 0);
      head.writeUInt32LE(crc32(body), 4);
      bufs.push(head, body);
    }
    const data = Buffer.concat(bufs);
    if (data.length > this.maxBytes / 2) throw new OutputError('EOUTPUT_WRITE', `spool: a batch of ${data.length} bytes exceeds half the spool bound`);
    let active = this.segments[this.segments.length - 1]!;
    if (active.bytes > 0 && active.bytes + data.length > this.segmentBytes) { this.startSegment(seqs[0]!); active = this.segments[this.segments.length - 1]!; }
    while (this.bytes() + data.length > this.maxBytes && this.segments.length > 1) this.dropOldest();
    writeSync(this.fd, data);
    active.bytes += data.length;
    active.count += alerts.length;
    active.lastSeq = seqs[seqs.length - 1]!;
    this.dirty = true;
    if (this.fsyncPolicy === 'always') this.sync();
    const b = this.bytes();
    if (b > this.peakBytes) this.peakBytes = b;
    return seqs;
  }

  /** The backend made everything up to seq durable: whole segments at or below it are deleted. */
  ack(seq: number): void {
    if (seq <= this.ackedSeqValue) return;
    this.ackedSeqValue = Math.min(seq, this.nextSeqValue - 1);
    // The ack mark first, so a crash between the two never resends less than it should.
    const tmp = path.join(this.opts.dir, 'acked.tmp');
    writeFileSync(tmp, String(this.ackedSeqValue));
    renameSync(tmp, path.join(this.opts.dir, 'acked'));
    if (this.gapValue && this.gapValue.lastSeq <= this.ackedSeqValue) this.setGap(null);
    while (this.segments.length > 1 && this.segments[0]!.lastSeq <= this.ackedSeqValue) {
      unlinkSync(this.segments.shift()!.file);
    }
  }

  /** Up to `max` spooled alerts with seq > after, in order (reads segment files; the newest may still grow). */
  readAfter(after: number, max: number): SpooledAlert[] {
    const out: SpooledAlert[] = [];
    for (const seg of this.segments) {
      if (seg.lastSeq <= after || seg.count === 0) continue;
      let records: SpooledAlert[];
      if (this.cache && this.cache.file === seg.file && this.cache.bytes <= seg.bytes) {
        // The newest segment grows while the sender follows it: parse only what was appended since.
        if (this.cache.bytes < seg.bytes) {
          const tail = readSegment(seg.file, seg.bytes, this.cache.bytes);
          this.cache.records.push(...tail.records);
          this.cache.bytes = tail.validBytes;
        }
        records = this.cache.records;
      } else {
        const r = readSegment(seg.file, seg.bytes);
        records = r.records;
        this.cache = { file: seg.file, bytes: r.validBytes, records };
      }
      for (const r of records) {
        if (r.seq <= after) continue;
        out.push(r);
        if (out.length >= max) return out;
      }
    }
    return out;
  }

  sync(): void {
    if (!this.dirty || this.fd < 0) return;
    this.dirty = false;
    fsyncSync(this.fd);
  }

  stats(): SpoolStats {
    const unacked = Math.max(0, this.nextSeqValue - 1 - this.ackedSeqValue);
    return {
      bytes: this.bytes(), maxBytes: this.maxBytes, segments: this.segments.length, peakBytes: this.peakBytes,
      nextSeq: this.nextSeqValue, ackedSeq: this.ackedSeqValue, unacked, dropped: this.dropped, truncatedOnOpen: this.truncated,
    };
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.fd >= 0) {
      if (this.fsyncPolicy !== 'never') { this.dirty = true; this.sync(); }
      closeSync(this.fd);
    }
    this.fd = -1;
    this.cache = undefined;
  }

  private startSegment(firstSeq = this.nextSeqValue): void {
    if (this.fd >= 0) { if (this.fsyncPolicy !== 'never') { this.dirty = true; this.sync(); } closeSync(this.fd); }
    const file = path.join(this.opts.dir, `seg-${String(firstSeq).padStart(20, '0')}.log`);
    this.fd = openSync(file, 'a');
    this.segments.push({ firstSeq, lastSeq: firstSeq - 1, bytes: 0, file, count: 0 });
  }

  /** Spool full: the oldest segment goes; its unacked alerts are summed into the pending gap. */
  private dropOldest(): void {
    const seg = this.segments.shift()!;
    const lost = readSegment(seg.file, seg.bytes).records.filter((r) => r.seq > this.ackedSeqValue && r.seq > (this.gapValue?.lastSeq ?? 0));
    unlinkSync(seg.file);
    if (this.cache?.file === seg.file) this.cache = undefined;
    if (lost.length === 0) return;
    this.dropped += lost.length;
    const g: GapRecord = this.gapValue ?? {
      firstSeq: lost[0]!.seq, lastSeq: lost[0]!.seq, count: 0, firstTimeNs: lost[0]!.timeNs, lastTimeNs: lost[0]!.timeNs, rules: {},
    };
    for (const r of lost) {
      g.count++;
      g.lastSeq = Math.max(g.lastSeq, r.seq);
      if (BigInt(r.timeNs) < BigInt(g.firstTimeNs)) g.firstTimeNs = r.timeNs;
      if (BigInt(r.timeNs) > BigInt(g.lastTimeNs)) g.lastTimeNs = r.timeNs;
      g.rules[r.rule] = (g.rules[r.rule] ?? 0) + 1;
    }
    this.setGap(g);
  }

  private setGap(g: GapRecord | null): void {
    this.gapValue = g;
    const file = path.join(this.opts.dir, 'gap.json');
    if (g === null) { if (existsSync(file)) unlinkSync(file); return; }
    writeFileSync(file + '.tmp', JSON.stringify(g));
    renameSync(file + '.tmp', file);
  }
}

/** Reads the valid records of a segment (up to `limit` bytes); stops at the first torn or corrupt record. */
function readSegment(file: string, limit?: number, from = 0): { records: SpooledAlert[]; validBytes: number; fileBytes: number } {
  let buf: Buffer;
  let fileBytes: number;
  try {
    fileBytes = statSync(file).size;
    const want = Math.min(fileBytes, limit ?? fileBytes) - from;
    buf = Buffer.alloc(Math.max(0, want));
    const fd = openSync(file, 'r');
    try { if (want > 0) readSync(fd, buf, 0, want, from); } finally { closeSync(fd); }
  } catch { return { records: [], validBytes: from, fileBytes: 0 }; }
  const end = buf.length;
  const records: SpooledAlert[] = [];
  let off = 0;
  while (off + HEADER <= end) {
    const len = buf.readUInt32LE(off);
    const sum = buf.readUInt32LE(off + 4);
    if (off + HEADER + len > end) break;
    const body = buf.subarray(off + HEADER, off + HEADER + len);
    if (crc32(body) !== sum) break;
    try { records.push(JSON.parse(body.toString('utf8')) as SpooledAlert); } catch { break; }
    off += HEADER + len;
  }
  return { records, validBytes: from + off, fileBytes };
}
