// `icontains`: case-insensitive substring (libsinsp strcasestr).
import { js, lit } from '../compiler/js.js';
import { single } from './helpers.js';
import type { OperatorDef } from './types.js';

export const icontains: OperatorDef = {
  name: 'icontains', rhs: 'scalar', rawValues: true, accepts: ['string'],
  emit: ({ x, raw }) => js`${x}.toLowerCase().includes(${lit((single(raw, 'icontains') as string).toLowerCase())})`,
  emitDynamic: (x, y) => js`${x}.toLowerCase().includes(${y}.toLowerCase())`,
};
