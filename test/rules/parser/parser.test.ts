// The condition grammar (libsinsp filter/parser.h): precedence, not, parentheses, fields with arguments,
// values, lists, transformers, and errors that carry the offset where parsing failed.
import { describe, expect, it } from 'vitest';
import { ConditionSyntaxError, MAX_DEPTH, parseCondition, unescape } from '../../../sensor/src/rules/parser/parser.js';
import { printCondition } from '../../../sensor/src/rules/parser/print.js';

const p = (s: string) => printCondition(parseCondition(s));
function errorAt(s: string): { msg: string; pos: number } {
  try { parseCondition(s); } catch (e) { if (e instanceof ConditionSyntaxError) return { msg: e.message, pos: e.pos }; throw e; }
  throw new Error('parsed: ' + s);
}

describe('condition parser', () => {
  it('or < and < not precedence, parentheses', () => {
    expect(p('a and b or c')).toBe('(a and b) or c');
    expect(p('a or b and c')).toBe('a or (b and c)');
    expect(p('not a and b')).toBe('not a and b');
    expect(p('not (a or b)')).toBe('not (a or b)');
    expect(p('not not a')).toBe('a');
    expect(p('not(a)and(b)')).toBe('not a and b');
  });
  it('checks: fields, arguments, operators, values', () => {
    expect(p('proc.aname[2]=bash')).toBe('proc.aname[2] = bash');
    expect(p('evt.arg.flags contains O_RDWR')).toBe('evt.arg.flags contains O_RDWR');
    expect(p('k8s.pod.label["app.kubernetes.io/name"] = x')).toBe('k8s.pod.label[app.kubernetes.io/name] = x');
    expect(p('fd.num>=0')).toBe('fd.num >= 0');
    expect(p('proc.pid = 0x1F')).toBe('proc.pid = 0x1F');
    expect(p('fd.name exists')).toBe('fd.name exists');
    expect(p("proc.name in (a, 'b c', \"d\")")).toBe('proc.name in (a, "b c", d)');
    expect(p('proc.name in my_list')).toBe('proc.name in my_list');
    expect(p('proc.name in ()')).toBe('proc.name in ()');
  });
  it('transformers on the left, val() and transformers on the right', () => {
    expect(p('tolower(proc.name) = bash')).toBe('tolower(proc.name) = bash');
    expect(p('len(basename(fd.name)) > 3')).toBe('len(basename(fd.name)) > 3');
    expect(p('proc.name = val(proc.pname)')).toBe('proc.name = val(proc.pname)');
    expect(p('proc.name = toupper(proc.pname)')).toBe('proc.name = toupper(proc.pname)');
  });
  it('quoted strings: libsinsp escapes', () => {
    expect(unescape('"a\\"b"')).toBe('a"b');
    expect(unescape("'a\\'b'")).toBe("a'b");
    expect(unescape('"a\\ b"')).toBe('a\\b');
    expect(() => unescape('"\\q"')).toThrow(/unsupported string escape sequence/);
  });
  it('a node knows its offset', () => {
    const e = parseCondition('evt.type=open and proc.name=cat');
    expect(e.kind).toBe('and');
    if (e.kind === 'and') expect(e.children.map((c) => c.pos)).toEqual([0, 18]);
  });
  it('errors say what was expected, where', () => {
    expect(errorAt('proc.name = ')).toEqual({ msg: expect.stringMatching(/expected a string value/), pos: 12 });
    expect(errorAt('proc.name bogus x').msg).toMatch(/expected a valid check operator/);
    expect(errorAt('(a and b').msg).toBe("expected a ')' token");
    expect(errorAt('a b')).toEqual({ msg: "unexpected token after 'a', expecting 'or', 'and'", pos: 2 });
    expect(errorAt('').msg).toBe('filter input string is empty');
    expect(errorAt('a andb').msg).toBe("expected blank or '(' after 'and'");
  });
  it('caps recursion depth', () => {
    const deep = '('.repeat(MAX_DEPTH) + 'a' + ')'.repeat(MAX_DEPTH);
    expect(errorAt(deep).msg).toMatch(/exceeded max depth limit/);
  });
});
