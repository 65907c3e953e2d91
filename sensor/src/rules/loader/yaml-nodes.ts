// The part of the `yaml` package's node model the rules reader uses: Scalar, YAMLMap, YAMLSeq and Pair with the
// same fields (range, value, type, source, format, items, key, flow), tagged with the package's own node-type
// symbols (Symbol.for('yaml.…')), so `isMap`/`isSeq`/`isScalar` here and in `yaml` accept both families. The fast
// path (fast-yaml.ts) builds these; only a file outside its subset loads `yaml` itself (loadYaml), which costs
// ~25 ms in a cold process — most commands (replay, rules validate on Falco's files) never pay it.
import { createRequire } from 'node:module';
import type * as Yaml from 'yaml';

export type Range = [number, number, number];

const NODE_TYPE = Symbol.for('yaml.node.type');
const MAP = Symbol.for('yaml.map');
const SEQ = Symbol.for('yaml.seq');
const SCALAR = Symbol.for('yaml.scalar');
const PAIR = Symbol.for('yaml.pair');

export class Scalar {
  static readonly PLAIN = 'PLAIN';
  static readonly QUOTE_DOUBLE = 'QUOTE_DOUBLE';
  static readonly QUOTE_SINGLE = 'QUOTE_SINGLE';
  static readonly BLOCK_LITERAL = 'BLOCK_LITERAL';
  static readonly BLOCK_FOLDED = 'BLOCK_FOLDED';
  range?: Range | null;
  source?: string;
  type?: string;
  format?: string;
  minFractionDigits?: number;
  constructor(public value: unknown) {}
}

export class YAMLSeq {
  items: Node[] = [];
  range?: Range | null;
  flow?: boolean;
}

export class Pair {
  constructor(public key: Node | null, public value: Node | null) {}
}

export class YAMLMap {
  items: Pair[] = [];
  range?: Range | null;
  flow?: boolean;
}

for (const [cls, tag] of [[Scalar, SCALAR], [YAMLSeq, SEQ], [YAMLMap, MAP], [Pair, PAIR]] as const) {
  Object.defineProperty(cls.prototype, NODE_TYPE, { value: tag });
}

/** A node of either family (yaml's classes have these fields too). */
export type Node = Scalar | YAMLMap | YAMLSeq;

const tagOf = (n: unknown): unknown => (n !== null && typeof n === 'object' ? (n as Record<symbol, unknown>)[NODE_TYPE] : undefined);
export const isMap = (n: unknown): n is YAMLMap => tagOf(n) === MAP;
export const isSeq = (n: unknown): n is YAMLSeq => tagOf(n) === SEQ;
export const isScalar = (n: unknown): n is Scalar => tagOf(n) === SCALAR;

/** 1-based line and column of `offset` given the offsets where lines start (yaml's LineCounter.linePos). */
export function linePos(lineStarts: readonly number[], offset: number): { line: number; col: number } {
  let low = 0;
  let high = lineStarts.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (lineStarts[mid] < offset) low = mid + 1;
    else high = mid;
  }
  if (lineStarts[low] === offset) return { line: low + 1, col: 1 };
  if (low === 0) return { line: 0, col: offset };
  return { line: low, col: offset - lineStarts[low - 1] + 1 };
}

let yaml: typeof Yaml | undefined;

/** The `yaml` package, loaded on first use (it is CommonJS, so a synchronous require serves sync callers). */
export function loadYaml(): typeof Yaml {
  yaml ??= createRequire(import.meta.url)('yaml') as typeof Yaml;
  return yaml;
}
