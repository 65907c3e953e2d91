// `iglob`: case-insensitive glob.
import { js } from '../compiler/js.js';
import { globToRegExp, single } from './helpers.js';
import type { OperatorDef } from './types.js';

export const iglob: OperatorDef = {
  name: 'iglob', rhs: 'scalar', rawValues: true, accepts: ['string'],
  emit: ({ x, raw, hoist }) => js`${hoist.add(globToRegExp(single(raw, 'iglob') as string, true))}.test(${x})`,
};
