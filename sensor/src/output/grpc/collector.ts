// The reference SOC receiver for sensord.v1: TLS with client-certificate verification, dedupe by alert id
// (per sensor: highest contiguous seq + the seqs received above it, rebuilt from the output file on start),
// JSON lines (alerts stamped with received_ns) appended and fsynced before the ack of the highest contiguous seq. A bad peer (garbage, oversized
// or truncated messages, no Hello) only loses its own stream.
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, writeSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { alertStreamService } from './proto.js';

export interface CollectorOptions {
  /** host:port to listen on (port 0: any free port). */
  listen: string;
  out: string;
  tls: { ca: string | Buffer; cert: string | Buffer; key: string | Buffer };
  /** Largest accepted message (default 4 MiB). */
  maxMessageBytes?: number;
  /** If set, clients must send `authorization: Bearer <token>`. */
  token?: string;
  /** Fsync the output before each ack (default true). */
  fsync?: boolean;
  /** Delay before processing each batch (tests of a slow backend). */
  slowMs?: number;
  onEvent?: (what: string, detail?: unknown) => void;
  /** Each Status message of a sensor (after its Hello). */
  onStatus?: (sensorId: string, status: StatusMessage) => void;
}

/** A Status message as received (uint64 as decimal strings). */
export interface StatusMessage { time_ns?: string; events?: string; drops?: Record<string, string>; rates?: Record<string, number>; spool_bytes?: string; unacked?: string }

export interface SensorSummary {
  sensorId: string;
  hostname: string;
  received: number;
  duplicates: number;
  gaps: number;
  lost: number;
  highestContiguousSeq: number;
  connections: number;
}

interface SensorState extends SensorSummary { above: Set<number>; gapKeys: Set<string>; status?: StatusMessage }

interface RecordMsg { seq?: string; kind?: string; alert?: Record<string, unknown>; gap?: Record<string, unknown> }
interface SensorMsg { kind?: string; hello?: { sensor_id?: string; hostname?: string }; alerts?: { records?: RecordMsg[] }; status?: StatusMessage }

function readPem(v: string | Buffer): Buffer { return Buffer.isBuffer(v) ? v : readFileSync(v); }

export class Collector {
  private server: grpc.Server | undefined;
  private fd = -1;
  private readonly sensors = new Map<string, SensorState>();
  private readonly calls = new Set<grpc.ServerDuplexStream<unknown, unknown>>();
  port = 0;
  rejected = 0;

  constructor(private readonly opts: CollectorOptions) {}

  async start(): Promise<number> {
    this.loadState();
    this.fd = openSync(this.opts.out, 'a');
    const max = this.opts.maxMessageBytes ?? 4 * 1024 * 1024;
    const server = new grpc.Server({ 'grpc.max_receive_message_length': max, 'grpc.max_send_message_length': 1024 * 1024 });
    const Service = alertStreamService();
    server.addService(Service.service, { Stream: (call: grpc.ServerDuplexStream<unknown, unknown>) => this.onStream(call) });
    const creds = grpc.ServerCredentials.createSsl(readPem(this.opts.tls.ca),
      [{ private_key: readPem(this.opts.tls.key), cert_chain: readPem(this.opts.tls.cert) }], true);
    this.port = await new Promise<number>((resolve, reject) =>
      server.bindAsync(this.opts.listen, creds, (e, port) => (e ? reject(e) : resolve(port))));
    this.server = server;
    return this.port;
  }

  /** Stops listening and ends every stream at once (an outage, as the sensor sees it). */
  async stop(): Promise<void> {
    for (const c of this.calls) { try { c.end(); } catch { /* already gone */ } }
    this.calls.clear();
    this.server?.forceShutdown();
    this.server = undefined;
    if (this.fd >= 0) { fsyncSync(this.fd); closeSync(this.fd); }
    this.fd = -1;
  }

  summary(): SensorSummary[] {
    return [...this.sensors.values()].map(({ above: _above, gapKeys: _keys, status: _status, ...s }) => ({ ...s }));
  }

  /** The last Status message of a sensor, if one came. */
  lastStatus(sensorId: string): StatusMessage | undefined { return this.sensors.get(sensorId)?.status; }

  formatSummary(): string {
    const lines = this.summary().map((s) =>
      `${s.sensorId} (${s.hostname}): ${s.received} alerts, ${s.duplicates} duplicates dropped, ${s.gaps} gaps (${s.lost} alerts lost at the sensor), ` +
      `acked up to seq ${s.highestContiguousSeq}, ${s.connections} connections`);
    return (lines.length > 0 ? lines.join('\n') : 'no sensors') + `\nrejected streams: ${this.rejected}\n`;
  }

