// The engine over hand-built rules: only the rules of the event's type run; priority and tag filters; per-rule
// rate limiting with suppressed counts; a throwing rule is counted and does not stop the others; alert text.
import { describe, expect, it } from 'vitest';
import { EngineError, parsePriority, syscallSelection, STATE_SYSCALLS } from '../../../sensor/src/rules/engine/index.js';
import { FIELD_REGISTRY } from '../../../sensor/src/rules/fields/index.js';
import { checkOutput } from '../../../sensor/src/rules/loader/compile.js';

/** What `feed` takes: [event code, params, build options]. */
import type { ParamValue } from '../../helpers/event-builder.js';
type FeedEvents = Array<[string, Record<string, ParamValue>, { tid?: number; ts?: bigint }?]>;
import { makeRuleSet, testEngine, OPENAT_X, CLOSE_X, idsOf } from './helpers.js';

const FD_NAME = FIELD_REGISTRY.bind('fd.name');

describe('engine: event type index', () => {
  it('a rule for openat is never called for close, and the reverse', async () => {
    const calls = { openat: 0, close: 0, all: 0 };
    const set = makeRuleSet([
      { name: 'on openat', types: ['openat'], match: () => { calls.openat++; return false; } },
      { name: 'on close', types: ['close'], match: () => { calls.close++; return false; } },
      { name: 'on anything', types: null, match: () => { calls.all++; return false; } },
    ]);
    const { engine, feed } = testEngine(set);
    await feed([OPENAT_X('/tmp/a'), OPENAT_X('/tmp/b', 10), CLOSE_X(9)]);
    expect(calls).toEqual({ openat: 2, close: 1, all: 3 });
    expect(engine.stats().evaluations).toBe(6);
  });

  it('state is updated before rules see the event (the fd opened by openat is named)', async () => {
    const seen: unknown[] = [];
    const set = makeRuleSet([{ name: 'open', types: ['openat'], match: (ctx) => { seen.push(ctx.value(FD_NAME)); return true; } }]);
    const { alerts, feed } = testEngine(set);
    await feed([OPENAT_X('/etc/shadow', 11)]);
    expect(seen).toEqual(['/etc/shadow']);
    expect(alerts).toHaveLength(1);
  });
});

describe('engine: priority and tags', () => {
  const set = () => makeRuleSet([
    { name: 'crit', types: ['openat'], priority: 'CRITICAL', tags: ['mitre_persistence', 'filesystem'] },
    { name: 'warn', types: ['openat'], priority: 'WARNING', tags: ['network'] },
    { name: 'dbg', types: ['openat'], priority: 'DEBUG', tags: [] },
  ]);
  const names = async (opts: Parameters<typeof testEngine>[1]) => {
    const { alerts, feed } = testEngine(set(), opts);
    await feed([OPENAT_X('/tmp/x')]);
    return alerts.map((a) => a.rule);
  };

  it('minimum priority keeps rules at least as severe', async () => {
    expect(await names({})).toEqual(['crit', 'warn', 'dbg']);
    expect(await names({ minPriority: 'WARNING' })).toEqual(['crit', 'warn']);
    expect(await names({ minPriority: 'EMERGENCY' })).toEqual([]);
    expect(parsePriority('info')).toBe('INFORMATIONAL');
    expect(() => parsePriority('loud')).toThrow(EngineError);
  });

  it('-t keeps only tagged rules, -T disables tagged rules, both together are refused as Falco does', async () => {
    expect(await names({ tags: ['filesystem'] })).toEqual(['crit']);
    expect(await names({ tags: ['network', 'filesystem'] })).toEqual(['crit', 'warn']);
    expect(await names({ disabledTags: ['network'] })).toEqual(['crit', 'dbg']);
    await expect(names({ tags: ['a'], disabledTags: ['b'] })).rejects.toMatchObject({ code: 'ETAGS' });
  });

  it('the probe selection follows the running rules plus what state needs', () => {
    const { engine } = testEngine(makeRuleSet([
      { name: 'ptrace', types: ['ptrace'], priority: 'DEBUG' },
      { name: 'connect', types: ['connect'], priority: 'ERROR' },
    ]), { minPriority: 'WARNING' });
    const sel = syscallSelection(engine.prepared.eventTypes);
    expect(sel).not.toContain('ptrace');
    for (const s of ['connect', 'clone', 'execve', 'close', 'openat', 'fcntl']) expect(sel).toContain(s);
    expect(new Set(sel)).toEqual(new Set([...STATE_SYSCALLS, 'connect']));
    expect(syscallSelection(idsOf(['ptrace']))).toContain('ptrace');
  });
});

