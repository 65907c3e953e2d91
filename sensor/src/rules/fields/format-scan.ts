// The one scanner of `%field` formats (sysdig -p formats, Falco rule outputs): literals, `%field`,
// `%field[arg]`, `%evt.arg.NAME` and `%%`, each field bound to the registry (and its cache slot) once.
import type { FieldRegistry } from './registry.js';
import { FieldError, type BoundField } from './types.js';

/** A literal, or a bound field with the reference text as written. */
export type FormatPart = string | { readonly bound: BoundField; readonly text: string };

export interface ScanOptions {
  /** Added to positions in error messages (where `s` starts inside the text the user wrote). */
  offset?: number;
  /**
   * Falco outputs: a name libsinsp would not take whole (`%proc.name.` or `%fd.name.suffix`) is cut back at a
   * dot to the longest known field, as libsinsp's filtercheck lookup does. Without it (sysdig -p formats) an
   * unknown name is an error: sysdig's prefix matching is deliberately not copied.
   */
  cutToKnownField?: boolean;
}

function isFieldChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === 46;
}

/** Splits a format into parts; adjacent literals are merged. Throws FieldError naming the position. */
export function scanFormat(s: string, registry: FieldRegistry, opts: ScanOptions = {}): FormatPart[] {
  const offset = opts.offset ?? 0;
  const parts: FormatPart[] = [];
  let lit = '';
  let k = 0;
  while (k < s.length) {
    const ch = s[k];
    if (ch !== '%') { lit += ch; k++; continue; }
    if (s[k + 1] === '%') { lit += '%'; k += 2; continue; }
    const start = k + 1;
    let e = start;
    while (e < s.length && isFieldChar(s.charCodeAt(e))) e++;
    // Trailing dots are punctuation, not part of the field name.
    while (e > start && s[e - 1] === '.') e--;
    let bound: BoundField;
    if (s[e] === '[') {
      const close = s.indexOf(']', e);
      if (close < 0) throw new FieldError('EFIELD_SYNTAX', `unterminated [ in format at position ${e + offset}`, e + offset);
      e = close + 1;
      bound = registry.bind(s.slice(start, e), start + offset);
    } else {
      if (e === start) throw new FieldError('EFIELD_SYNTAX', `expected a field name after % at position ${start + offset}`, start + offset);
      if (opts.cutToKnownField === true) {
        const r = bindLongest(registry, s.slice(start, e), start + offset);
        bound = r.bound;
        e = start + r.length;
      } else {
        bound = registry.bind(s.slice(start, e), start + offset);
      }
    }
    if (lit !== '') { parts.push(lit); lit = ''; }
    parts.push({ bound, text: s.slice(start, e) });
    k = e;
  }
  if (lit !== '') parts.push(lit);
  return parts;
}

/** Binds `text`, or the longest prefix of it ending before a dot that names a field; returns its length. */
function bindLongest(registry: FieldRegistry, text: string, position: number): { bound: BoundField; length: number } {
  let first: FieldError | undefined;
  for (let t = text; ;) {
    try {
      return { bound: registry.bind(t, position), length: t.length };
    } catch (err) {
      if (!(err instanceof FieldError) || err.code !== 'EFIELD_UNKNOWN') throw err;
      first ??= err;
      const dot = t.lastIndexOf('.');
      if (dot <= 0) throw first;
      t = t.slice(0, dot);
    }
  }
}
