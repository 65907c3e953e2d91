// The operator registry: one line per operator file (HOUSE-STYLE 9).
import { bcontains } from './bcontains.js';
import { bstartswith } from './bstartswith.js';
import { contains } from './contains.js';
import { endswith } from './endswith.js';
import { eq } from './eq.js';
import { exists } from './exists.js';
import { ge } from './ge.js';
import { glob } from './glob.js';
import { gt } from './gt.js';
import { icontains } from './icontains.js';
import { iglob } from './iglob.js';
import { inOp } from './in.js';
import { intersects } from './intersects.js';
import { le } from './le.js';
import { lt } from './lt.js';
import { ne } from './ne.js';
import { pmatch } from './pmatch.js';
import { regex } from './regex.js';
import { startswith } from './startswith.js';
import type { OperatorDef } from './types.js';

export const OPERATORS: readonly OperatorDef[] = [
  eq, ne, lt, le, gt, ge, contains, icontains, bcontains, startswith, bstartswith, endswith, glob, iglob, regex,
  inOp, intersects, pmatch, exists,
];

const BY_NAME = new Map<string, OperatorDef>();
for (const op of OPERATORS) for (const n of [op.name, ...(op.aliases ?? [])]) BY_NAME.set(n, op);

export function operator(name: string): OperatorDef | undefined { return BY_NAME.get(name); }

export { OperatorError, type OperatorDef, type TypeClass, type Typed, type IpNet } from './types.js';
export { convertLiteral, parseNumber, parseNet, parseIp, inNet } from './values.js';
export { globToRegExp } from './helpers.js';
export { prefixMatcher } from './pmatch.js';
export { compileRegex } from './regex.js';
