// Harness of the default-rules tests: the sandbox directory the behaviours run in ($T with fake tools), the
// loopback listener, a live engine (the probe + the rules engine in this process, as `sensord run` wires
// them) that attributes each alert to the thread whose event raised it, and `sensord replay --json` for the
// fixtures.
import { mkdtempSync, mkdirSync, rmSync, symlinkSync, readFileSync } from 'node:fs';
import { spawn, execFileSync } from 'node:child_process';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from '../../helpers/shared.js';
import { FAKE_TOOLS, type Behaviour } from './cases.js';

export const RULES_DIR = path.join(REPO_ROOT, 'rules');
export const FIXTURES_DIR = path.join(REPO_ROOT, 'test', 'fixtures', 'rules');
export const SENSORD = path.join(REPO_ROOT, 'bin', 'sensord.js');

/** test/fixtures/rules/<Name>.<pos|neg>.scap.gz for a K8S.NODE_<Name> case. */
export const fixtureName = (id: string, kind: 'pos' | 'neg') => `${id.replace(/^K8S\.NODE_/, '')}.${kind}.scap.gz`;

export interface Sandbox { dir: string; env: NodeJS.ProcessEnv; close(): void }

/** $T under the system temp dir, with $T/bin fake tools and $T/home. */
export function makeSandbox(): Sandbox {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sensord-rules-'));
  mkdirSync(path.join(dir, 'bin'));
  mkdirSync(path.join(dir, 'home'));
  for (const [name, target] of Object.entries(FAKE_TOOLS)) symlinkSync(target, path.join(dir, 'bin', name));
  const env: NodeJS.ProcessEnv = {
    PATH: `${path.join(dir, 'bin')}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`,
    HOME: path.join(dir, 'home'), T: dir, LANG: 'C', TERM: 'dumb',
  };
  return { dir, env, close: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A loopback TCP listener that reads and discards whatever clients send. */
export async function startListener(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => { sockets.add(s); s.on('data', () => {}); s.on('error', () => {}); s.on('close', () => sockets.delete(s)); });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    close: () => new Promise<void>((resolve) => { for (const s of sockets) s.destroy(); server.close(() => resolve()); }),
  };
}

/** Runs a behaviour's script with bash in the sandbox; resolves with the root pid once it exited. */
export function runBehaviour(b: Behaviour, sb: Sandbox, extraEnv: NodeJS.ProcessEnv = {}): Promise<{ pid: number; code: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/bash', ['-c', b.script], { cwd: sb.dir, env: { ...sb.env, ...extraEnv }, stdio: ['ignore', 'ignore', 'ignore'] });
    child.on('error', reject);
    child.on('close', (code) => resolve({ pid: child.pid!, code: code ?? -1 }));
  });
}

/** The container id this test process is in, as sensord parses it from /proc/self/cgroup ('host' outside). */
export async function selfContainerId(): Promise<string> {
  const { containerIdFromCgroups } = await import('../../../sensor/src/state/container-id.js');
  const lines = readFileSync('/proc/self/cgroup', 'utf8').trim().split('\n');
  // "hier:subsys:/path" → "subsys=/path", the form exec events carry.
  const cgroups = lines.map((l) => { const [, sub, p] = l.split(':'); return `${sub || ''}=${p}`; });
  return containerIdFromCgroups(cgroups).id;
}

export interface LiveAlert { rule: string; tid: number; output: string }

/** Probe + engine in this process, as `sensord run` wires them; alerts carry the tid of their event. */
export class LiveEngine {
  readonly alerts: LiveAlert[] = [];
  /** parent tid → child tids (clone exits in the parent). */
  private readonly children = new Map<number, number[]>();
  private readonly exited = new Set<number>();
  private running = true;
  private loop!: Promise<void>;
  private source!: import('../../../sensor/src/source/live.js').LiveSource;

  static async start(): Promise<LiveEngine> {
    const e = new LiveEngine();
    await e.init();
    return e;
  }

  private async init(): Promise<void> {
    const { Engine, loadRules, syscallSelection } = await import('../../../sensor/src/rules/engine/index.js');
    const { openLiveSource } = await import('../../../sensor/src/source/live.js');
    const { readProcSnapshot } = await import('../../../sensor/src/source/proc-snapshot.js');
    const { EVENTS } = await import('../../../sensor/src/schema/index.js');
    const { EventView } = await import('../../../sensor/src/decode/event-view.js');
    const view = new EventView();
    const ruleSet = await loadRules([RULES_DIR]);
    if (ruleSet.errors.length > 0) throw new Error(`rules do not load: ${JSON.stringify(ruleSet.errors, null, 1)}`);
    let tid = 0;
    const engine = new Engine(ruleSet, { emit: (a) => { this.alerts.push({ rule: a.rule, tid, output: a.output }); } });
    this.source = openLiveSource({ syscalls: syscallSelection(engine.prepared.eventTypes), pollTimeoutMs: 20 });
    engine.state.bootstrapFromProc();
    engine.formatter.loadMetadata(readProcSnapshot({ pids: () => false, includeFds: false }));
    const cloneExit = Uint8Array.from(EVENTS, (e) => (['clone', 'clone3', 'fork', 'vfork'].includes(e.name) && e.dir === '<' ? 1 : 0));
    const procexit = Uint8Array.from(EVENTS, (e) => (e.name === 'procexit' ? 1 : 0));
    this.loop = (async () => {
      while (this.running) {
        const batch = await this.source.next();
        if (!batch) return;
        for (let k = 0; k < batch.count; k++) {
          const base = batch.offsets[k];
          tid = Number(batch.view.getBigUint64(base + 8, true));
          const type = batch.view.getUint16(base + 20, true);
          if (cloneExit[type] === 1) {
            const res = view.set(batch.bytes, batch.view, base, batch.cpus[k], 0).i64(0);
            if (res > 0) { const l = this.children.get(tid) ?? []; l.push(res); this.children.set(tid, l); }
          } else if (procexit[type] === 1) this.exited.add(tid);
          await engine.processBatch({ ...batch, offsets: batch.offsets.subarray(k, k + 1), cpus: batch.cpus.subarray(k, k + 1), count: 1 });
        }
      }
    })();
  }

  tree(root: number): Set<number> {
    const out = new Set([root]);
    const todo = [root];
    while (todo.length) for (const c of this.children.get(todo.pop()!) ?? []) if (!out.has(c)) { out.add(c); todo.push(c); }
    return out;
  }

  /** Alerts raised by the tree of `root`, once its root's procexit has been judged (or after a timeout). */
  async alertsOf(root: number, timeoutMs = 4000): Promise<LiveAlert[]> {
    const until = Date.now() + timeoutMs;
    while (!this.exited.has(root) && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 150)); // events of other CPUs' rings
    const t = this.tree(root);
    return this.alerts.filter((a) => t.has(a.tid));
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
    await this.source.close();
  }
}

/** `sensord replay -r FILE --rules rules/ --json`: the rule names of the JSON alerts, in order. */
export function replayRules(file: string): string[] {
  return replayAlerts(file).map((a) => a.rule);
}

/** The alerts of `sensord replay -r FILE --rules rules/ --json`. */
export function replayAlerts(file: string): { rule: string; output_fields: Record<string, unknown> }[] {
  const out = execFileSync(process.execPath, [SENSORD, 'replay', '-r', file, '--rules', RULES_DIR, '--json'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { rule: string; output_fields: Record<string, unknown> });
}
