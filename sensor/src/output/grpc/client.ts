// The gRPC output leaf: at-least-once delivery to a sensord.v1 backend. write() collects Falco JSON lines; flush()
// appends them to the spool (the alert is safe from here); a sender streams from the spool with a bounded
// in-flight window and removes alerts only when acked. On disconnect: exponential backoff with jitter, then a
// new stream that resends everything after the last ack. mTLS (CA, cert, key) and an optional bearer token.
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { OutputError, type AlertOutput } from '../types.js';
import { Spool, type FsyncPolicy, type SpoolStats } from './spool.js';
import { alertFromJsonLine, alertStreamService } from './proto.js';
import { Backoff } from '../backoff.js';

export interface GrpcOutputOptions {
  /** host:port of the backend. */
  address: string;
  tls: { ca: string | Buffer; cert: string | Buffer; key: string | Buffer } | { insecure: true };
  /** The name the backend's certificate must carry, when it is not the host of `address` (e.g. an IP address). */
  serverName?: string;
  token?: string;
  spoolDir: string;
  spoolMaxBytes?: number;
  spoolSegmentBytes?: number;
  fsync?: FsyncPolicy;
  /** Alerts sent and not yet acked, at most (default 2000). */
  window?: number;
  /** Alerts per AlertBatch (default 500). */
  batchSize?: number;
  backoffInitialMs?: number;
  backoffMaxMs?: number;
  heartbeatMs?: number;
  /** Defaults to a random id kept in the spool directory (stable across restarts). */
  sensorId?: string;
  hostname?: string;
  /** How long close() waits for outstanding acks (default 2000 ms). */
  closeTimeoutMs?: number;
  onEvent?: (what: string, detail?: unknown) => void;
}

export interface GrpcOutputStats {
  spool: SpoolStats;
  connected: boolean;
  connects: number;
  sent: number;
  acks: number;
  inFlight: number;
  lastError: string | undefined;
}

/**
 * What the sensor's other stages report into each Status message (cumulative counts; setStatusSource). Drops go
 * under their stage names (kernel, decode, rate_limit, output_queue); the output's own spool drops are added.
 */
export interface StatusCounters {
  /** Events judged by the rules engine. */
  events?: number;
  /** Alerts emitted (after rate limiting). */
  alerts?: number;
  drops?: Readonly<Record<string, number>>;
}

function readPem(v: string | Buffer): Buffer { return Buffer.isBuffer(v) ? v : readFileSync(v); }

export class GrpcOutput implements AlertOutput {
  readonly name: string;
  readonly format = 'json' as const;
  readonly spool: Spool;
  readonly sensorId: string;
  private pending: string[] = [];
  private client: grpc.Client | undefined;
  private call: grpc.ClientDuplexStream<unknown, unknown> | undefined;
  private cursor = 0;
  private gapSent = false;
  private pumping = false;
  /** The stream's buffer is full: pumping resumes on its 'drain'. */
  private waitingDrain = false;
  private closing = false;
  private readonly backoff: Backoff;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private readonly hostname: string;
  private counters = { connects: 0, sent: 0, acks: 0 };
  private lastError: string | undefined;
  private ackWaiters: Array<() => void> = [];
  private statusSource: (() => StatusCounters) | undefined;
  /** The previous Status sample, for the rates. */
  private lastSample: { t: number; events: number; alerts: number } | undefined;

  constructor(private readonly opts: GrpcOutputOptions) {
    this.name = `grpc:${opts.address}`;
    this.spool = new Spool({ dir: opts.spoolDir, maxBytes: opts.spoolMaxBytes, segmentBytes: opts.spoolSegmentBytes, fsync: opts.fsync });
    this.hostname = opts.hostname ?? os.hostname();
    this.sensorId = opts.sensorId ?? sensorIdIn(opts.spoolDir);
    this.backoff = new Backoff(opts.backoffInitialMs ?? 200, opts.backoffMaxMs ?? 10_000);
  }

