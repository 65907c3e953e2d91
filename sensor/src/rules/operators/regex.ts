// `regex`: the whole value matches the pattern (libsinsp: RE2, ANCHOR_BOTH). We use JS RegExp wrapped as
// ^(?:...)$: the RE2 subset Falco rules use (classes, alternation, repetition) means the same; RE2-only syntax
// (\C, (?P<name>...), \pN) is rejected at load, and JS-only features (backreferences, lookaround) are refused so
// a rule never depends on what RE2 would not accept.
import { js } from '../compiler/js.js';
import { single } from './helpers.js';
import { OperatorError, type OperatorDef } from './types.js';

export function compileRegex(pattern: string): RegExp {
  if (/\\[1-9]|\(\?<?[=!]|\\k</.test(pattern)) throw new OperatorError(`regex '${pattern}': backreferences and lookaround are not RE2 syntax`);
  try {
    return new RegExp(`^(?:${pattern.replace(/\(\?P</g, '(?<')})$`);
  } catch (e) {
    throw new OperatorError(`invalid regex '${pattern}': ${(e as Error).message}`);
  }
}

export const regex: OperatorDef = {
  name: 'regex', rhs: 'scalar', rawValues: true, accepts: ['string'],
  emit: ({ x, raw, hoist }) => js`${hoist.add(compileRegex(single(raw, 'regex') as string))}.test(${x})`,
};
