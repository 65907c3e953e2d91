// `=` (also `==`): equality, typed by the field (numbers numerically, networks by CIDR, strings exactly).
import { js } from '../compiler/js.js';
import { emitEquals, single } from './helpers.js';
import type { OperatorDef } from './types.js';

export const eq: OperatorDef = {
  name: '=', aliases: ['=='], rhs: 'scalar', accepts: ['string', 'buffer', 'number', 'bool', 'ip', 'net'],
  emit: ({ x, cls, values, hoist }) => emitEquals(x, cls, single(values, '='), hoist),
  emitDynamic: (x, y, cls) => (cls === 'number' || cls === 'bool' ? js`${x} == ${y}` : js`${x} === ${y}`),
};
