// `contains`: substring of a string or buffer.
import { js, lit } from '../compiler/js.js';
import { single } from './helpers.js';
import type { OperatorDef } from './types.js';

export const contains: OperatorDef = {
  name: 'contains', rhs: 'scalar', rawValues: true, accepts: ['string', 'buffer'],
  emit: ({ x, raw }) => js`${x}.includes(${lit(single(raw, 'contains') as string)})`,
  emitDynamic: (x, y) => js`${x}.includes(${y})`,
};
