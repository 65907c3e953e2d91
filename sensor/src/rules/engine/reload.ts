// Hot reload: on a trigger (SIGHUP, a change under the rules paths) a new rule set is compiled beside the
// running one and handed to the engine, which swaps between two events. A set with errors is refused: the
// running set stays, the errors are reported and counted. Triggers are debounced; reloads never overlap.
import { watch, statSync, type FSWatcher } from 'node:fs';
import path from 'node:path';
import type { LoadMessage, RuleSet } from '../types.js';
import type { Engine, PreparedSet } from './engine.js';

export interface ReloaderOptions {
  /** Compiles the rules files afresh (the loader's loadRuleSet over the same paths). */
  compile: () => Promise<RuleSet> | RuleSet;
  /** Called after a successful swap with the new prepared set (update the probe's selection here). */
  onSwapped?: (set: PreparedSet, reason: string) => void;
  /** Called when a reload is refused; the running set stays. */
  onFailed?: (reason: string, errors: readonly LoadMessage[] | Error) => void;
  /** Quiet period after the last file change before reloading (default 300 ms). */
  debounceMs?: number;
}

export interface ReloadStats { requested: number; succeeded: number; failed: number; watchErrors: number }

export class RuleReloader {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again: string | undefined;
  private watchers: FSWatcher[] = [];
  private readonly counters: ReloadStats = { requested: 0, succeeded: 0, failed: 0, watchErrors: 0 };

  constructor(private readonly engine: Engine, private readonly opts: ReloaderOptions) {}

  stats(): ReloadStats { return { ...this.counters }; }

  /** Requests a reload after the debounce period (file changes); several requests make one reload. */
  schedule(reason: string): void {
    this.counters.requested++;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => { this.timer = undefined; void this.reload(reason); }, this.opts.debounceMs ?? 300);
    this.timer.unref?.();
  }

  /** Reloads now (SIGHUP); a reload already running is followed by exactly one more. Never throws. */
  reload(reason: string): Promise<void> {
    if (this.running) { this.again = reason; return this.running; }
    this.running = this.once(reason).finally(() => {
      this.running = undefined;
      const next = this.again;
      this.again = undefined;
      if (next !== undefined) void this.reload(next);
    });
    return this.running;
  }

  private async once(reason: string): Promise<void> {
    let set: RuleSet;
    try {
      set = await this.opts.compile();
    } catch (e) {
      this.counters.failed++;
      this.opts.onFailed?.(reason, e as Error);
      return;
    }
    if (set.errors.length > 0) {
      this.counters.failed++;
      this.opts.onFailed?.(reason, set.errors);
      return;
    }
    let prepared: PreparedSet;
    try {
      prepared = this.engine.prepare(set);
    } catch (e) {
      this.counters.failed++;
      this.opts.onFailed?.(reason, e as Error);
      return;
    }
    this.engine.swap(prepared);
    this.counters.succeeded++;
    this.opts.onSwapped?.(prepared, reason);
  }

  /**
   * Watches the rules paths: a directory is watched itself; a file through its directory (editors replace files
   * by rename, which ends a watch on the file), filtered by name.
   */
  watch(paths: readonly string[]): void {
    const dirs = new Map<string, Set<string> | null>();
    for (const p of paths) {
      const abs = path.resolve(p);
      let isDir = false;
      try { isDir = statSync(abs).isDirectory(); } catch { /* a missing file may appear later: watch its dir */ }
      if (isDir) dirs.set(abs, null);
      else {
        const d = path.dirname(abs);
        const names = dirs.get(d);
        if (names === null) continue;
        dirs.set(d, (names ?? new Set()).add(path.basename(abs)));
      }
    }
    for (const [dir, names] of dirs) {
      try {
        const w = watch(dir, { persistent: false }, (_event, file) => {
          const name = file?.toString();
          if (names !== null && (name === undefined || !names.has(name))) return;
          if (names === null && name !== undefined && !/\.ya?ml$/i.test(name)) return;
          this.schedule(`change of ${name === undefined ? dir : path.join(dir, name)}`);
        });
        w.on('error', () => { this.counters.watchErrors++; });
        this.watchers.push(w);
      } catch {
        this.counters.watchErrors++;
      }
    }
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    for (const w of this.watchers) w.close();
    this.watchers = [];
  }
}
