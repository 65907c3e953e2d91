// What `sensord run` adds around the pipeline for loss accounting: the flags (HTTP output, logs, metrics, blind
// alert), the metrics server, and the sampling timer of the "Sensor Blind" detector. Kept out of run.ts so the
// command only wires it: startTelemetry() after the outputs start, ready() once probe and rules are up, close().
import type { Logger } from 'pino';
import { BlindDetector, DEFAULT_BLIND_THRESHOLD, DEFAULT_BLIND_WINDOW_S } from './blind.js';
import { MetricsServer, SensorMetrics, parseListen, type MetricsSources } from './metrics.js';
import { HttpOutput, parseHeader, type AlertOutput, type OutputQueue } from '../output/index.js';
import type { Alert } from '../output/types.js';
import { GrpcOutput } from '../output/grpc/index.js';
import { decodeErrorCounts } from '../decode/index.js';

export interface TelemetryFlags {
  /** POST Falco JSON alerts to this URL. */
  httpOutput?: string;
  /** `K: V` headers for the HTTP output (repeatable). */
  httpHeader?: string[];
  /** `json` (default) or `text`. */
  logFormat?: string;
  logLevel?: string;
  /** `HOST:PORT` of /metrics, /healthz, /readyz. */
  metricsListen?: string;
  blindThreshold?: string | number;
  blindWindow?: string | number;
}

/** The HTTP output of `--http-output URL [--http-header 'K: V']…`, or none. SENSORD_HTTP_TOKEN becomes a bearer token. */
export function httpOutputFrom(flags: TelemetryFlags): HttpOutput | undefined {
  if (!flags.httpOutput) return undefined;
  const headers: Record<string, string> = {};
  for (const h of flags.httpHeader ?? []) { const [k, v] = parseHeader(h); headers[k] = v; }
  return new HttpOutput({ url: flags.httpOutput, headers, bearerToken: process.env.SENSORD_HTTP_TOKEN || undefined });
}

function positive(v: string | number | undefined, flag: string, dflt: number): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${flag}: expected a positive number, got ${JSON.stringify(v)}`);
  return n;
}

export function blindDetectorFrom(flags: TelemetryFlags, timeIso8601: boolean): BlindDetector {
  return new BlindDetector({
    threshold: positive(flags.blindThreshold, '--blind-threshold', DEFAULT_BLIND_THRESHOLD),
    windowMs: positive(flags.blindWindow, '--blind-window', DEFAULT_BLIND_WINDOW_S) * 1000,
    timeIso8601,
  });
}

export interface TelemetryDeps {
  log: Logger;
  queue: OutputQueue;
  outputs: readonly AlertOutput[];
  blind: BlindDetector;
  /** Sources of stats, filled as the pipeline comes up (source() is undefined before the probe opens). */
  sources: Omit<MetricsSources, 'queue' | 'deliveries' | 'blindAlerts' | 'spoolDrops' | 'decodeErrors'>;
  /** Where blind alerts go (default: the queue). */
  emit?: (a: Alert) => void;
}

export class Telemetry {
  readonly metrics: SensorMetrics;
  private server: MetricsServer | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly deps: TelemetryDeps) {
    const http = deps.outputs.filter((o): o is HttpOutput => o instanceof HttpOutput);
    const grpc = deps.outputs.filter((o): o is GrpcOutput => o instanceof GrpcOutput);
    this.metrics = new SensorMetrics({
      ...deps.sources,
      decodeErrors: decodeErrorCounts,
      spoolDrops: () => Object.fromEntries(grpc.map((o) => [o.name, o.stats().spool.dropped])),
      queue: () => deps.queue.stats(),
      deliveries: () => Object.fromEntries(http.map((o) => [o.name, o.stats()])),
      blindAlerts: () => deps.blind.emitted,
    });
  }

  /** Starts the metrics server (when `listen` is given) and the blind detector's sampling. */
  async start(listen: string | undefined): Promise<void> {
    if (listen !== undefined) {
      const { host, port } = parseListen(listen);
      this.server = new MetricsServer(this.metrics);
      const a = await this.server.listen(host, port);
      this.deps.log.info({ address: `${a.host}:${a.port}` }, `metrics: http://${a.host.includes(':') ? `[${a.host}]` : a.host}:${a.port}/metrics (/healthz, /readyz)`);
    }
    const emit = this.deps.emit ?? ((a: Alert) => { this.deps.queue.push(a); });
    this.sample(emit);
    const every = Math.min(1000, Math.max(50, this.deps.blind.windowMs / 10));
    this.timer = setInterval(() => this.sample(emit), every);
    this.timer.unref();
  }

  private sample(emit: (a: Alert) => void): void {
    const src = this.deps.sources.source?.();
    const kernelDrops = src ? src.stats().drops : 0;
    const outputDrops = this.deps.queue.stats().dropped;
    const alert = this.deps.blind.sample({ kernelDrops, outputDrops }, Date.now());
    if (alert) {
      this.deps.log.error({ rule: alert.rule, kernelDrops, outputDrops }, alert.output);
      emit(alert);
    }
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.server?.close();
    this.server = undefined;
  }
}
