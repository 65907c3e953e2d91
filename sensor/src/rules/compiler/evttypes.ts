// Event-type inference (Falco filter_evttype_resolver): which event ids a condition can match. `evt.type = x` /
// `in (...)` give x's ids (every direction and version, as libsinsp's index does; syscalls without their own
// event map to the generic events); `!=` gives the rest; any other check gives every type. `and` intersects,
// `or` unites; `not` flips the expectation so and/or swap (De Morgan), never excluding a type the rule can match.
import { EVENTS, PPM_EVENT_MAX } from '../../schema/index.js';
import { ppmScName } from '../../decode/names.js';
import type { Expr } from '../parser/ast.js';

const BY_NAME = new Map<string, number[]>();
for (const e of EVENTS) {
  if (e.unused) continue;
  let ids = BY_NAME.get(e.name);
  if (ids === undefined) BY_NAME.set(e.name, (ids = []));
  ids.push(e.id);
}
const GENERIC = EVENTS.filter((e) => e.code === 'PPME_GENERIC_E' || e.code === 'PPME_GENERIC_X').map((e) => e.id);
/** The generic events' ids: one event id for every syscall without an event of its own (evt.type is its name). */
export const GENERIC_EVENT_IDS: readonly number[] = GENERIC;
for (let sc = 1; ; sc++) {
  const name = ppmScName(sc);
  if (name === '<unknown>') break;
  if (name !== '' && !BY_NAME.has(name)) BY_NAME.set(name, GENERIC);
}

/** Event ids for an `evt.type` value, or undefined when no event or syscall has that name. */
export function eventIdsOf(name: string): readonly number[] | undefined { return BY_NAME.get(name); }

/** Every event id (the universe a condition without evt.type constraints matches). */
export const ALL_EVENT_IDS: readonly number[] = Array.from({ length: PPM_EVENT_MAX }, (_, i) => i);

type IdSet = Set<number>;

/**
 * Sets of event ids as byte masks over PPM_EVENT_MAX, with null for "every type": most nodes of an expanded
 * condition do not test evt.type, and they cost nothing to combine.
 */
type Mask = Uint8Array | null;

/** The event types the (expanded) condition can match; `size === PPM_EVENT_MAX` means all. */
export function inferEventTypes(e: Expr): IdSet {
  const mask = visit(e, true);
  if (mask === null) return new Set(ALL_EVENT_IDS);
  const out = new Set<number>();
  for (let id = 0; id < mask.length; id++) if (mask[id] === 1) out.add(id);
  return out;
}

/**
 * An `evt.type` test on literal names (`=`, `==`, `in`, `intersects` want the names; `!=` excludes them), or
 * undefined for any other check.
 */
export function evtTypeTest(e: Expr): { positive: boolean; names: string[]; op: string } | undefined {
  if (e.kind !== 'binary' || e.left.kind !== 'field' || e.left.name !== 'evt.type') return undefined;
  const op = e.op;
  const positive = op === '=' || op === '==' || op === 'in' || op === 'intersects';
  if (!positive && op !== '!=') return undefined;
  const r = e.right;
  const names = r.kind === 'list' ? r.items.map((i) => i.value) : r.kind === 'value' ? [r.value] : undefined;
  return names === undefined ? undefined : { positive, names, op };
}

function visit(e: Expr, expect: boolean): Mask {
  switch (e.kind) {
    case 'and':
    case 'or': {
      const intersect = (e.kind === 'and') === expect;
      let acc: Mask = visit(e.children[0], expect);
      for (let i = 1; i < e.children.length; i++) {
        const next = visit(e.children[i], expect);
        if (intersect) {
          // all ∩ X = X
          if (acc === null) acc = next;
          else if (next !== null) for (let id = 0; id < acc.length; id++) acc[id] &= next[id];
        } else {
          // all ∪ X = all
          if (acc === null || next === null) acc = null;
          else for (let id = 0; id < acc.length; id++) acc[id] |= next[id];
        }
      }
      return acc;
    }
    case 'not': return visit(e.child, !expect);
    case 'binary': {
      const test = evtTypeTest(e);
      if (test === undefined) return null;
      const { positive, names } = test;
      const ids = new Uint8Array(PPM_EVENT_MAX);
      for (const n of names) for (const id of eventIdsOf(n) ?? []) ids[id] = 1;
      if (positive === expect) return ids;
      for (let id = 0; id < ids.length; id++) ids[id] ^= 1;
      return ids;
    }
    default: return null;
  }
}