  init(): void {
    this.spool.open();
    this.cursor = this.spool.ackedSeq;
    const Service = alertStreamService();
    let creds: grpc.ChannelCredentials;
    try {
      creds = 'insecure' in this.opts.tls ? grpc.credentials.createInsecure()
        : grpc.credentials.createSsl(readPem(this.opts.tls.ca), readPem(this.opts.tls.key), readPem(this.opts.tls.cert));
    } catch (e) {
      throw new OutputError('EOUTPUT_OPEN', `${this.name}: TLS material: ${(e as Error).message}`);
    }
    // The channel's own reconnect backoff (default up to 120 s) would outlast ours after a long outage.
    const chOpts: grpc.ChannelOptions = {
      'grpc.keepalive_time_ms': 10_000, 'grpc.keepalive_timeout_ms': 5_000,
      'grpc.initial_reconnect_backoff_ms': this.opts.backoffInitialMs ?? 200, 'grpc.max_reconnect_backoff_ms': this.opts.backoffMaxMs ?? 10_000,
    };
    if (this.opts.serverName) chOpts['grpc.ssl_target_name_override'] = this.opts.serverName;
    this.client = new Service(this.opts.address, creds, chOpts);
    this.connect();
  }

  write(line: string): void {
    if (this.closing) throw new OutputError('EOUTPUT_CLOSED', `${this.name}: closed`);
    this.pending.push(line);
  }

  /** The alerts written so far go to the spool (durable per the fsync policy), then to the sender. */
  flush(): void {
    if (this.pending.length === 0) return;
    const lines = this.pending;
    this.pending = [];
    this.spool.append(lines.map((l) => alertFromJsonLine(l, this.hostname)));
    this.pump();
  }

  /** Flushes, waits up to closeTimeoutMs for acks of everything spooled, then ends the stream. */
  async close(): Promise<void> {
    this.flush();
    const deadline = Date.now() + (this.opts.closeTimeoutMs ?? 2000);
    while (this.spool.ackedSeq < this.spool.lastSeq && Date.now() < deadline) {
      await new Promise<void>((resolve) => { this.ackWaiters.push(resolve); setTimeout(resolve, 50); });
    }
    this.closing = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.call?.cancel();
    this.call = undefined;
    this.client?.close();
    this.spool.close();
  }

