// Loss accounting and health: Prometheus metrics (prom-client) read on scrape from the stats() of the source,
// engine, state, output queue and reloader — nothing is updated per event — and the HTTP server for
// `--metrics-listen`: GET /metrics, /healthz (the process answers) and /readyz (probe attached and rules loaded).
import http from 'node:http';
import { once } from 'node:events';
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { EngineStats } from '../rules/engine/engine.js';
import type { ReloadStats } from '../rules/engine/reload.js';
import type { StateStats } from '../state/system-state.js';
import type { QueueStats } from '../output/queue.js';
import type { StoreStats } from '../enrich/store.js';

/** What the probe reports (LiveSource.stats() and dropsPerCpu()). */
export interface SourceStatsLike { events: number; drops: number }

export interface MetricsSources {
  source?: () => { stats(): SourceStatsLike; dropsPerCpu?(): number[] } | undefined;
  engine?: () => EngineStats | undefined;
  state?: () => StateStats | undefined;
  queue?: () => QueueStats | undefined;
  reloads?: () => ReloadStats | undefined;
  /** Cumulative decode errors by kind (unknown_type, bad_length, ...), where a stage counts them. */
  decodeErrors?: () => Readonly<Record<string, number>> | undefined;
  /** Per output: delivery counters of outputs that keep them (HTTP: sent, failed, retried). */
  deliveries?: () => Readonly<Record<string, { sent: number; failed: number; retried: number }>> | undefined;
  /** Sensor-blind alerts emitted. */
  blindAlerts?: () => number;
  /** Alerts the gRPC spool dropped when full (each replaced by a gap record), by output. */
  spoolDrops?: () => Readonly<Record<string, number>> | undefined;
  /** Container/pod metadata store (enrichment), and the number of pods the Kubernetes watch holds. */
  metadata?: () => StoreStats | undefined;
  pods?: () => number | undefined;
}

export interface Readiness { probeAttached: boolean; rulesLoaded: boolean }

type Labels = Record<string, string>;

/** A counter whose values are copied from cumulative stats at scrape time. */
function mirrored(reg: Registry, name: string, help: string, labelNames: string[], read: () => Array<[Labels, number]>): void {
  new Counter({
    name, help, labelNames, registers: [reg],
    collect(this: Counter<string>) {
      this.reset();
      for (const [labels, v] of read()) if (Number.isFinite(v) && v >= 0) this.inc(labels, v);
    },
  });
}

function gauge(reg: Registry, name: string, help: string, labelNames: string[], read: () => Array<[Labels, number]>): void {
  new Gauge({
    name, help, labelNames, registers: [reg],
    collect(this: Gauge<string>) {
      this.reset();
      for (const [labels, v] of read()) if (Number.isFinite(v)) this.set(labels, v);
    },
  });
}

export class SensorMetrics {
  readonly registry = new Registry();
  readonly readiness: Readiness = { probeAttached: false, rulesLoaded: false };

