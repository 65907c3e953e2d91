// The only way compiled conditions become JavaScript source (HOUSE-STYLE 8): a tagged template that accepts
// compiler-made identifiers, JSON.stringify-ed literals and code built by this same tag — never raw strings.
// Rule text (values, field names, list items) can therefore never reach the generated source unescaped.

const BRAND = Symbol('js-code');

/** A piece of generated JavaScript: an identifier, a literal or an expression built with `js`. */
export interface Code { readonly [BRAND]: true; readonly text: string }

function code(text: string): Code { return { [BRAND]: true, text }; }

export function isCode(v: unknown): v is Code { return typeof v === 'object' && v !== null && (v as Code)[BRAND] === true; }

/** A JSON-representable literal (strings, finite numbers, booleans); bigints as `123n`. */
export function lit(v: string | number | boolean | bigint): Code {
  if (typeof v === 'bigint') return code(`${v}n`);
  if (typeof v === 'number' && !Number.isFinite(v)) throw new Error(`js: non-finite number literal ${v}`);
  return code(JSON.stringify(v));
}

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
/** An identifier the compiler chose (F0, R3, x); rejects anything that is not a plain JS identifier. */
export function ident(name: string): Code {
  if (!IDENT.test(name)) throw new Error(`js: ${JSON.stringify(name)} is not an identifier`);
  return code(name);
}

/** Tagged template: the literal parts are compiler source, every interpolation must be a Code. */
export function js(parts: TemplateStringsArray, ...values: Code[]): Code {
  let out = parts[0];
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!isCode(v)) throw new Error(`js: interpolation ${i} is not generated code (${typeof v})`);
    out += v.text + parts[i + 1];
  }
  return code(out);
}

/** Joins generated expressions with an operator written by the compiler (` && `, ` || `, `, `). */
export function join(items: readonly Code[], sep: ' && ' | ' || ' | ', '): Code {
  return code(items.map((c) => c.text).join(sep));
}

/** Constants the generated function closes over (regexes, Sets, bound fields), named H0, H1, ... */
export class Hoist {
  readonly values: unknown[] = [];
  private readonly byKey = new Map<string, Code>();

  /** Hoists `value`; the same key (e.g. a bound field's slot) returns the same identifier. */
  add(value: unknown, key?: string): Code {
    if (key !== undefined) {
      const known = this.byKey.get(key);
      if (known !== undefined) return known;
    }
    const id = ident(`H${this.values.length}`);
    this.values.push(value);
    if (key !== undefined) this.byKey.set(key, id);
    return id;
  }
}