  private onStream(call: grpc.ServerDuplexStream<unknown, unknown>): void {
    if (this.opts.token !== undefined) {
      const auth = call.metadata.get('authorization')[0];
      if (auth !== `Bearer ${this.opts.token}`) { this.reject(call, grpc.status.UNAUTHENTICATED, 'bad or missing bearer token'); return; }
    }
    this.calls.add(call);
    let sensor: SensorState | undefined;
    let refused = false;
    let chain = Promise.resolve();
    call.on('error', (e) => { this.opts.onEvent?.('stream error', e.message); this.calls.delete(call); });
    call.on('end', () => {
      this.calls.delete(call);
      // A stream that ends before its Hello (e.g. its only message was truncated) is refused, not accepted.
      if (!sensor) { void chain.then(() => { if (!sensor) this.reject(call, grpc.status.INVALID_ARGUMENT, 'stream ended without a Hello'); }); return; }
      try { call.end(); } catch { /* gone */ }
    });
    call.on('data', (raw: unknown) => {
      const msg = raw as SensorMsg;
      chain = chain.then(async () => {
        if (this.fd < 0 || refused) return;
        if (msg.kind === 'hello' && msg.hello?.sensor_id) {
          sensor = this.sensor(msg.hello.sensor_id, msg.hello.hostname ?? '');
          sensor.connections++;
          call.write({ ack: { highest_contiguous_seq: String(sensor.highestContiguousSeq) } });
          return;
        }
        if (!sensor) { refused = true; this.reject(call, grpc.status.FAILED_PRECONDITION, 'the first message must be a Hello with a sensor_id'); return; }
        if (msg.kind === 'status' && msg.status) { sensor.status = msg.status; this.opts.onStatus?.(sensor.sensorId, msg.status); return; }
        if (msg.kind !== 'alerts') return; // heartbeats: nothing to store
        if (this.opts.slowMs) await new Promise((r) => setTimeout(r, this.opts.slowMs));
        if (this.fd < 0) return;
        this.store(sensor, msg.alerts?.records ?? []);
        call.write({ ack: { highest_contiguous_seq: String(sensor.highestContiguousSeq) } });
      }).catch((e: Error) => { refused = true; this.reject(call, grpc.status.INTERNAL, e.message); });
    });
  }

  private reject(call: grpc.ServerDuplexStream<unknown, unknown>, code: grpc.status, details: string): void {
    this.rejected++;
    this.calls.delete(call);
    this.opts.onEvent?.('rejected', details);
    // grpc-js turns an 'error' on a server stream into its final status, then ends it.
    try { call.emit('error', Object.assign(new Error(details), { code, details })); } catch { /* gone */ }
  }

  private sensor(id: string, hostname: string): SensorState {
    let s = this.sensors.get(id);
    if (!s) {
      s = { sensorId: id, hostname, received: 0, duplicates: 0, gaps: 0, lost: 0, highestContiguousSeq: 0, connections: 0, above: new Set(), gapKeys: new Set() };
      this.sensors.set(id, s);
    }
    if (hostname) s.hostname = hostname;
    return s;
  }

  /** New records become lines (one write, then fsync); duplicates are counted and skipped. */
  private store(s: SensorState, records: RecordMsg[]): void {
    let out = '';
    // Wall time of receipt in ns (sub-ms: the time origin plus the monotonic offset); delivery latency = this - time_ns.
    const received = String(BigInt(Math.round((performance.timeOrigin + performance.now()) * 1000)) * 1000n);
    for (const r of records) {
      const seq = Number(r.seq ?? 0);
      if (!(seq > 0)) continue;
      if (r.kind === 'gap' && r.gap) {
        // A gap stands for first_seq..seq; its alerts may have reached us before the sensor dropped them.
        const first = Number(r.gap.first_seq ?? seq);
        const key = `${first}-${seq}`;
        if (s.gapKeys.has(key)) { s.duplicates++; continue; }
        s.gapKeys.add(key);
        out += JSON.stringify({ kind: 'gap', sensor_id: s.sensorId, seq, ...r.gap }) + '\n';
        s.gaps++;
        s.lost += Number(r.gap.count ?? 0);
        for (let q = Math.max(first, s.highestContiguousSeq + 1); q <= seq; q++) s.above.add(q);
      } else if (r.alert) {
        if (seq <= s.highestContiguousSeq || s.above.has(seq)) { s.duplicates++; continue; }
        const { id, ...rest } = r.alert;
        out += JSON.stringify({ kind: 'alert', id, sensor_id: s.sensorId, ...rest, seq, received_ns: received }) + '\n';
        s.received++;
        s.above.add(seq);
      } else continue;
      this.advance(s);
    }
    if (out !== '') {
      writeSync(this.fd, out);
      if (this.opts.fsync !== false) fsyncSync(this.fd);
    }
  }

  private advance(s: SensorState): void {
    while (s.above.has(s.highestContiguousSeq + 1)) { s.above.delete(s.highestContiguousSeq + 1); s.highestContiguousSeq++; }
  }

  /** Dedupe state from the output file itself, so it is exactly as durable as the lines (a torn last line is skipped). */
  private loadState(): void {
    if (!existsSync(this.opts.out)) return;
    const text = readFileSync(this.opts.out, 'utf8');
    for (const line of text.split('\n')) {
      if (line === '') continue;
      let o: { kind?: string; sensor_id?: string; seq?: number; first_seq?: string; hostname?: string; count?: string };
      try { o = JSON.parse(line); } catch { continue; }
      if (!o.sensor_id || !o.seq) continue;
      const s = this.sensor(o.sensor_id, o.kind === 'alert' ? (o.hostname ?? '') : '');
      if (o.kind === 'gap') {
        s.gapKeys.add(`${Number(o.first_seq ?? o.seq)}-${o.seq}`);
        s.gaps++;
        s.lost += Number(o.count ?? 0);
        for (let q = Math.max(Number(o.first_seq ?? o.seq), s.highestContiguousSeq + 1); q <= o.seq; q++) s.above.add(q);
      } else { s.received++; s.above.add(o.seq); }
      this.advance(s);
    }
  }
}
