// `sensord run` inside the test process (the probe, enrichment and engine as the command wires them), with its
// stdout and stderr captured, alone or on a private containerd, and the polling wait the live tests share.
import { afterAll, beforeAll, vi } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runRun, type RunOptions } from '../../sensor/src/daemon/commands/run.js';
import { ContainerdHarness, type RunningPod } from './containerd.js';

/** Polls `cond` every 25 ms until it holds; throws naming `what` after `ms`. */
export async function until(cond: () => boolean, what: string, ms = 20_000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** An alert line of `--json` output. */
export interface JsonAlert { rule: string; output: string; output_fields: Record<string, unknown> }

export interface RunningSensor {
  /** What the command wrote, chunk by chunk. */
  out: string[];
  err: string[];
  /** The JSON alerts printed so far. */
  alerts(): JsonAlert[];
  /** SIGINT, then the command's exit code; the captured streams are given back. */
  stop(): Promise<number>;
}

/** Starts `sensord run` with `opts`; resolves once it printed `running:` (startup within `startupMs`). */
export async function startRunInProcess(opts: RunOptions, startupMs = 60_000): Promise<RunningSensor> {
  const out: string[] = [];
  const err: string[] = [];
  const spies = [
    vi.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => { out.push(String(c)); return true; }),
    vi.spyOn(process.stderr, 'write').mockImplementation((c: string | Uint8Array) => { err.push(String(c)); return true; }),
  ];
  let ended = false;
  const done = runRun(opts).finally(() => { ended = true; });
  let stopped: Promise<number> | undefined;
  const stop = () => {
    stopped ??= (async () => {
      process.emit('SIGINT');
      try { return await done; } finally { for (const s of spies) s.mockRestore(); }
    })();
    return stopped;
  };
  try {
    // A command that ends before it runs (a bad option, no probe) fails the wait at once.
    await until(() => ended || err.join('').includes('running:'), 'sensord run startup', startupMs);
    if (!err.join('').includes('running:')) throw new Error(`sensord run ended with ${await done} before it ran`);
  } catch (e) {
    await stop().catch(() => undefined);
    throw new Error(`${(e as Error).message}: ${err.join('')}`);
  }
  return {
    out, err, stop,
    alerts: () => out.join('').split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as JsonAlert),
  };
}

/** A private containerd and `sensord run` on its CRI socket, for one describe block (useSensorOnContainerd). */
export interface SensorOnContainerd {
  /** The containerd harness (after beforeAll). */
  readonly h: ContainerdHarness;
  readonly sensor: RunningSensor;
  /** A temp dir for the block's files (removed after). */
  readonly dir: string;
  /** Pods to remove after the block. */
  readonly pods: RunningPod[];
}

/**
 * beforeAll: a private containerd, a temp dir, and `sensord run --json --rule-matching all` on the CRI socket with
 * the rule files `rules(dir)` returns (it may write them into dir); afterAll: the sensor stopped, the pods removed,
 * containerd stopped, the dir removed.
 */
export function useSensorOnContainerd(rules: (dir: string) => string[], tmpPrefix: string): SensorOnContainerd {
  const state = { pods: [] as RunningPod[] } as { h: ContainerdHarness; sensor: RunningSensor; dir: string; pods: RunningPod[] };
  beforeAll(async () => {
    state.h = await ContainerdHarness.start();
    state.dir = mkdtempSync(path.join(tmpdir(), tmpPrefix));
    state.sensor = await startRunInProcess({ rules: rules(state.dir), json: true, ruleMatching: 'all', criSocket: state.h.socket, logFormat: 'text', metadataWait: '2000' });
  }, 150_000);
  afterAll(async () => {
    await state.sensor?.stop();
    for (const p of state.pods) await state.h.removePod(p).catch(() => undefined);
    await state.h?.stop();
    if (state.dir) rmSync(state.dir, { recursive: true, force: true });
  }, 120_000);
  return state;
}
