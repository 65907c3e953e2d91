// `bstartswith`: the buffer starts with the bytes given in hex.
import { js, lit } from '../compiler/js.js';
import { hexToBinaryString, single } from './helpers.js';
import type { OperatorDef } from './types.js';

export const bstartswith: OperatorDef = {
  name: 'bstartswith', rhs: 'scalar', rawValues: true, accepts: ['buffer', 'string'],
  emit: ({ x, raw }) => js`${x}.startsWith(${lit(hexToBinaryString(single(raw, 'bstartswith') as string, 'bstartswith'))})`,
};
