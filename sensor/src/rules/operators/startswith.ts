// `startswith`: string or buffer prefix.
import { js, lit } from '../compiler/js.js';
import { single } from './helpers.js';
import type { OperatorDef } from './types.js';

export const startswith: OperatorDef = {
  name: 'startswith', rhs: 'scalar', rawValues: true, accepts: ['string', 'buffer'],
  emit: ({ x, raw }) => js`${x}.startsWith(${lit(single(raw, 'startswith') as string)})`,
  emitDynamic: (x, y) => js`${x}.startsWith(${y})`,
};
