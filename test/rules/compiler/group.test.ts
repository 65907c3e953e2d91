// The rules of one event type as one generated function (compiler/group.ts): same answers as each rule's own
// function, in order, with fields read once per call, repeated subexpressions computed once, evt.type tests
// folded for the group's types, and a throwing rule reported without hiding the others.
import { describe, expect, it } from 'vitest';
import { compileRuleGroup, type GroupMember } from '../../../sensor/src/rules/compiler/group.js';
import { eventIdsOf } from '../../../sensor/src/rules/compiler/index.js';
import type { FieldContext } from '../../../sensor/src/rules/fields/context.js';
import type { FieldValue } from '../../../sensor/src/rules/fields/types.js';
import { compile, FakeContext, TEST_REGISTRY, type Env, type Values } from './harness.js';

/** Counts every extraction; a field named in `throwing` throws. */
class CountingContext extends FakeContext {
  reads = new Map<string, number>();
  constructor(values: Values, private readonly throwing = new Set<string>()) { super(values); }
  override get(key: string): FieldValue {
    this.reads.set(key, (this.reads.get(key) ?? 0) + 1);
    if (this.throwing.has(key)) throw new Error(`cannot read ${key}`);
    return super.get(key);
  }
}

const ENV: Env = {
  lists: { shells: ['bash', 'sh', 'zsh'], secrets: ['/etc/shadow', '/etc/sudoers'] },
  macros: {
    open_read: 'evt.type in (open, openat) and evt.is_open_read=true and fd.typechar=f',
    sensitive: 'fd.name in (secrets) or fd.name startswith /etc/sudoers.d/',
    shell: 'proc.name in (shells)',
  },
};

const CONDITIONS = [
  'open_read and sensitive and not shell',
  'open_read and sensitive and shell and proc.pname != sshd',
  'evt.type = openat and fd.name contains ssh and not proc.cmdline icontains "git "',
  '(evt.type = connect and fd.sport = 22) or (evt.type in (open, openat) and fd.name glob "/etc/*.conf")',
  'not open_read and proc.name regex "^ba?sh$"',
  'evt.type != openat or proc.pid > 100',
  'shell and (fd.name endswith .key or fd.name pmatch (/root, /home))',
  'proc.aname[2] = sshd and not (sensitive and proc.cmdline icontains "git ")',
];

function members(conds: readonly string[]): GroupMember[] {
  return conds.map((c) => {
    const cc = compile(c, ENV);
    return { condition: { expanded: cc.expanded, registry: TEST_REGISTRY }, matchIndexed: cc.matchIndexed };
  });
}

/** Every rule index that matches, as the engine asks for them with rule_matching 'all'. */
function allMatches(judge: ReturnType<typeof compileRuleGroup>['judge'], ctx: FakeContext, errors: number[] = []): number[] {
  const out: number[] = [];
  const onError = (k: number) => { errors.push(k); };
  for (let k = judge(ctx as unknown as FieldContext, 0, onError); k >= 0; k = judge(ctx as unknown as FieldContext, k + 1, onError)) out.push(k);
  return out;
}

/** A small deterministic generator (xorshift) of field values drawn from what the conditions test. */
function* events(n: number, type: string): Generator<Values> {
  let s = 0x2545f491;
  const pick = <T>(xs: readonly T[]): T => { s ^= s << 13; s ^= s >>> 17; s ^= s << 5; return xs[(s >>> 0) % xs.length]; };
  for (let i = 0; i < n; i++) {
    yield {
      'evt.type': type,
      'evt.is_open_read': pick([true, false, undefined]),
      'fd.typechar': pick(['f', 'd', '4', undefined]),
      'fd.name': pick(['/etc/shadow', '/etc/sudoers.d/x', '/etc/ssh/sshd.conf', '/root/.ssh/id.key', '/home/a/.bashrc', '/tmp/x', undefined]),
      'fd.sport': pick([22, 443, undefined]),
      'proc.name': pick(['bash', 'sh', 'cat', 'zsh', undefined]),
      'proc.pname': pick(['sshd', 'init', undefined]),
      'proc.cmdline': pick(['GIT log', 'cat /etc/shadow', undefined]),
      'proc.pid': pick([1, 500, undefined]),
      'proc.aname[2]': pick(['sshd', 'systemd', undefined]),
    };
  }
}

