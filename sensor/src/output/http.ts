// Falco's http_output: one POST of the alert's Falco JSON per request (Falcosidekick accepts it as is), over a
// keep-alive agent, each attempt bounded by a timeout, retried a bounded number of times with exponential backoff
// and jitter on network errors, timeouts, 5xx and 429. It sits behind the one OutputQueue like every leaf: write()
// starts a request and only waits when `maxInFlight` requests are already out (back-pressure into the queue);
// flush() waits for every request and fails (EOUTPUT_WRITE) when some alert could not be delivered since the last one.
import http from 'node:http';
import https from 'node:https';
import { OutputError, type AlertOutput } from './types.js';
import { Backoff } from './backoff.js';

export interface HttpOutputOptions {
  url: string;
  /** Extra request headers (e.g. from `--http-header 'K: V'`). */
  headers?: Readonly<Record<string, string>>;
  /** Sent as `Authorization: Bearer TOKEN`. */
  bearerToken?: string;
  /** Per attempt, connect to end of response (default 5000 ms). */
  timeoutMs?: number;
  /** Attempts after the first one (default 3). */
  retries?: number;
  /** First backoff (default 200 ms), doubled per retry, capped at `maxBackoffMs` (default 5000 ms); each delay is drawn from [b/2, b] (output/backoff.ts). */
  backoffMs?: number;
  maxBackoffMs?: number;
  /** Requests out at once (default 4); also the agent's socket limit. */
  maxInFlight?: number;
  /** Test hook: the delay before retry `n` (1-based). */
  sleep?: (ms: number) => Promise<void>;
}

export interface HttpOutputStats {
  /** Alerts delivered (2xx). */
  sent: number;
  /** Alerts given up on (retries exhausted or a non-retryable answer). */
  failed: number;
  /** Attempts repeated. */
  retried: number;
  /** Requests out now. */
  inFlight: number;
}

/** `K: V` → [K, V]; throws on anything else. */
export function parseHeader(spec: string): [string, string] {
  const i = spec.indexOf(':');
  const k = i > 0 ? spec.slice(0, i).trim() : '';
  if (k === '' || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(k)) throw new OutputError('EOUTPUT_OPEN', `--http-header: expected 'Name: value', got ${JSON.stringify(spec)}`);
  return [k, spec.slice(i + 1).trim()];
}

class AttemptError extends Error {
  constructor(message: string, readonly retryable: boolean) { super(message); }
}

export class HttpOutput implements AlertOutput {
  readonly name: string;
  readonly format = 'json' as const;
  private readonly url: URL;
  private agent: http.Agent | undefined;
  private readonly headers: Record<string, string>;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly counters = { sent: 0, failed: 0, retried: 0 };
  /** Failures since the last flush, and the last one's message. */
  private pendingFailures = 0;
  private lastFailure = '';
  private readonly opts: Required<Omit<HttpOutputOptions, 'headers' | 'bearerToken' | 'sleep' | 'url'>> & Pick<HttpOutputOptions, 'sleep'>;

  constructor(opts: HttpOutputOptions) {
    let url: URL;
    try {
      url = new URL(opts.url);
    } catch {
      throw new OutputError('EOUTPUT_OPEN', `--http-output: not a URL: ${JSON.stringify(opts.url)}`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new OutputError('EOUTPUT_OPEN', `--http-output: expected an http:// or https:// URL, got ${JSON.stringify(opts.url)}`);
    this.url = url;
    this.name = `http:${url.origin}${url.pathname}`; // no credentials or query in metric labels
    this.opts = {
      timeoutMs: opts.timeoutMs ?? 5000, retries: Math.max(0, opts.retries ?? 3), backoffMs: opts.backoffMs ?? 200,
      maxBackoffMs: opts.maxBackoffMs ?? 5000, maxInFlight: Math.max(1, opts.maxInFlight ?? 4), sleep: opts.sleep,
    };
    this.headers = { 'Content-Type': 'application/json', 'User-Agent': 'sensord', ...(opts.headers ?? {}) };
    if (opts.bearerToken) this.headers.Authorization = `Bearer ${opts.bearerToken}`;
  }

  init(): void {
    const Agent = this.url.protocol === 'https:' ? https.Agent : http.Agent;
    this.agent = new Agent({ keepAlive: true, maxSockets: this.opts.maxInFlight });
  }

  /** Starts delivering one alert; waits only while `maxInFlight` requests are out. */
  async write(line: string): Promise<void> {
    if (!this.agent) throw new OutputError('EOUTPUT_CLOSED', `${this.name}: not open`);
    while (this.inFlight.size >= this.opts.maxInFlight) await Promise.race(this.inFlight);
    const p: Promise<void> = this.deliver(line).finally(() => this.inFlight.delete(p));
    this.inFlight.add(p);
  }

  async flush(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all(this.inFlight);
    if (this.pendingFailures > 0) {
      const n = this.pendingFailures;
      this.pendingFailures = 0;
      throw new OutputError('EOUTPUT_WRITE', `${this.name}: ${n} alert(s) not delivered: ${this.lastFailure}`);
    }
  }

  async close(): Promise<void> {
    try {
      await this.flush();
    } finally {
      this.agent?.destroy();
      this.agent = undefined;
    }
  }

  stats(): HttpOutputStats { return { ...this.counters, inFlight: this.inFlight.size }; }

  private async deliver(body: string): Promise<void> {
    const backoff = new Backoff(this.opts.backoffMs, this.opts.maxBackoffMs);
    for (let attempt = 0; ; attempt++) {
      try {
        await this.post(body);
        this.counters.sent++;
        return;
      } catch (e) {
        const err = e as AttemptError;
        if (!err.retryable || attempt >= this.opts.retries || !this.agent) {
          this.counters.failed++;
          this.pendingFailures++;
          this.lastFailure = `${err.message}${attempt > 0 ? ` (after ${attempt} retries)` : ''}`;
          return;
        }
        this.counters.retried++;
        const delay = backoff.next();
        await (this.opts.sleep ? this.opts.sleep(delay) : new Promise<void>((r) => setTimeout(r, delay)));
      }
    }
  }

  private post(body: string): Promise<void> {
    const mod = this.url.protocol === 'https:' ? https : http;
    return new Promise<void>((resolve, reject) => {
      let done = false;
      const finish = (e?: AttemptError) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        if (e) reject(e); else resolve();
      };
      const req = mod.request(this.url, {
        method: 'POST', agent: this.agent,
        headers: { ...this.headers, 'Content-Length': Buffer.byteLength(body) },
      }, (res) => {
        const status = res.statusCode ?? 0;
        res.resume(); // drain the body so the socket goes back to the pool
        res.on('end', () => {
          if (status >= 200 && status < 300) finish();
          else finish(new AttemptError(`HTTP ${status}`, status >= 500 || status === 429 || status === 408));
        });
        res.on('error', (e) => finish(new AttemptError(e.message, true)));
      });
      const timer = setTimeout(() => {
        finish(new AttemptError(`timeout after ${this.opts.timeoutMs} ms`, true));
        req.destroy();
      }, this.opts.timeoutMs);
      req.on('error', (e) => finish(new AttemptError(e.message, true)));
      req.end(body);
    });
  }
}
