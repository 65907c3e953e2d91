// Small helpers shared by the benchmarks: child processes, medians, the storm tool.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Runs a command without blocking the event loop; resolves with its stdout. */
/**
 * The environment of the tools a bench compares (sensord and sysdig alike): PATH only, so variables of the machine
 * cannot add work to one of them (NODE_EXTRA_CA_CERTS makes every Node process parse a CA bundle as it starts:
 * 40 ms on the bench machine, for TLS sensord replay never does).
 */
export const TOOL_ENV: NodeJS.ProcessEnv = { PATH: process.env.PATH ?? '/usr/bin:/bin' };

export function run(cmd: string, args: string[], opts: { stdout?: 'pipe' | 'ignore'; env?: NodeJS.ProcessEnv } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', opts.stdout ?? 'pipe', 'pipe'], env: opts.env ?? process.env });
    let out = '';
    let err = '';
    child.stdout?.on('data', (d) => { out += d; });
    child.stderr?.on('data', (d) => { err += d; });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${err}`))));
  });
}

let stormPath: string | undefined;
/** Compiles bench/storm.c once per run. */
export function stormBinary(): string {
  if (stormPath) return stormPath;
  const dir = mkdtempSync(path.join(tmpdir(), 'sensord-bench-'));
  stormPath = path.join(dir, 'storm');
  execFileSync('gcc', ['-O2', '-o', stormPath, path.join(REPO_ROOT, 'bench', 'storm.c')]);
  return stormPath;
}

export async function stormNs(syscall: string, n: number): Promise<number> {
  return Number((await run(stormBinary(), [syscall, String(n)])).trim());
}

export const fmt = (x: number, digits = 1) => x.toFixed(digits);
