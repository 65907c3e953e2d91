// `intersects`: some value of a (multi-value) field is in the list; on a single-value field it is `in`.
import { emitMembership } from './in.js';
import type { OperatorDef } from './types.js';

export const intersects: OperatorDef = {
  name: 'intersects', rhs: 'list', accepts: ['string', 'buffer', 'number', 'bool', 'ip', 'net'],
  emit: emitMembership,
};
