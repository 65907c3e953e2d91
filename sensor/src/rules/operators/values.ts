// Right-hand side literals as libsinsp parses them per field type: numbers (decimal, hex, floats), booleans,
// IP addresses and CIDR networks; strings stay as written.
import { OperatorError, type IpNet, type TypeClass, type Typed } from './types.js';
import { lit, type Code } from '../compiler/js.js';

export function convertLiteral(cls: TypeClass, text: string): Typed {
  switch (cls) {
    case 'number': return parseNumber(text);
    case 'bool': return parseBool(text);
    case 'ip': return parseIp(text);
    case 'net': return parseNet(text);
    default: return text;
  }
}

/** Integers as numbers when exact, else bigints; floats as numbers. */
export function parseNumber(text: string): number | bigint {
  const t = text.trim();
  if (/^[+-]?0[xX][0-9a-fA-F]+$/.test(t)) {
    const neg = t.startsWith('-');
    const b = BigInt(t.replace(/^[+-]/, ''));
    const v = neg ? -b : b;
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  }
  if (/^[+-]?\d+$/.test(t)) {
    const v = BigInt(t);
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  }
  if (/^[+-]?\d+\.?\d*([eE][+-]?\d+)?$/.test(t)) return Number(t);
  throw new OperatorError(`'${text}' is not a valid number`);
}

export function parseBool(text: string): boolean {
  if (text === 'true' || text === '1') return true;
  if (text === 'false' || text === '0') return false;
  throw new OperatorError(`'${text}' is not a valid boolean`);
}

/** A canonical IP string (IPv4 dotted quad, IPv6 compressed lower case, as the fields print them). */
export function parseIp(text: string): string {
  const b = ipBytes(text);
  if (b === undefined) throw new OperatorError(`'${text}' is not a valid IP address`);
  return text.includes(':') ? canonicalIpv6(b) : text.split('.').map(Number).join('.');
}

export function parseNet(text: string): IpNet {
  const slash = text.indexOf('/');
  const addr = slash >= 0 ? text.slice(0, slash) : text;
  const bytes = ipBytes(addr);
  if (bytes === undefined) throw new OperatorError(`'${text}' is not a valid IP network`);
  const max = bytes.length * 8;
  const prefix = slash >= 0 ? Number(text.slice(slash + 1)) : max;
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > max || (slash >= 0 && !/^\d+$/.test(text.slice(slash + 1)))) {
    throw new OperatorError(`'${text}' is not a valid IP network`);
  }
  return { v6: bytes.length === 16, bytes, prefix };
}

export function ipBytes(text: string): Uint8Array | undefined {
  if (!text.includes(':')) {
    const parts = text.split('.');
    if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) return undefined;
    return Uint8Array.from(parts.map(Number));
  }
  // IPv6, with an optional embedded IPv4 tail
  let s = text;
  const lastColon = s.lastIndexOf(':');
  if (s.slice(lastColon + 1).includes('.')) {
    const v4 = ipBytes(s.slice(lastColon + 1));
    if (v4 === undefined) return undefined;
    s = s.slice(0, lastColon + 1) + ((v4[0] << 8) | v4[1]).toString(16) + ':' + ((v4[2] << 8) | v4[3]).toString(16);
  }
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const parse = (h: string): number[] | undefined => {
    if (h === '') return [];
    const groups = h.split(':');
    if (!groups.every((g) => /^[0-9a-fA-F]{1,4}$/.test(g))) return undefined;
    return groups.map((g) => parseInt(g, 16));
  };
  const head = parse(halves[0]);
  const rest = halves.length === 2 ? parse(halves[1]) : [];
  if (head === undefined || rest === undefined) return undefined;
  const total = head.length + rest.length;
  let words: number[];
  if (halves.length === 2) {
    if (total > 7) return undefined;
    words = [...head, ...new Array<number>(8 - total).fill(0), ...rest];
  } else {
    if (total !== 8) return undefined;
    words = head;
  }
  const out = new Uint8Array(16);
  words.forEach((w, i) => { out[2 * i] = w >> 8; out[2 * i + 1] = w & 255; });
  return out;
}

/** RFC 5952 text of 16 bytes (what inet_ntop prints). */
export function canonicalIpv6(b: Uint8Array): string {
  const words: number[] = [];
  for (let i = 0; i < 16; i += 2) words.push((b[i] << 8) | b[i + 1]);
  let bestStart = -1, bestLen = 0;
  for (let i = 0; i < 8;) {
    if (words[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen && j - i > 1) { bestStart = i; bestLen = j - i; }
    i = j;
  }
  const hex = words.map((w) => w.toString(16));
  if (bestStart < 0) return hex.join(':');
  return hex.slice(0, bestStart).join(':') + '::' + hex.slice(bestStart + bestLen).join(':');
}

/** True when the address text lies in the network (false for unparsable text or another family). */
export function inNet(net: IpNet, addr: string): boolean {
  const b = ipBytes(addr);
  if (b === undefined || b.length !== net.bytes.length) return false;
  let bits = net.prefix;
  for (let i = 0; i < b.length && bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if ((b[i] & mask) !== (net.bytes[i] & mask)) return false;
  }
  return true;
}

/** The literal as JS: numbers/bigints/booleans/strings directly; networks are hoisted by their operator. */
export function literalCode(v: Typed): Code {
  if (typeof v === 'object') throw new Error('network literals are hoisted, not inlined');
  return lit(v);
}

/** A Set key for a value of the class (numbers of any JS type compare as numbers). */
export function setKey(cls: TypeClass, v: Typed): string | number | boolean {
  if (cls === 'number') return Number(v as number | bigint);
  if (typeof v === 'object') throw new Error('networks have no set key');
  return v as string | boolean;
}