  constructor(private readonly src: MetricsSources, opts: { processMetrics?: boolean } = {}) {
    const reg = this.registry;
    if (opts.processMetrics !== false) collectDefaultMetrics({ register: reg, prefix: 'sensord_' });
    const one = (v: number | undefined): Array<[Labels, number]> => (v === undefined ? [] : [[{}, v]]);
    const source = () => src.source?.();
    const engine = () => src.engine?.();
    const state = () => src.state?.();
    const queue = () => src.queue?.();

    mirrored(reg, 'sensord_events_total', 'Events judged by the rules engine (after state)', [], () => one(engine()?.events));
    mirrored(reg, 'sensord_kernel_events_total', 'Records read from the kernel ring buffers', [], () => one(source()?.stats().events));
    mirrored(reg, 'sensord_kernel_drops_total', 'Records the kernel could not reserve (ring buffer full), per CPU', ['cpu'], () => {
      const s = source();
      if (!s) return [];
      const per = s.dropsPerCpu?.();
      if (per && per.length > 0) return per.map((v, cpu) => [{ cpu: String(cpu) }, v]);
      return [[{ cpu: 'all' }, s.stats().drops]];
    });
    mirrored(reg, 'sensord_spool_drops_total', 'Alerts dropped from a full gRPC spool (delivered as gap records)', ['output'],
      () => Object.entries(src.spoolDrops?.() ?? {}).map(([output, v]) => [{ output }, v]));
    mirrored(reg, 'sensord_decode_errors_total', 'Records that could not be decoded, by kind', ['kind'],
      () => Object.entries(src.decodeErrors?.() ?? {}).map(([kind, v]) => [{ kind }, v]));
    mirrored(reg, 'sensord_rule_evaluations_total', 'Rule condition evaluations', [], () => one(engine()?.evaluations));
    mirrored(reg, 'sensord_alerts_total', 'Alerts emitted, by rule and priority', ['rule', 'priority'],
      () => (engine()?.rules ?? []).filter((r) => r.matches - r.suppressed > 0).map((r) => [{ rule: r.name, priority: r.priority }, r.matches - r.suppressed]));
    mirrored(reg, 'sensord_alerts_suppressed_total', 'Alerts suppressed by the per-rule rate limit', ['rule'],
      () => (engine()?.rules ?? []).filter((r) => r.suppressed > 0).map((r) => [{ rule: r.name }, r.suppressed]));
    mirrored(reg, 'sensord_rule_errors_total', 'Rule evaluation errors, by rule', ['rule'],
      () => (engine()?.rules ?? []).filter((r) => r.errors > 0).map((r) => [{ rule: r.name }, r.errors]));
    mirrored(reg, 'sensord_output_queue_drops_total', 'Alerts dropped because the output queue was full (or closed)', ['output'],
      () => { const q = queue(); return q ? [[{ output: 'all' }, q.dropped]] : []; });
    mirrored(reg, 'sensord_output_errors_total', 'Output failures: alerts not delivered (HTTP) or failed output calls', ['output'], () => {
      const q = queue();
      if (!q) return [];
      const del = src.deliveries?.() ?? {};
      return Object.entries(q.outputs).map(([name, c]) => [{ output: name }, del[name] !== undefined ? del[name].failed : c.errors]);
    });
    mirrored(reg, 'sensord_output_sent_total', 'Alerts delivered by outputs that confirm delivery (HTTP 2xx)', ['output'],
      () => Object.entries(src.deliveries?.() ?? {}).map(([output, d]) => [{ output }, d.sent]));
    mirrored(reg, 'sensord_output_retries_total', 'Delivery attempts repeated (HTTP)', ['output'],
      () => Object.entries(src.deliveries?.() ?? {}).map(([output, d]) => [{ output }, d.retried]));
    mirrored(reg, 'sensord_output_enqueued_total', 'Alerts accepted by the output queue', [], () => one(queue()?.enqueued));
    gauge(reg, 'sensord_output_queue_max_depth', 'Deepest the output queue has been', [], () => one(queue()?.maxDepth));
    gauge(reg, 'sensord_state_threads', 'Threads in the state table', [], () => one(state()?.threads.size));
    gauge(reg, 'sensord_state_fds', 'Open fds tracked by the state', [], () => one(state()?.fds.size));
    mirrored(reg, 'sensord_state_evictions_total', 'State entries evicted because a table was full', ['table'], () => {
      const s = state();
      if (!s) return [];
      return [[{ table: 'threads' }, s.threads.evictions], [{ table: 'fds' }, s.fds.evictions], [{ table: 'users' }, s.users.evictions], [{ table: 'groups' }, s.groups.evictions]];
    });
    mirrored(reg, 'sensord_rules_reloads_total', 'Rule reloads, by result', ['result'], () => {
      const r = src.reloads?.();
      return r ? [[{ result: 'success' }, r.succeeded], [{ result: 'failure' }, r.failed]] : [];
    });
    mirrored(reg, 'sensord_blind_alerts_total', '"Sensor Blind" alerts emitted (loss over the threshold within the window)', [],
      () => (src.blindAlerts ? [[{}, src.blindAlerts()]] : []));
    const md = () => src.metadata?.();
    gauge(reg, 'sensord_metadata_containers', 'Containers whose metadata is cached', [], () => one(md()?.containers));
    gauge(reg, 'sensord_metadata_negative_containers', 'Container ids no source knew (negative cache)', [], () => one(md()?.negative));
    gauge(reg, 'sensord_metadata_pods', 'Pods held from the Kubernetes watch', [], () => one(src.pods?.()));
    mirrored(reg, 'sensord_metadata_lookups_total', 'Container lookups sent to the runtime', [], () => one(md()?.lookups));
    mirrored(reg, 'sensord_metadata_lookup_errors_total', 'Container lookups that failed (transport errors, timeouts)', [], () => one(md()?.lookupErrors));
    mirrored(reg, 'sensord_metadata_evictions_total', 'Containers dropped from the metadata cache (deleted, LRU, TTL)', [], () => one(md()?.evicted));
    mirrored(reg, 'sensord_metadata_waits_total', 'Events that needed container metadata, by outcome (ready, arrived, timeout, unknown, unavailable)', ['outcome'],
      () => Object.entries(md()?.waits ?? {}).map(([outcome, v]) => [{ outcome }, v]));
    mirrored(reg, 'sensord_metadata_wait_seconds_total', 'Time events spent waiting for container metadata', [], () => { const m = md(); return m ? [[{}, m.waitedMs / 1000]] : []; });
    gauge(reg, 'sensord_ready', '1 when the probe is attached and the rules are loaded', [],
      () => [[{}, this.ready() ? 1 : 0]]);
  }

