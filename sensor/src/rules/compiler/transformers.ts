// Field transformers (libsinsp sinsp_filter_transformer): one table entry each. They run on the extracted value;
// a missing value stays missing. Multi-value fields are transformed value by value (len counts the values).
import type { FieldType, FieldValue } from '../fields/types.js';
import type { TypeClass } from '../operators/types.js';

/** The operator class of a field type: which operators, literals and transformers it takes. */
export function typeClass(t: FieldType): TypeClass {
  switch (t) {
    case 'string': case 'charbuf': return 'string';
    case 'bytebuf': return 'buffer';
    case 'bool': return 'bool';
    case 'ipaddr': return 'ip';
    case 'ipnet': return 'net';
    default: return 'number';
  }
}

/** Type classes as libsinsp's messages name them. */
export const CLASS_WORDS: Record<TypeClass, string> = {
  string: 'string', buffer: 'buffer', number: 'numeric', bool: 'numeric', ip: 'ip address and network', net: 'ip address and network',
};

export interface TransformerDef {
  readonly name: string;
  readonly accepts: readonly TypeClass[];
  readonly out: TypeClass;
  readonly apply: (v: FieldValue) => FieldValue;
}

const eachString = (f: (s: string) => string | undefined) => (v: FieldValue): FieldValue => {
  if (typeof v === 'string') return f(v);
  if (Array.isArray(v)) return v.map((s) => f(s) ?? '');
  return undefined;
};

const B64 = /^[A-Za-z0-9+/]*={0,2}$/;

export const TRANSFORMERS: readonly TransformerDef[] = [
  { name: 'tolower', accepts: ['string', 'buffer'], out: 'string', apply: eachString((s) => s.toLowerCase()) },
  { name: 'toupper', accepts: ['string', 'buffer'], out: 'string', apply: eachString((s) => s.toUpperCase()) },
  { name: 'b64', accepts: ['string', 'buffer'], out: 'string', apply: eachString((s) => (s.length % 4 === 0 && B64.test(s) ? Buffer.from(s, 'base64').toString('latin1') : undefined)) },
  { name: 'basename', accepts: ['string'], out: 'string', apply: eachString((s) => s.slice(s.lastIndexOf('/') + 1)) },
  {
    name: 'len', accepts: ['string', 'buffer', 'number', 'bool', 'ip', 'net'], out: 'number',
    apply: (v) => (typeof v === 'string' ? v.length : Array.isArray(v) ? v.length : undefined),
  },
];

const BY_NAME = new Map(TRANSFORMERS.map((t) => [t.name, t]));
export function transformer(name: string): TransformerDef | undefined { return BY_NAME.get(name); }
