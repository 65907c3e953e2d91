// Per-rule token buckets, refilled by event time (deterministic in replay; event time ≈ wall time live).
// A match takes one token; without one the alert is suppressed and counted.

export interface RateLimit {
  /** Tokens (alerts) added per second of event time. */
  readonly rate: number;
  /** Bucket size: alerts allowed in a burst. */
  readonly burst: number;
}

export class TokenBuckets {
  private readonly tokens: Float64Array;
  /** Last refill, ns since the epoch as a double (sub-µs precision is irrelevant for refills). */
  private readonly last: Float64Array;
  private readonly perNs: number;

  constructor(size: number, private readonly limit: RateLimit) {
    if (!(limit.rate > 0) || !(limit.burst >= 1)) throw new RangeError(`rate limit needs rate > 0 and burst >= 1, got ${limit.rate}/${limit.burst}`);
    this.tokens = new Float64Array(size).fill(limit.burst);
    this.last = new Float64Array(size).fill(-1);
    this.perNs = limit.rate / 1e9;
  }

  /** Takes a token for rule `id` at event time `ts`; false = suppress. */
  take(id: number, ts: bigint): boolean {
    const now = Number(ts);
    const last = this.last[id];
    let t = this.tokens[id];
    if (last >= 0 && now > last) t = Math.min(this.limit.burst, t + (now - last) * this.perNs);
    if (last < 0 || now > last) this.last[id] = now;
    if (t < 1) { this.tokens[id] = t; return false; }
    this.tokens[id] = t - 1;
    return true;
  }
}