describe('engine: rate limiting', () => {
  it('a token bucket per rule, refilled by event time; suppressed alerts are counted', async () => {
    const set = makeRuleSet([{ name: 'noisy', types: ['openat'] }, { name: 'other', types: ['close'] }]);
    const { engine, alerts, feed } = testEngine(set, { rateLimit: { rate: 1, burst: 3 } });
    const t0 = 1_700_000_000_000_000_000n;
    // 10 opens within 1 ms: 3 pass (burst), 7 suppressed.
    await feed(Array.from({ length: 10 }, (_, i) => [...OPENAT_X('/tmp/f' + i, 20 + i), { ts: t0 + BigInt(i) * 100_000n }] as const).map((e) => [e[0], e[1], e[2]]) as FeedEvents);
    // Closes have their own bucket.
    await feed([[...CLOSE_X(20), { ts: t0 + 2_000_000n }], [...CLOSE_X(21), { ts: t0 + 3_000_000n }]].map((e) => [e[0], e[1], e[2]]) as FeedEvents);
    // 2.5 s later: 2 new tokens (rate 1/s), so 2 of 5 pass.
    await feed(Array.from({ length: 5 }, (_, i) => [OPENAT_X('/tmp/g' + i, 40 + i)[0], OPENAT_X('/tmp/g' + i, 40 + i)[1], { ts: t0 + 2_500_000_000n + BigInt(i) }]));
    expect(alerts.filter((a) => a.rule === 'noisy')).toHaveLength(5);
    expect(alerts.filter((a) => a.rule === 'other')).toHaveLength(2);
    const st = engine.stats();
    expect(st.rules.find((r) => r.name === 'noisy')).toMatchObject({ matches: 15, suppressed: 10 });
    expect(st.rules.find((r) => r.name === 'other')).toMatchObject({ matches: 2, suppressed: 0 });
    expect(st.suppressed).toBe(10);
  });

  it('no rate limit by default', async () => {
    const { alerts, feed } = testEngine(makeRuleSet([{ name: 'noisy', types: ['openat'] }]));
    await feed(Array.from({ length: 50 }, (_, i) => OPENAT_X('/tmp/f' + i, 20 + i)));
    expect(alerts).toHaveLength(50);
  });
});

describe('engine: errors', () => {
  it('an exception in a rule is counted against it, reported once, and the other rules still run', async () => {
    const reported: string[] = [];
    const set = makeRuleSet([
      { name: 'before', types: ['openat'] },
      { name: 'broken', types: ['openat'], match: () => { throw new TypeError('boom'); } },
      { name: 'after', types: ['openat'] },
    ]);
    const { engine, alerts, feed } = testEngine(set, { onRuleError: (r) => reported.push(r.name) });
    await feed(Array.from({ length: 4 }, (_, i) => OPENAT_X('/tmp/f' + i, 20 + i)));
    expect(alerts.map((a) => a.rule)).toEqual(['before', 'after', 'before', 'after', 'before', 'after', 'before', 'after']);
    expect(reported).toEqual(['broken']);
    const broken = engine.stats().rules.find((r) => r.name === 'broken')!;
    expect(broken).toMatchObject({ matches: 0, errors: 4, firstError: 'boom' });
    expect(engine.stats().ruleErrors).toBe(4);
  });

  it('an output with an unknown field is refused when the set is prepared, naming the rule', () => {
    const set = makeRuleSet([{ name: 'bad out', types: ['openat'], output: 'x=%proc.nope' }]);
    expect(() => testEngine(set)).toThrow(/rule "bad out": invalid output format: unknown field 'proc.nope'/);
  });
});

