// `!=`: inequality of a defined value (a missing value never matches, as in libsinsp); a multi-value field
// (fd.ip) matches only when none of its values equals the literal.
import { js } from '../compiler/js.js';
import { emitEquals, single } from './helpers.js';
import type { OperatorDef } from './types.js';

export const ne: OperatorDef = {
  name: '!=', rhs: 'scalar', multi: 'all', accepts: ['string', 'buffer', 'number', 'bool', 'ip', 'net'],
  emit: ({ x, cls, values, hoist }) => js`!(${emitEquals(x, cls, single(values, '!='), hoist)})`,
  emitDynamic: (x, y, cls) => (cls === 'number' || cls === 'bool' ? js`${x} != ${y}` : js`${x} !== ${y}`),
};
