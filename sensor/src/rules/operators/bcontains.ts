// `bcontains`: the buffer contains the bytes given in hex (`bcontains 7f454c46`).
import { js, lit } from '../compiler/js.js';
import { hexToBinaryString, single } from './helpers.js';
import type { OperatorDef } from './types.js';

export const bcontains: OperatorDef = {
  name: 'bcontains', rhs: 'scalar', rawValues: true, accepts: ['buffer', 'string'],
  emit: ({ x, raw }) => js`${x}.includes(${lit(hexToBinaryString(single(raw, 'bcontains') as string, 'bcontains'))})`,
};
