// `endswith`: string or buffer suffix.
import { js, lit } from '../compiler/js.js';
import { single } from './helpers.js';
import type { OperatorDef } from './types.js';

export const endswith: OperatorDef = {
  name: 'endswith', rhs: 'scalar', rawValues: true, accepts: ['string', 'buffer'],
  emit: ({ x, raw }) => js`${x}.endsWith(${lit(single(raw, 'endswith') as string)})`,
  emitDynamic: (x, y) => js`${x}.endsWith(${y})`,
};
