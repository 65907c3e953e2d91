// `>=`: greater than or equal to; numerically for numeric fields, by byte order (strcmp) for strings.
import { js, type Code } from '../compiler/js.js';
import { literalCode } from './values.js';
import { single } from './helpers.js';
import type { OperatorDef } from './types.js';

const cmp = (a: Code, b: Code): Code => js`${a} >= ${b}`;

export const ge: OperatorDef = {
  name: '>=', rhs: 'scalar', accepts: ['number', 'string'],
  emit: ({ x, values }) => cmp(x, literalCode(single(values, '>='))),
  emitDynamic: (x, y) => cmp(x, y),
};
