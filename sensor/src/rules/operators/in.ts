// `in`: the value is one of the list's values. Strings, numbers, booleans and IPs test a hoisted Set; networks
// test each CIDR.
import { js } from '../compiler/js.js';
import { inNet, setKey } from './values.js';
import type { IpNet, OperatorDef, OperatorInput } from './types.js';

export function emitMembership({ x, cls, values, hoist }: OperatorInput) {
  if (values.length === 0) return js`false`;
  if (cls === 'net') {
    const nets = values as readonly IpNet[];
    return js`${hoist.add((v: string) => nets.some((n) => inNet(n, v)))}(${x})`;
  }
  const set = hoist.add(new Set(values.map((v) => setKey(cls, v))));
  return cls === 'number' ? js`${set}.has(Number(${x}))` : js`${set}.has(${x})`;
}

export const inOp: OperatorDef = {
  name: 'in', rhs: 'list', accepts: ['string', 'buffer', 'number', 'bool', 'ip', 'net'],
  emit: emitMembership,
};