  /** Resolves once every alert spooled so far is acked (or the timeout passes: false). */
  async drained(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.spool.ackedSeq < this.spool.lastSeq) {
      if (Date.now() > deadline) return false;
      await new Promise<void>((resolve) => { this.ackWaiters.push(resolve); setTimeout(resolve, 100); });
    }
    return true;
  }

  /** Counters of the rest of the sensor carried by every Status message (events, drops per stage, rates). */
  setStatusSource(source: (() => StatusCounters) | undefined): void {
    this.statusSource = source;
    this.lastSample = undefined;
  }

  /** The Status message sent every heartbeat: the status source's counters, rates since the previous one, the spool's. */
  statusMessage(nowMs = Date.now()): Record<string, unknown> {
    const sp = this.spool.stats();
    let src: StatusCounters = {};
    try { src = this.statusSource?.() ?? {}; } catch (e) { this.lastError = `status source: ${(e as Error).message}`; }
    const drops: Record<string, string> = {};
    for (const [k, v] of Object.entries(src.drops ?? {})) if (Number.isFinite(v) && v >= 0) drops[k] = String(Math.trunc(v));
    drops.spool = String(sp.dropped);
    const events = src.events ?? 0;
    const alerts = src.alerts ?? 0;
    const rates: Record<string, number> = {};
    const prev = this.lastSample;
    if (prev && nowMs > prev.t) {
      const dt = (nowMs - prev.t) / 1000;
      rates.events = Math.max(0, events - prev.events) / dt;
      rates.alerts = Math.max(0, alerts - prev.alerts) / dt;
    }
    this.lastSample = { t: nowMs, events, alerts };
    return {
      time_ns: String(BigInt(nowMs) * 1_000_000n), events: String(Math.trunc(events)), drops, rates,
      spool_bytes: String(sp.bytes), unacked: String(sp.unacked),
    };
  }

  stats(): GrpcOutputStats {
    return {
      spool: this.spool.stats(), connected: this.call !== undefined, ...this.counters,
      inFlight: Math.max(0, this.cursor - this.spool.ackedSeq), lastError: this.lastError,
    };
  }

  private connect(): void {
    if (this.closing || !this.client) return;
    const md = new grpc.Metadata();
    if (this.opts.token) md.set('authorization', `Bearer ${this.opts.token}`);
    const call = (this.client as unknown as { Stream(md: grpc.Metadata): grpc.ClientDuplexStream<unknown, unknown> }).Stream(md);
    this.call = call;
    this.counters.connects++;
    // Resend everything after the last ack: the backend dedupes by id.
    this.cursor = this.spool.ackedSeq;
    this.gapSent = false;
    this.waitingDrain = false;
    let ended = false;
    const onDown = (why: string) => {
      if (ended) return;
      ended = true;
      if (this.call === call) this.call = undefined;
      if (this.heartbeat) clearInterval(this.heartbeat);
      this.lastError = why;
      this.opts.onEvent?.('disconnected', why);
      this.scheduleReconnect();
    };
    call.on('data', (msg: { ack?: { highest_contiguous_seq?: string } }) => {
      const seq = Number(msg.ack?.highest_contiguous_seq ?? 0);
      if (seq > 0) {
        this.counters.acks++;
        this.backoff.reset();
        this.spool.ack(seq);
        if (this.cursor < this.spool.ackedSeq) this.cursor = this.spool.ackedSeq;
        const w = this.ackWaiters;
        this.ackWaiters = [];
        for (const r of w) r();
        this.pump();
      }
    });
    call.on('error', (e: Error) => onDown(e.message));
    call.on('end', () => onDown('stream ended by the backend'));
    call.on('close', () => onDown('stream closed'));
    call.write({ hello: { sensor_id: this.sensorId, hostname: this.hostname, resume_from_seq: String(this.spool.ackedSeq + 1), version: 'sensord/0.1' } });
    const hb = this.opts.heartbeatMs ?? 5000;
    this.heartbeat = setInterval(() => {
      if (!this.call) return;
      const status = this.statusMessage();
      this.call.write({ heartbeat: { time_ns: status.time_ns } });
      this.call.write({ status });
    }, hb);
    this.heartbeat.unref();
    this.pump();
  }

  private scheduleReconnect(): void {
    if (this.closing || this.reconnectTimer) return;
    const delay = this.backoff.next();
    this.reconnectTimer = setTimeout(() => { this.reconnectTimer = undefined; this.connect(); }, delay);
    this.reconnectTimer.unref();
  }

  /** Sends spooled alerts after the cursor while the in-flight window has room and the stream takes them. */
  private pump(): void {
    if (this.pumping || this.waitingDrain) return;
    const call = this.call;
    if (!call) return;
    this.pumping = true;
    try {
      const window = this.opts.window ?? 2000;
      const batchSize = this.opts.batchSize ?? 500;
      const gap = this.spool.gap;
      if (gap && !this.gapSent) {
        this.gapSent = true;
        call.write({ alerts: { records: [{ seq: String(gap.lastSeq), gap: {
          count: String(gap.count), first_time_ns: gap.firstTimeNs, last_time_ns: gap.lastTimeNs,
          rules: Object.fromEntries(Object.entries(gap.rules).map(([k, v]) => [k, String(v)])),
          first_seq: String(gap.firstSeq), last_seq: String(gap.lastSeq),
        } }] } });
        if (this.cursor < gap.lastSeq) this.cursor = gap.lastSeq;
      }
      while (this.cursor - this.spool.ackedSeq < window) {
        const room = Math.min(batchSize, window - (this.cursor - this.spool.ackedSeq));
        const recs = this.spool.readAfter(this.cursor, room);
        if (recs.length === 0) break;
        const records = recs.map((r) => ({ seq: String(r.seq), alert: { ...r.alert, id: `${this.sensorId}:${r.seq}`, seq: String(r.seq) } }));
        this.cursor = recs[recs.length - 1]!.seq;
        this.counters.sent += recs.length;
        if (!call.write({ alerts: { records } })) {
          this.waitingDrain = true;
          call.once('drain', () => { this.waitingDrain = false; this.pump(); });
          break;
        }
      }
    } catch (e) {
      this.lastError = (e as Error).message;
    } finally {
      this.pumping = false;
    }
  }
}

/** A random sensor id kept in the spool directory, so the alert ids stay unique and stable across restarts. */
function sensorIdIn(dir: string): string {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'sensor-id');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const id = `${os.hostname()}-${randomBytes(6).toString('hex')}`;
  writeFileSync(file, id + '\n');
  return id;
}
