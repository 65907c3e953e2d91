// Macro and list expansion (Falco's textual list substitution semantics), event-type inference, unknown
// fields and event types, the generated JavaScript and its template helper.
import { describe, expect, it } from 'vitest';
import { compile, matches, FakeContext, type Values } from './harness.js';
import type { FieldContext } from '../../../sensor/src/rules/fields/context.js';
import { eventIdsOf } from '../../../sensor/src/rules/compiler/index.js';
import { ident, js, lit } from '../../../sensor/src/rules/compiler/js.js';
import { EVENTS, PPM_EVENT_MAX } from '../../../sensor/src/schema/index.js';

const ids = (...names: string[]) => new Set(names.flatMap((n) => [...eventIdsOf(n)!]));

describe('macros and lists', () => {
  const env = { lists: { shells: ['bash', 'sh'], more: ['shells', 'zsh'], one: ['cat'], spaced: ['cat /dev/null', '"quoted one"'] }, macros: { is_shell: 'proc.name in (shells)', spawned: 'evt.type = execve and is_shell' } };
  it('expands macros transitively and lists inside ( ) and nested lists', () => {
    expect(compile('spawned', env).expandedText).toBe('evt.type = execve and proc.name in (bash, sh)');
    expect(matches('proc.name in (more)', { 'proc.name': 'zsh' }, env)).toBe(true);
    expect(matches('proc.name in (more)', { 'proc.name': 'sh' }, env)).toBe(true);
    expect(matches('proc.name in (ls, shells, ps)', { 'proc.name': 'bash' }, env)).toBe(true);
  });
  it('a bare single-item list is its item (list_sub_bare); quoted names are not lists', () => {
    expect(matches('proc.name = one', { 'proc.name': 'cat' }, env)).toBe(true);
    expect(matches('proc.name = "one"', { 'proc.name': 'one' }, env)).toBe(true);
    expect(matches('proc.name in (file_one)', { 'proc.name': 'cat' }, env)).toBe(false);
  });
  it('items with spaces stay one value; quoted items are unquoted', () => {
    expect(matches('proc.cmdline in (spaced)', { 'proc.cmdline': 'cat /dev/null' }, env)).toBe(true);
    expect(matches('proc.cmdline in (spaced)', { 'proc.cmdline': 'quoted one' }, env)).toBe(true);
  });
  it('undefined macro and self-reference are errors', () => {
    expect(() => compile('nope', env)).toThrow("Undefined macro 'nope' used in filter.");
    expect(() => compile('loop', { macros: { loop: 'proc.name = a or loop' } })).toThrow(/references itself/);
  });
});

describe('unknown fields and event types', () => {
  it('flag unknownFilter so skip-if-unknown-filter can downgrade them', () => {
    try { compile('proc.nobody = x'); throw new Error('compiled'); } catch (e) {
      expect((e as Error).message).toBe('filter_check called with nonexistent field proc.nobody');
      expect((e as { unknownFilter: boolean }).unknownFilter).toBe(true);
    }
    expect(() => compile('evt.type = some_invalid_event')).toThrow('unknown event type some_invalid_event');
  });
});

describe('event-type inference (Falco filter_evttype_resolver)', () => {
  const types = (c: string) => compile(c).evttypes;
  it('= and in give the named events, both directions; or unites; and intersects', () => {
    expect(types('evt.type = open')).toEqual(ids('open'));
    expect([...types('evt.type = open')].every((id) => EVENTS[id].name === 'open')).toBe(true);
    expect(types('evt.type in (open, openat) and proc.name = cat')).toEqual(ids('open', 'openat'));
    expect(types('evt.type = open or evt.type = connect')).toEqual(ids('open', 'connect'));
    expect(types('evt.type in (open, connect) and evt.type = open')).toEqual(ids('open'));
  });
  it('not and != give every other type; checks on other fields give all', () => {
    expect(types('proc.name = cat').size).toBe(PPM_EVENT_MAX);
    const notOpen = types('not evt.type = open');
    expect(notOpen.size).toBe(PPM_EVENT_MAX - ids('open').size);
    expect(types('evt.type != open')).toEqual(notOpen);
    // De Morgan: not (open and cat) can match any event that is not a cat open → every type
    expect(types('not (evt.type = open and proc.name = cat)').size).toBe(PPM_EVENT_MAX);
    expect(types('not (evt.type = open or evt.type = close)').size).toBe(PPM_EVENT_MAX - ids('open', 'close').size);
  });
  it('syscalls without an event of their own map to the generic events', () => {
    expect(eventIdsOf('madvise')).toEqual(eventIdsOf('syscall'));
  });
});

