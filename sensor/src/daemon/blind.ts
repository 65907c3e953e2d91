// "Sensor blind": when the events sensord lost (kernel ring drops + alerts dropped by the output queue) reach a
// threshold within a sliding window, a synthetic CRITICAL alert goes out through the normal outputs, so the SOC
// learns that the silence it sees is not a quiet node. At most one alert per window. The detector is fed
// cumulative counters by a timer (sample()); it keeps a few samples, nothing on the event path.
import type { Alert } from '../output/types.js';

export interface LossCounters {
  /** Cumulative records the kernel could not reserve (ring full). */
  kernelDrops: number;
  /** Cumulative alerts the output queue dropped (full). */
  outputDrops: number;
}

export interface BlindOptions {
  /** Lost events within the window that make the sensor blind (default 1000). */
  threshold?: number;
  /** Window, ms (default 10 000). */
  windowMs?: number;
  /** Falco's time_format_iso_8601 for the output line's prefix. */
  timeIso8601?: boolean;
}

export const BLIND_RULE = 'Sensor Blind';
export const DEFAULT_BLIND_THRESHOLD = 1000;
export const DEFAULT_BLIND_WINDOW_S = 10;

interface Sample { t: number; kernel: number; output: number }

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** `%evt.time` (local HH:MM:SS.nnnnnnnnn) or `%evt.time.iso8601` (UTC with +0000), as rule outputs are prefixed. */
export function alertTimePrefix(ts: bigint, iso8601: boolean): string {
  const ms = Number(ts / 1_000_000n);
  const ns = String(ts % 1_000_000_000n).padStart(9, '0');
  const d = new Date(ms);
  if (iso8601) return `${d.toISOString().slice(0, 19)}.${ns}+0000`;
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${ns}`;
}

export class BlindDetector {
  readonly threshold: number;
  readonly windowMs: number;
  private samples: Sample[] = [];
  /** Time of the last alert (ms), or -Infinity. */
  private lastAlert = -Infinity;
  private alerts = 0;

  constructor(private readonly opts: BlindOptions = {}) {
    this.threshold = opts.threshold ?? DEFAULT_BLIND_THRESHOLD;
    this.windowMs = opts.windowMs ?? DEFAULT_BLIND_WINDOW_S * 1000;
    if (!(this.threshold >= 1) || !Number.isFinite(this.threshold)) throw new Error(`--blind-threshold: expected a positive number, got ${this.threshold}`);
    if (!(this.windowMs > 0) || !Number.isFinite(this.windowMs)) throw new Error(`--blind-window: expected a positive number of seconds, got ${this.windowMs / 1000}`);
  }

  /** Blind alerts emitted so far. */
  get emitted(): number { return this.alerts; }

  /**
   * Takes the cumulative counters at `nowMs`; returns the alert to emit when the loss within the last window
   * reached the threshold and no alert went out during the last window, else null.
   */
  sample(c: LossCounters, nowMs: number): Alert | null {
    const s: Sample = { t: nowMs, kernel: c.kernelDrops, output: c.outputDrops };
    this.samples.push(s);
    // Keep the newest sample at or before the window's start as the baseline, and everything after it.
    const start = nowMs - this.windowMs;
    let i = 0;
    while (i + 1 < this.samples.length && this.samples[i + 1].t <= start) i++;
    if (i > 0) this.samples = this.samples.slice(i);
    const base = this.samples[0];
    const kernel = Math.max(0, s.kernel - base.kernel);
    const output = Math.max(0, s.output - base.output);
    if (kernel + output < this.threshold || nowMs - this.lastAlert < this.windowMs) return null;
    this.lastAlert = nowMs;
    this.alerts++;
    const span = Math.max(nowMs - base.t, 0);
    const windowS = this.windowMs / 1000;
    const ts = BigInt(Math.round(nowMs)) * 1_000_000n;
    const fields = {
      'sensord.drops.kernel': kernel, 'sensord.drops.output': output, 'sensord.drops.total': kernel + output,
      'sensord.blind.threshold': this.threshold, 'sensord.blind.window_s': windowS, 'sensord.blind.span_ms': span,
    };
    return {
      ts, rule: BLIND_RULE, priority: 'CRITICAL', source: 'internal', tags: ['loss', 'sensord'],
      output: `${alertTimePrefix(ts, this.opts.timeIso8601 === true)}: Critical Sensor blind: ${kernel + output} events lost in the last `
        + `${windowS} s (kernel drops=${kernel} output drops=${output} threshold=${this.threshold} window=${windowS}s)`,
      outputFields: JSON.stringify(fields, Object.keys(fields).sort()),
    };
  }
}
