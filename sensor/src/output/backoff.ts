// Retry delays for everything that talks to a peer: alert backends (gRPC, HTTP) and the metadata sources
// (CRI, containerd, the kube-apiserver). One formula, so a node's sensor behaves the same towards each of them.

/**
 * Exponential backoff with "equal jitter": the n-th consecutive delay is uniform in [b/2, b] for
 * b = min(max, initial·2^n). Never 0, and wide on purpose: every node's sensor reconnects when a backend or an
 * API server restarts, and they should not come back in step.
 */
export class Backoff {
  private attempt = 0;

  constructor(private readonly initialMs: number, private readonly maxMs: number, private readonly random: () => number = Math.random) {}

  /** The next delay (ms); each call doubles the base until the cap. */
  next(): number {
    const base = Math.min(this.maxMs, this.initialMs * 2 ** this.attempt);
    if (base < this.maxMs) this.attempt++;
    return Math.round(base / 2 + (this.random() * base) / 2);
  }

  /** After a success: the next delay starts from `initialMs` again. */
  reset(): void {
    this.attempt = 0;
  }
}
