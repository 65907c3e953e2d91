// `pmatch`: the path is one of the prefixes or lies below one (libsinsp path_prefix_search): `/usr/bin` matches
// `/usr/bin` and `/usr/bin/ls`, not `/usr/binx`. A hoisted Set of prefixes is probed with each ancestor of the path.
import { js } from '../compiler/js.js';
import type { OperatorDef } from './types.js';

export function prefixMatcher(prefixes: readonly string[]): (path: string) => boolean {
  const set = new Set(prefixes.map((p) => (p.length > 1 && p.endsWith('/') ? p.slice(0, -1) : p)));
  const root = set.has('/');
  return (path: string): boolean => {
    if (set.has(path)) return true;
    if (root && path.startsWith('/')) return true;
    for (let i = path.indexOf('/', 1); i > 0; i = path.indexOf('/', i + 1)) if (set.has(path.slice(0, i))) return true;
    return false;
  };
}

export const pmatch: OperatorDef = {
  name: 'pmatch', rhs: 'list', rawValues: true, accepts: ['string'],
  emit: ({ x, raw, hoist }) => js`${hoist.add(prefixMatcher(raw))}(${x})`,
};