describe('evt.type tests implied by the engine\'s type index', () => {
  const ctx = (values: Values) => new FakeContext(values) as unknown as FieldContext;
  it('are left out of matchIndexed, while match still checks the type', () => {
    const c = compile('evt.type in (open, openat) and fd.name=/x');
    const onClose = ctx({ 'evt.type': 'close', 'fd.name': '/x' });
    expect(c.matchIndexed(onClose)).toBe(true); // never called on a close event by the engine
    expect(c.match(onClose)).toBe(false);
    expect(c.match(ctx({ 'evt.type': 'openat', 'fd.name': '/x' }))).toBe(true);
    expect(c.matchIndexed(ctx({ 'evt.type': 'openat', 'fd.name': '/y' }))).toBe(false);
    expect(c.js).toContain('=== "/x"');
    expect(compile('fd.name=/x').js.match(/ctx\.value/g)).toHaveLength(c.js.match(/ctx\.value/g)!.length);
  });
  it('inside nested conjunctions and for != too', () => {
    const c = compile('(evt.type=open and evt.type!=close) and (fd.name=/x and evt.type in (open, connect))');
    expect(c.js.match(/ctx\.value/g)).toHaveLength(1);
    expect(c.match(ctx({ 'evt.type': 'open', 'fd.name': '/x' }))).toBe(true);
    // Each top-level type test holds for every type of the intersection: all of them go.
    expect(compile('(evt.type in (open, close) and fd.name=/x) and evt.type=open').js.match(/ctx\.value/g)).toHaveLength(1);
  });
  it('stay where they do not hold for every indexed type: under or/not, generic events', () => {
    for (const cond of [
      'evt.type=open or (evt.type=close and fd.name=/x)',
      'not evt.type=open and fd.name=/x',
      'evt.type in (open, sched_yield) and fd.name=/x',
      'evt.type=getppid and fd.name=/x', // a generic event: its evt.type comes from the event
    ]) {
      const c = compile(cond);
      const kept = compile('fd.name=/x').js.match(/ctx\.value/g)!.length;
      expect(c.js.match(/ctx\.value/g)!.length, cond).toBeGreaterThan(kept);
    }
  });
});

describe('generated JavaScript', () => {
  it('hoists bound fields, Sets and regexes out of the per-event function', () => {
    const c = compile('proc.name in (a, b, c) and fd.name glob "/etc/*" and proc.name != x');
    expect(c.js).toMatch(/const H0 = H\[0\];/);
    expect(c.js).toContain('return function match(ctx)');
    expect(c.js).toMatch(/H\d+\.has\(x\)/);
    expect(c.js).toMatch(/H\d+\.test\(x\)/);
    // one bound field per distinct reference
    expect(c.fields.map((f) => f.key)).toEqual(['proc.name', 'fd.name']);
  });
  it('rule text never reaches the source unescaped', () => {
    const c = compile('proc.name = "a\\"); process.exit(1); //"');
    expect(c.js).toContain(JSON.stringify('a"); process.exit(1); //'));
  });
  it('the template helper refuses raw strings and non-identifiers', () => {
    expect(() => js`${'raw' as never}`).toThrow(/not generated code/);
    expect(() => ident('a-b')).toThrow(/not an identifier/);
    expect(js`${ident('x')} === ${lit('y')}`.text).toBe('x === "y"');
  });
});
