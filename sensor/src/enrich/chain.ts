// Several runtimes asked in order: CRI first (it knows pods), then containerd's own API for containers CRI does
// not manage (ctr, nerdctl, BuildKit). Lifecycle events come from every runtime that delivers them.
import type { ContainerMeta, RuntimeEvent, RuntimeSource } from './types.js';

export class ChainRuntime implements RuntimeSource {
  readonly name: string;

  constructor(private readonly runtimes: readonly RuntimeSource[]) {
    if (runtimes.length === 0) throw new Error('ChainRuntime: no runtime');
    this.name = runtimes.map((r) => r.name).join('+');
  }

  /** The first runtime that knows the container; rejects only when none knows it and one failed. */
  async container(id: string): Promise<ContainerMeta | null> {
    let failure: unknown;
    for (const r of this.runtimes) {
      try {
        const m = await r.container(id);
        if (m !== null) return m;
      } catch (e) {
        failure ??= e;
      }
    }
    if (failure !== undefined) throw failure;
    return null;
  }

  subscribe(onEvent: (e: RuntimeEvent) => void): void {
    for (const r of this.runtimes) r.subscribe(onEvent);
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.runtimes.map((r) => r.close()));
  }
}
