// `glob`: shell wildcard match of the whole value (`*` also crosses `/`, as libsinsp glob_match); the pattern is
// compiled once to an anchored RegExp hoisted out of the per-event function.
import { js } from '../compiler/js.js';
import { globToRegExp, single } from './helpers.js';
import type { OperatorDef } from './types.js';

export const glob: OperatorDef = {
  name: 'glob', rhs: 'scalar', rawValues: true, accepts: ['string'],
  emit: ({ x, raw, hoist }) => js`${hoist.add(globToRegExp(single(raw, 'glob') as string, false))}.test(${x})`,
};
