// `sensord replay` in process, with the loader replaced by a hand-built rule set: alerts on stdout, Falco's
// per-rule counts on stderr, exit codes for bad options and unreadable captures.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { skipWithoutShared, sharedPath } from '../../helpers/shared.js';
import { formatLoadMessage, useRuleLoader } from '../../../sensor/src/rules/engine/index.js';
import { FIELD_REGISTRY } from '../../../sensor/src/rules/fields/index.js';
import { runReplay } from '../../../sensor/src/daemon/commands/replay.js';
import { makeRuleSet } from './helpers.js';

const skip = skipWithoutShared('sensord replay (cat_write.scap)');
const PROC_NAME = FIELD_REGISTRY.bind('proc.name');

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => { out.push(String(c)); return true; });
  vi.spyOn(process.stderr, 'write').mockImplementation((c: string | Uint8Array) => { err.push(String(c)); return true; });
  return { out: () => out.join(''), err: () => err.join('') };
}

afterEach(() => { vi.restoreAllMocks(); useRuleLoader(undefined); });

describe('load messages on one line', () => {
  it('name the innermost position of the chain and the item it belongs to', () => {
    const chain = [
      { file: 'f.yaml', line: 1, col: 1, item_type: '', item_name: '' },
      { file: 'f.yaml', line: 397, col: 3, item_type: 'rule', item_name: 'Read sensitive file untrusted' },
      { file: 'f.yaml', line: 405, col: 14, item_type: 'condition', item_name: '' },
      { file: 'f.yaml', line: 82, col: 3, item_type: 'macro', item_name: 'proc_name_exists' },
      { file: 'f.yaml', line: 83, col: 33, item_type: 'condition expression', item_name: '' },
    ];
    expect(formatLoadMessage({ code: 'LOAD_UNSAFE_NA_CHECK', message: 'unsafe', context: { locations: chain } }))
      .toBe("f.yaml:83:33: LOAD_UNSAFE_NA_CHECK: unsafe (rule 'Read sensitive file untrusted')");
    expect(formatLoadMessage({ code: 'LOAD_ERR_X', message: 'm', context: { locations: [] } })).toBe('LOAD_ERR_X: m');
  });
});

describe.skipIf(skip)('sensord replay', () => {
  it('prints alerts and ends with per-rule counts on stderr', async () => {
    useRuleLoader(() => makeRuleSet([
      { name: 'open_from_cat', types: ['open'], output: 'An open was seen (command=%proc.cmdline)', match: (c) => c.value(PROC_NAME) === 'cat' },
      { name: 'never', types: ['close'], priority: 'CRITICAL', match: () => false },
    ]));
    const io = capture();
    const rc = await runReplay({ read: sharedPath('corpus/scap/falco/cat_write.scap'), rules: ['x.yaml'], iso8601: true });
    vi.restoreAllMocks();
    expect(rc).toBe(0);
    const lines = io.out().trim().split('\n');
    expect(lines).toHaveLength(8);
    expect(lines[0]).toBe('2016-08-04T16:17:57.881781397+0000: Warning An open was seen (command=cat /dev/null)');
    expect(io.err()).toBe('Events detected: 8\nRule counts by severity:\n   WARNING: 8\nTriggered rules by rule name:\n   open_from_cat: 8\n');
  });

  it('a rule set with errors exits 1 with the errors; bad options exit 2', async () => {
    useRuleLoader(() => ({ ...makeRuleSet([]), errors: [{ code: 'LOAD_ERR_YAML_PARSE', codedesc: 'x', message: 'bad yaml', context: { locations: [{ file: 'r.yaml', line: 3, col: 1, item_type: 'rule', item_name: 'a' }], snippet: '' } }] }));
    let io = capture();
    expect(await runReplay({ read: sharedPath('corpus/scap/falco/cat_write.scap'), rules: ['r.yaml'] })).toBe(1);
    vi.restoreAllMocks();
    expect(io.err()).toContain('r.yaml:3:1: LOAD_ERR_YAML_PARSE: bad yaml');
    io = capture();
    expect(await runReplay({ read: 'x', rules: ['r.yaml'], tag: ['a'], disableTag: ['b'] })).toBe(2);
    expect(await runReplay({ read: 'x', rules: ['r.yaml'], minPriority: 'loud' })).toBe(2);
    vi.restoreAllMocks();
    expect(io.err()).toMatch(/ETAGS[\s\S]*EPRIORITY/);
  });

  it('an unreadable capture exits 1 after the summary', async () => {
    useRuleLoader(() => makeRuleSet([{ name: 'r', types: ['open'] }]));
    const io = capture();
    expect(await runReplay({ read: '/nonexistent.scap', rules: ['r.yaml'] })).toBe(1);
    vi.restoreAllMocks();
    expect(io.err()).toMatch(/nonexistent\.scap[\s\S]*Events detected: 0/);
  });

  it("--drop-* flags: Falco's syscall_event_drops over the capture's seconds; 'exit' stops with status 1", async () => {
    useRuleLoader(() => makeRuleSet([{ name: 'any sendmsg', types: ['sendmsg'], priority: 'NOTICE', output: 'sendmsg seen', match: () => true }]));
    const ping = sharedPath('corpus/scap/falco/ping_sendto.scap');
    let io = capture();
    const rc = await runReplay({ read: ping, rules: ['r.yaml'], dropActions: ['alert'], dropMaxBurst: '10', simulateDrops: true, iso8601: true });
    vi.restoreAllMocks();
    expect(rc).toBe(0);
    const drops = io.out().split('\n').filter((l) => l.includes('Falco internal: syscall event drop'));
    expect(drops).toHaveLength(9); // a check per second of the ~10 s capture, each with one simulated drop
    expect(drops[0]).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+\+0000: Debug Falco internal: syscall event drop\. 1 system calls dropped in last second\. \(n_drops=1 n_evts=\d+\)$/);
    const all = io.out().split('\n').filter((l) => l.includes('Notice sendmsg seen')).length;
    expect(all).toBe(20); // sysdig -r: 20 sendmsg events
    expect(io.err()).toMatch(/Syscall event drop monitoring:\n   - event drop detected: 9 occurrences\n   - num times actions taken: 9\n$/);

    io = capture();
    expect(await runReplay({ read: ping, rules: ['r.yaml'], dropActions: ['exit'], simulateDrops: true })).toBe(1);
    vi.restoreAllMocks();
    expect(io.err()).toContain('sensord: Falco internal: syscall event drop. 1 system calls dropped in last second.\nsensord: Exiting.\n');
    expect(io.err()).toMatch(/event drop detected: 1 occurrences\n   - num times actions taken: 1\n$/);
    const judged = Number(/Events detected: (\d+)/.exec(io.err())![1]);
    expect(judged).toBeLessThan(all); // stopped after the first second, before the later sendmsg events

    io = capture();
    expect(await runReplay({ read: ping, rules: ['r.yaml'], dropActions: ['ignore', 'log'] })).toBe(2);
    vi.restoreAllMocks();
    expect(io.err()).toMatch(/"log" does not make sense with the "ignore" action \[EDROPS\]/);
  });
});
