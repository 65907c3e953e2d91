// `exists`: the field has a value for this event (the compiler emits the test; nothing to compare).
import { js } from '../compiler/js.js';
import type { OperatorDef } from './types.js';

export const exists: OperatorDef = {
  name: 'exists', rhs: 'none', accepts: ['string', 'buffer', 'number', 'bool', 'ip', 'net'],
  emit: () => js`true`,
};