describe('compileRuleGroup', () => {
  for (const type of ['openat', 'open', 'connect', 'execve']) {
    it(`gives each rule's own answer, in order (${type} events, 3000 generated)`, () => {
      const ms = members(CONDITIONS);
      const ids = new Set(eventIdsOf(type)!);
      const group = compileRuleGroup(ms, ids);
      const masks = CONDITIONS.map((c) => compile(c, ENV).typeMask);
      let matched = 0;
      for (const values of events(3000, type)) {
        const ctx = new CountingContext(values);
        const expected = ms.map((m, k) => (m.matchIndexed(ctx as unknown as FieldContext) ? k : -1)).filter((k) => k >= 0);
        // matchIndexed is only meaningful on the rule's own types: compare where the rule can match this type.
        const own = expected.filter((k) => masks[k][ctx.ev.type] === 1);
        const ctx2 = new CountingContext(values);
        const got = allMatches(group.judge, ctx2);
        expect(got, JSON.stringify(values)).toEqual(own);
        matched += got.length;
        // One judge call from the first rule reads each field at most once.
        const ctx3 = new CountingContext(values);
        group.judge(ctx3 as unknown as FieldContext, 0, () => {});
        for (const [key, n] of ctx3.reads) expect(n, `${key} read ${n} times`).toBe(1);
      }
      expect(matched).toBeGreaterThan(100);
    });
  }

  it('computes a repeated macro once and folds evt.type tests for the group types', () => {
    const group = compileRuleGroup(members(CONDITIONS), new Set(eventIdsOf('openat')));
    // open_read's `evt.type in (open, openat)` is true for openat: no evt.type test is left in the code.
    expect(group.js).not.toMatch(/"openat"|"connect"/);
    expect(group.js).toMatch(/M0 === 0 \? \(M0 = /);
    // For connect events the open_read rules reduce to false: rule 0 and 1 read no field at all.
    const connect = compileRuleGroup(members(CONDITIONS.slice(0, 2)), new Set(eventIdsOf('connect')));
    const ctx = new CountingContext({ 'evt.type': 'connect', 'fd.name': '/etc/shadow', 'proc.name': 'cat' });
    expect(allMatches(connect.judge, ctx)).toEqual([]);
    expect(ctx.reads.size).toBe(0);
  });

  it('reports a throwing rule and goes on with the next ones', () => {
    const ms = members(['proc.cmdline contains x', 'fd.name = /etc/shadow', 'proc.cmdline = y or proc.name = cat', 'proc.name = cat']);
    const group = compileRuleGroup(ms, new Set(eventIdsOf('openat')));
    const errors: number[] = [];
    const ctx = new CountingContext({ 'evt.type': 'openat', 'fd.name': '/etc/shadow', 'proc.name': 'cat' }, new Set(['proc.cmdline']));
    expect(allMatches(group.judge, ctx, errors)).toEqual([1, 3]);
    expect(errors).toEqual([0, 2]);
  });

  it('calls the function of a member without a condition (hand-built rules)', () => {
    const seen: number[] = [];
    const ms: GroupMember[] = [
      ...members(['proc.name = cat']),
      { matchIndexed: (c) => { seen.push(1); return (c as unknown as FakeContext).get('fd.name') === '/x'; } },
    ];
    const group = compileRuleGroup(ms, new Set(eventIdsOf('openat')));
    expect(allMatches(group.judge, new FakeContext({ 'evt.type': 'openat', 'proc.name': 'cat', 'fd.name': '/x' }))).toEqual([0, 1]);
    expect(seen).toEqual([1]);
    expect(group.judge(new FakeContext({ 'evt.type': 'openat' }) as unknown as FieldContext, 5, () => {})).toBe(-1);
  });
});