describe('engine: alerts', () => {
  it('text: time prefix, Falco priority, the rendered output; <NA> for missing values', async () => {
    process.env.TZ = 'UTC';
    const set = makeRuleSet([{ name: 'open', types: ['openat'], priority: 'NOTICE', output: 'file %fd.name by %proc.name (cport=%fd.cport aname=%proc.aname[2]) 100%%' }]);
    const { alerts, feed } = testEngine(set);
    await feed([[...OPENAT_X('/etc/passwd', 12), { ts: 1_700_000_000_123_456_789n }]].map((e) => [e[0], e[1], e[2]]) as FeedEvents);
    expect(alerts[0].output).toBe('22:13:20.123456789: Notice file /etc/passwd by cat (cport=<NA> aname=bash) 100%');
    expect(alerts[0].outputFields).toBeNull();
  });

  it('JSON fields: typed values, null for missing, time as the raw timestamp, sorted keys, tags a sorted set; a leading * is dropped', async () => {
    const set = makeRuleSet([{ name: 'open', types: ['openat'], priority: 'INFORMATIONAL', tags: ['b', 'a', 'b'], output: '*pid=%proc.pid file=%fd.name port=%fd.sport. name=%proc.name' }]);
    const { alerts, feed } = testEngine(set, { outputFields: true, timeIso8601: true });
    await feed([[...OPENAT_X('/etc/passwd', 12), { ts: 1_700_000_000_123_456_789n }]].map((e) => [e[0], e[1], e[2]]) as FeedEvents);
    const a = alerts[0];
    expect(a.output).toBe('2023-11-14T22:13:20.123456789+0000: Informational pid=400 file=/etc/passwd port=<NA>. name=cat');
    expect(a.outputFields).toBe('{"evt.time.iso8601":1700000000123456789,"fd.name":"/etc/passwd","fd.sport":null,"proc.name":"cat","proc.pid":400}');
    expect(a.tags).toEqual(['a', 'b']);
  });

  it("libsinsp's output tokens: a width cuts or pads, transformers (nested), a name cut back to the longest field", async () => {
    const set = makeRuleSet([{
      name: 'open', types: ['openat'], priority: 'NOTICE',
      output: '[%8proc.name] [%3fd.name] [%6fd.cport] %toupper(proc.name) %toupper(basename(fd.name)) %len(fd.name) %proc.namex dev=%fd.dev',
    }]);
    const { alerts, feed } = testEngine(set, { outputFields: true });
    const [code, params] = OPENAT_X('/etc/passwd', 12);
    await feed([[code, { ...params, dev: 45 }, { ts: 1_700_000_000_123_456_789n }]]);
    const a = alerts[0];
    expect(a.output).toMatch(/: Notice \[cat {5}\] \[\/et\] \[<NA>  \] CAT PASSWD 11 catx dev=2D$/);
    // output_fields: keys as written without the width, values transformed but never padded.
    expect(JSON.parse(a.outputFields!)).toMatchObject({
      'proc.name': 'cat', 'fd.name': '/etc/passwd', 'fd.cport': null, 'toupper(proc.name)': 'CAT',
      'toupper(basename(fd.name))': 'PASSWD', 'len(fd.name)': 11, 'fd.dev': '2D', // PF_HEX: a string, as printed
    });
  });

  it("evt.reltime / evt.deltatime count every event read, judged or not, as Falco's inspector does", async () => {
    const set = makeRuleSet([{ name: 'open', types: ['openat'], output: 'rel=%evt.reltime delta=%evt.deltatime ns=%evt.deltatime.ns' }]);
    const { alerts, feed } = testEngine(set);
    const t0 = 1_700_000_000_000_000_000n;
    // No rule reads close: the engine still counts it.
    await feed([[...CLOSE_X(3), { ts: t0 }], [...CLOSE_X(4), { ts: t0 + 700n }], [...OPENAT_X('/etc/passwd', 12), { ts: t0 + 1_000n }]] as FeedEvents);
    expect(alerts[0].output).toMatch(/ rel=000001000 delta=300 ns=000000300$/);
  });

  it('an output token the scanner refuses is refused by the loader too (one scanner): no rule set that cannot run', () => {
    for (const [output, why] of [
      ['%toupper(proc.pid)', /transformer 'toupper' is not supported on numeric field proc.pid/],
      ['%nosuch(proc.name)', /unknown transformer 'nosuch'|invalid formatting token %nosuch$/],
      ['%toupper(proc.name', /expected '\)' after the argument of toupper/],
      ['x=%12', /cannot end with a width/],
    ] as const) {
      const set = makeRuleSet([{ name: 'r', types: ['openat'], output }]);
      expect(() => testEngine(set), output).toThrow(why);
      expect(checkOutput(output, FIELD_REGISTRY), output).toMatch(why);
    }
    expect(checkOutput('%10proc.name %toupper(proc.name) %proc.namex %fd.name.', FIELD_REGISTRY)).toBeUndefined();
    expect(checkOutput('x=%proc.nope y', FIELD_REGISTRY)).toBe('invalid formatting token %proc.nope');
  });
});

describe('engine: group functions', () => {
  it('a group the compiler cannot build falls back to each rule alone, with a warning', async () => {
    const set = makeRuleSet([{ name: 'marker', types: ['openat'], match: (ctx) => ctx.value(FD_NAME) === '/etc/shadow' }]);
    // An AST the group compiler refuses (an unexpanded macro name): the rule's own function still decides.
    const broken = { ...set.rules[0], condition: { expanded: { kind: 'ident' as const, name: 'nope', pos: 0, src: undefined as never }, registry: FIELD_REGISTRY } };
    const withBroken = { ...set, rules: [broken], byEventType: set.byEventType.map((l) => l.map(() => broken)) };
    const warnings: string[] = [];
    const onWarning = (w: Error) => { warnings.push(w.message); };
    process.on('warning', onWarning);
    try {
      const { alerts, feed } = testEngine(withBroken);
      await feed([OPENAT_X('/etc/shadow', 11), OPENAT_X('/tmp/x', 12)]);
      await new Promise((r) => setImmediate(r));
      expect(alerts.map((a) => a.rule)).toEqual(['marker']);
      expect(warnings.filter((m) => m.includes('judged one by one'))).toHaveLength(1);
    } finally {
      process.off('warning', onWarning);
    }
  });
});