  ready(): boolean { return this.readiness.probeAttached && this.readiness.rulesLoaded; }

  /** The Prometheus text exposition. */
  text(): Promise<string> { return this.registry.metrics(); }
}

/** `HOST:PORT`, `[V6]:PORT` or `:PORT` (loopback) → host and port; throws on anything else. */
export function parseListen(v: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(v.trim());
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new Error(`--metrics-listen: expected HOST:PORT, got ${JSON.stringify(v)}`);
  return { host: m[1] ?? (m[2] || '127.0.0.1'), port };
}

/** The `--metrics-listen` server. */
export class MetricsServer {
  private server: http.Server | undefined;

  constructor(private readonly metrics: SensorMetrics) {}

  async listen(host: string, port: number): Promise<{ host: string; port: number }> {
    const server = http.createServer((req, res) => { void this.handle(req, res); });
    server.keepAliveTimeout = 5000;
    server.listen(port, host);
    await Promise.race([once(server, 'listening'), once(server, 'error').then(([e]) => { throw e as Error; })]);
    this.server = server;
    const a = server.address();
    return typeof a === 'object' && a !== null ? { host: a.address, port: a.port } : { host, port };
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    const reply = (status: number, type: string, body: string) => {
      res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') { res.setHeader('Allow', 'GET, HEAD'); reply(405, 'text/plain', 'method not allowed\n'); return; }
    try {
      if (path === '/metrics') reply(200, this.metrics.registry.contentType, await this.metrics.text());
      else if (path === '/healthz') reply(200, 'text/plain', 'ok\n');
      else if (path === '/readyz') {
        const r = this.metrics.readiness;
        const ok = this.metrics.ready();
        reply(ok ? 200 : 503, 'application/json', JSON.stringify({ ready: ok, probe_attached: r.probeAttached, rules_loaded: r.rulesLoaded }) + '\n');
      } else reply(404, 'text/plain', 'not found\n');
    } catch (e) {
      reply(500, 'text/plain', `metrics collection failed: ${(e as Error).message}\n`);
    }
  }

  async close(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (!s) return;
    s.closeAllConnections?.();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
}
