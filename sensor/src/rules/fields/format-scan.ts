// The one scanner of `%field` formats (sysdig -p formats, Falco rule outputs): literals, `%field`, `%field[arg]`,
// `%evt.arg.NAME`, a width `%20field` (libsinsp's set_format: the value is cut or space-padded to it),
// `%transformer(field)` (nested too), and `%%`; each field bound to the registry (and its cache slot) once.
import { renderValue, type FieldRegistry } from './registry.js';
import { FieldError, type BoundField, type FieldValue } from './types.js';
import { CLASS_WORDS, transformer, typeClass, type TransformerDef } from '../compiler/transformers.js';

/** A field reference of a format. */
export interface FieldPart {
  readonly bound: BoundField;
  /** The reference as written, without the width (`proc.aname[2]`, `toupper(proc.name)`): Falco's output_fields key. */
  readonly text: string;
  /** `%20field`: the printed value is cut or space-padded to this many characters; 0 = as is. */
  readonly width: number;
  /** `%toupper(basename(fd.name))`: applied innermost first (basename, then toupper); empty for a bare field. */
  readonly transforms: readonly TransformerDef[];
}

/** A literal, or a field reference. */
export type FormatPart = string | FieldPart;

export interface ScanOptions {
  /** Added to positions in error messages (where `s` starts inside the text the user wrote). */
  offset?: number;
  /**
   * Falco outputs: a name libsinsp would not take whole (`%proc.name.` or `%proc.namex`) is cut back to the longest
   * known field, the rest printed as text, as libsinsp's formatter does. Without it (sysdig -p formats) an unknown
   * name is an error: sysdig's prefix matching is deliberately not copied there.
   */
  cutToKnownField?: boolean;
}

function isFieldChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === 46;
}

function isDigit(c: number): boolean { return c >= 48 && c <= 57; }

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
    let start = k + 1;
    let width = 0;
    while (start < s.length && isDigit(s.charCodeAt(start))) width = width * 10 + s.charCodeAt(start++) - 48;
    if (start > k + 1 && start === s.length) throw new FieldError('EFIELD_SYNTAX', `a format cannot end with a width at position ${start + offset}`, start + offset);
    const ref = scanReference(s, start, registry, offset, opts.cutToKnownField === true);
    if (lit !== '') { parts.push(lit); lit = ''; }
    parts.push({ bound: ref.bound, text: s.slice(start, ref.end), width, transforms: ref.transforms });
    k = ref.end;
  }
  if (lit !== '') parts.push(lit);
  return parts;
}

interface Reference { bound: BoundField; transforms: TransformerDef[]; end: number }

/** `name(inner)` when `name` is a transformer, else a field (with its [arg]); `end` is just past it. */
function scanReference(s: string, start: number, registry: FieldRegistry, offset: number, cut: boolean): Reference {
  let e = start;
  while (e < s.length && isFieldChar(s.charCodeAt(e))) e++;
  if (s[e] === '(') {
    const name = s.slice(start, e);
    const t = transformer(name);
    if (t === undefined) throw new FieldError('EFIELD_UNKNOWN', `unknown transformer '${name}' at position ${start + offset}`, start + offset);
    const inner = scanReference(s, e + 1, registry, offset, false);
    if (s[inner.end] !== ')') throw new FieldError('EFIELD_SYNTAX', `expected ')' after the argument of ${name} at position ${inner.end + offset}`, inner.end + offset);
    const cls = inner.transforms.length > 0 ? inner.transforms[inner.transforms.length - 1].out : typeClass(inner.bound.def.type);
    if (!t.accepts.includes(cls)) {
      throw new FieldError('EFIELD_ARG', `transformer '${name}' is not supported on ${CLASS_WORDS[cls]} field ${s.slice(e + 1, inner.end)} at position ${start + offset}`, start + offset);
    }
    return { bound: inner.bound, transforms: [...inner.transforms, t], end: inner.end + 1 };
  }
  // Trailing dots are punctuation, not part of the field name.
  while (e > start && s[e - 1] === '.') e--;
  if (s[e] === '[') {
    const close = s.indexOf(']', e);
    if (close < 0) throw new FieldError('EFIELD_SYNTAX', `unterminated [ in format at position ${e + offset}`, e + offset);
    return { bound: registry.bind(s.slice(start, close + 1), start + offset), transforms: [], end: close + 1 };
  }
  if (e === start) throw new FieldError('EFIELD_SYNTAX', `expected a field name after % at position ${start + offset}`, start + offset);
  if (!cut) return { bound: registry.bind(s.slice(start, e), start + offset), transforms: [], end: e };
  const r = bindLongest(registry, s.slice(start, e), start + offset);
  return { bound: r.bound, transforms: [], end: start + r.length };
}

/** Binds `text`, or its longest prefix that names a field (at least `class.x`); returns the length bound. */
function bindLongest(registry: FieldRegistry, text: string, position: number): { bound: BoundField; length: number } {
  let first: FieldError | undefined;
  const minimum = text.indexOf('.') + 2;
  for (let t = text; ;) {
    try {
      return { bound: registry.bind(t, position), length: t.length };
    } catch (err) {
      if (!(err instanceof FieldError) || err.code !== 'EFIELD_UNKNOWN') throw err;
      first ??= err;
      if (minimum < 2 || t.length <= minimum) throw first;
      t = t.slice(0, -1);
    }
  }
}

/** The value a field part stands for: the extracted value through its transformers. */
export function partValue(p: FieldPart, v: FieldValue): FieldValue {
  for (let i = 0; i < p.transforms.length; i++) v = p.transforms[i].apply(v);
  return v;
}

/** Transformed values print plainly (not in the PF_HEX or padded format of the field underneath). */
const PLAIN = {};

/** The printed value of a field part (undefined when missing: the caller prints `<NA>`), before the width. */
export function renderPart(p: FieldPart, v: FieldValue): string | undefined {
  return p.transforms.length === 0 ? renderValue(p.bound.def, v) : renderValue(PLAIN, partValue(p, v));
}

/** libsinsp's std::string::resize(width, ' '): cut to `width` characters or padded with spaces; 0 = as is. */
export function fitWidth(s: string, width: number): string {
  if (width === 0 || s.length === width) return s;
  return s.length > width ? s.slice(0, width) : s.padEnd(width, ' ');
}
