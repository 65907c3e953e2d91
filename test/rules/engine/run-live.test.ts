// `sensord run` live, in process, with a hand-built rule set: the probe opens with the rules' selection, state is
// bootstrapped from /proc, `cat MARKER` raises exactly one alert, SIGHUP swaps in a new set (and a bad one is
// refused), SIGINT flushes and prints the counts.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { skipWithoutProbe } from '../../helpers/live.js';
import { useRuleLoader } from '../../../sensor/src/rules/engine/index.js';
import { FIELD_REGISTRY } from '../../../sensor/src/rules/fields/index.js';
import { runRun } from '../../../sensor/src/daemon/commands/run.js';
import { makeRuleSet } from './helpers.js';
import { until } from '../../helpers/run-in-process.js';

const skip = skipWithoutProbe('sensord run (live)');
const PROC_NAME = FIELD_REGISTRY.bind('proc.name');
const FD_NAME = FIELD_REGISTRY.bind('fd.name');

afterEach(() => { vi.restoreAllMocks(); useRuleLoader(undefined); });

describe.skipIf(skip)('sensord run (live)', () => {
  it('alerts on a live open, reloads on SIGHUP, stops on SIGINT with counts', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sensord-run-'));
    const marker = path.join(dir, 'marker.txt');
    writeFileSync(marker, 'x\n');
    const rulesFile = path.join(dir, 'rules.yaml');
    writeFileSync(rulesFile, '# placeholder: the loader is replaced in this test\n');
    let version = 1;
    useRuleLoader(() => {
      if (version === 3) return { ...makeRuleSet([]), errors: [{ code: 'LOAD_ERR_COMPILE_CONDITION', codedesc: 'x', message: 'broken on purpose', context: { locations: [], snippet: '' } }] };
      return makeRuleSet([{
        name: `marker read v${version}`, types: ['open', 'openat'], priority: 'ERROR', output: 'marker %fd.name opened by %proc.name',
        match: (c) => c.value(PROC_NAME) === 'cat' && c.value(FD_NAME) === marker,
      }]);
    });
    const out: string[] = [];
    const err: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => { out.push(String(c)); return true; });
    vi.spyOn(process.stderr, 'write').mockImplementation((c: string | Uint8Array) => { err.push(String(c)); return true; });
    const done = runRun({ rules: [rulesFile] });
    try {
      await until(() => err.join('').includes('running:'), 'startup');
      execFileSync('cat', [marker]);
      await until(() => out.join('').includes('marker read') || out.join('').includes(marker), 'the first alert');
      version = 2;
      process.emit('SIGHUP');
      await until(() => err.join('').includes('rules reloaded (SIGHUP)'), 'the reload');
      execFileSync('cat', [marker]);
      await until(() => out.join('').split('\n').filter(Boolean).length >= 2, 'the second alert');
      version = 3;
      process.emit('SIGHUP');
      await until(() => err.join('').includes('refused'), 'the refused reload');
      execFileSync('cat', [marker]);
      await until(() => out.join('').split('\n').filter(Boolean).length >= 3, 'the third alert');
    } finally {
      process.emit('SIGINT');
    }
    const rc = await done;
    rmSync(dir, { recursive: true, force: true });
    vi.restoreAllMocks();
    const lines = out.join('').trim().split('\n');
    expect(rc).toBe(0);
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(new RegExp(`^\\d\\d:\\d\\d:\\d\\d\\.\\d{9}: Error marker ${marker} opened by cat$`));
    const e = err.join('');
    if (process.env.SENSORD_TEST_DUMP) writeFileSync(process.env.SENSORD_TEST_DUMP, e);
    expect(e).toContain('broken on purpose');
    expect(e).toMatch(/Events detected: 3\n[\s\S]*marker read v1: 1\n   marker read v2: 2\n/);
    expect(e).toMatch(/reloads 1 ok \/ 1 refused/);
  });

  it("--drop-*: real kernel drops (a 4 KiB ring under an open/close storm) raise Falco's drop alert and counts", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sensord-run-drops-'));
    const rulesFile = path.join(dir, 'rules.yaml');
    writeFileSync(rulesFile, '# placeholder: the loader is replaced in this test\n');
    useRuleLoader(() => makeRuleSet([{ name: 'never', types: ['open', 'openat'], priority: 'ERROR', match: () => false }]));
    const out: string[] = [];
    const err: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => { out.push(String(c)); return true; });
    vi.spyOn(process.stderr, 'write').mockImplementation((c: string | Uint8Array) => { err.push(String(c)); return true; });
    const done = runRun({
      rules: [rulesFile], logFormat: 'text', ringBytes: 4096, wakeupBytes: 4096,
      dropActions: ['alert'], dropThreshold: '0', dropRate: '1', dropMaxBurst: '3',
    });
    let storm: ReturnType<typeof spawn> | undefined;
    try {
      await until(() => err.join('').includes('running:'), 'startup');
      // Thousands of open/close pairs per second into a ring of a few dozen events: the kernel must drop.
      storm = spawn('sh', ['-c', 'while :; do for i in 1 2 3 4 5 6 7 8 9 10; do : </dev/null; done; done'], { stdio: 'ignore' });
      await until(() => out.join('').includes('Falco internal: syscall event drop'), 'the drop alert', 20_000);
    } finally {
      storm?.kill('SIGKILL');
      process.emit('SIGINT');
    }
    const rc = await done;
    rmSync(dir, { recursive: true, force: true });
    vi.restoreAllMocks();
    expect(rc).toBe(0);
    const alert = out.join('').split('\n').find((l) => l.includes('Falco internal'))!;
    const m = /: Debug Falco internal: syscall event drop\. (\d+) system calls dropped in last second\. \(n_drops=(\d+) n_evts=(\d+)\)$/.exec(alert);
    expect(m, alert).not.toBeNull();
    expect(Number(m![1])).toBeGreaterThan(0);
    expect(m![2]).toBe(m![1]);
    const e = err.join('');
    const detected = Number(/event drop detected: (\d+) occurrences/.exec(e)?.[1]);
    const taken = Number(/num times actions taken: (\d+)/.exec(e)?.[1]);
    expect(detected).toBeGreaterThanOrEqual(1);
    expect(taken).toBeGreaterThanOrEqual(1);
    expect(taken).toBeLessThanOrEqual(detected);
    expect(Number(/(\d+) dropped by the kernel/.exec(e)?.[1])).toBeGreaterThanOrEqual(Number(m![1]));
  });
});
