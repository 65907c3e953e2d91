// Code shared by operator files: equality per type class, string escaping for glob/regex, hex decoding.
import { js, type Code, type Hoist } from '../compiler/js.js';
import { inNet, literalCode } from './values.js';
import { OperatorError, type IpNet, type TypeClass, type Typed } from './types.js';

/** `x` equals the literal, as libsinsp compares per type (numbers of any JS type compare numerically). */
export function emitEquals(x: Code, cls: TypeClass, v: Typed, hoist: Hoist): Code {
  switch (cls) {
    case 'net': return js`${hoist.add(inNet, 'fn:inNet')}(${hoist.add(v as IpNet)}, ${x})`;
    case 'number':
    case 'bool': return js`${x} == ${literalCode(v)}`;
    default: return js`${x} === ${literalCode(v)}`;
  }
}

/** A glob pattern (libsinsp glob_match: `*`, `?`, `[...]`, `[!...]`, backslash escapes) as an anchored RegExp. */
export function globToRegExp(pattern: string, caseInsensitive: boolean): RegExp {
  let re = '^';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*') re += '[\\s\\S]*';
    else if (c === '?') re += '[\\s\\S]';
    else if (c === '\\' && i + 1 < pattern.length) re += escapeRegExp(pattern[++i]);
    else if (c === '[') {
      const close = pattern.indexOf(']', i + 2);
      if (close < 0) { re += '\\['; continue; }
      let body = pattern.slice(i + 1, close);
      const negate = body.startsWith('!') || body.startsWith('^');
      if (negate) body = body.slice(1);
      re += '[' + (negate ? '^' : '') + body.replace(/[\\\]^]/g, (m) => '\\' + m) + ']';
      i = close;
    } else re += escapeRegExp(c);
  }
  return new RegExp(re + '$', caseInsensitive ? 'i' : '');
}

export function escapeRegExp(s: string): string { return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'); }

/** bcontains/bstartswith take hex bytes (`7f454c46`); our buffers are strings of byte values (latin1). */
export function hexToBinaryString(hex: string, op: string): string {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) throw new OperatorError(`${op}: '${hex}' is not a valid hex string`);
  let out = '';
  for (let i = 0; i < hex.length; i += 2) out += String.fromCharCode(parseInt(hex.slice(i, i + 2), 16));
  return out;
}

/** One literal for scalar operators. */
export function single(values: readonly Typed[], op: string): Typed {
  if (values.length !== 1) throw new OperatorError(`operator '${op}' takes one value`);
  return values[0];
}
