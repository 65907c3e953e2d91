// Type-checks an expanded condition and turns it into one JavaScript function (HOUSE-STYLE 8): field references
// become hoisted BoundFields read through ctx.value (cached per event), operators emit their test through the
// `js` template, regexes/Sets/glob and prefix matchers are hoisted constants, and `new Function` builds it once.
import type { FieldContext } from '../fields/context.js';
import { FieldError, type BoundField } from '../fields/types.js';
import type { FieldRegistry } from '../fields/registry.js';
import type { BinaryCheck, Expr, FieldOperand, NodeBase, ValueNode } from '../parser/ast.js';
import { operandText } from '../parser/ast.js';
import { printCondition } from '../parser/print.js';
import { operator, OperatorError, convertLiteral, type TypeClass, type Typed } from '../operators/index.js';
import { Hoist, ident, join, js, type Code } from './js.js';
import { CompileError } from './expand.js';
import { eventIdsOf, evtTypeTest } from './evttypes.js';
import { staticEventTypeName } from '../fields/evt.js';
import { CLASS_WORDS, transformer, typeClass } from './transformers.js';

/** libsinsp's comparison class of a field type. */
export interface EmitWarning { readonly message: string; readonly node: NodeBase; readonly code: 'LOAD_UNSAFE_NA_CHECK' }

export interface EmittedCondition {
  readonly match: (ctx: FieldContext) => boolean;
  /** The generated source (what `--dump-js` prints). */
  readonly js: string;
  readonly fields: readonly BoundField[];
  readonly warnings: readonly EmitWarning[];
}

interface Operand { readonly code: Code; readonly cls: TypeClass; readonly multi: boolean }

const anyOf = (v: unknown, p: (x: unknown) => boolean): boolean => (Array.isArray(v) ? v.some(p) : p(v));
const allOf = (v: unknown, p: (x: unknown) => boolean): boolean => (Array.isArray(v) ? v.every(p) : p(v));

/**
 * `types`: the event types the condition will only ever be judged on (the engine dispatches by type). An
 * `evt.type` test among the top-level conjuncts that every one of those types passes is then left out of the
 * generated code (it is still checked and compiled, so errors and warnings stay the same).
 */
export function emitCondition(ast: Expr, registry: FieldRegistry, types?: ReadonlySet<number>): EmittedCondition {
  const e = new Emitter(registry);
  const body = types !== undefined ? e.conjunction(ast, types) : e.expr(ast);
  const consts = e.hoist.values.map((_, i) => `const H${i} = H[${i}];`).join('\n');
  const preds = e.predicates.map((p, i) => `const P${i} = (x) => ${p.text};`).join('\n');
  // Each field is read through ctx.value once per call and kept in a local (V<n>, U = not read yet): a rule
  // names the same field many times (proc.name in a dozen exceptions), and a local is far cheaper than a call.
  const source = `"use strict";\nconst U = Symbol("unread");\n${consts}\n${preds}\nreturn function match(ctx) {\n  ${e.declarations()}\n  return ${body.text};\n};`;
  // The source is built only from compiler identifiers and JSON literals (see js.ts); H holds the hoisted values.
  // It becomes a function on the first call: the engine judges loaded rules through their event type's group
  // function (group.ts), so most rules' own functions are never called, and parsing them would slow every start.
  const hoisted = e.hoist.values;
  let compiled: ((ctx: FieldContext) => boolean) | undefined;
  const match = (ctx: FieldContext): boolean => (compiled ??= new Function('H', source)(hoisted) as (ctx: FieldContext) => boolean)(ctx);
  return { match, js: source, fields: e.fields, warnings: e.warnings };
}

/**
 * What a group of conditions judged together shares (compiler/group.ts): the event types every event they see
 * has, and how often each subexpression occurs among them (by exprKey; a repeated one is computed once per call).
 */
export interface Sharing {
  readonly types: ReadonlySet<number>;
  readonly counts: ReadonlyMap<string, number>;
}

const KEYS = new WeakMap<Expr, string>();
/**
 * A text naming what a subexpression computes (the printed condition): equal keys mean equal results on any
 * event. Remembered per node, so macro bodies shared by many rules are printed once.
 */
export function exprKey(e: Expr): string {
  let k = KEYS.get(e);
  if (k !== undefined) return k;
  switch (e.kind) {
    case 'and': case 'or': k = `(${e.children.map(exprKey).join(` ${e.kind} `)})`; break;
    case 'not': k = `not ${exprKey(e.child)}`; break;
    default: k = printCondition(e);
  }
  KEYS.set(e, k);
  return k;
}

/** Operators whose test costs more than a comparison: worth remembering when a leaf repeats. */
const COSTLY_OPS = new Set(['regex', 'glob', 'iglob', 'pmatch', 'icontains', 'contains', 'bcontains', 'intersects']);

/**
 * Counts, into `counts`, the subexpressions of `e` that the shared emitter may remember: composite nodes and
 * costly leaves. A repeated node's children are counted once (the node itself is computed once).
 */
export function countSubexpressions(e: Expr, counts: Map<string, number>): void {
  const composite = e.kind === 'and' || e.kind === 'or' || e.kind === 'not';
  if (!composite && !(e.kind === 'binary' && (COSTLY_OPS.has(e.op) || e.left.kind === 'transform'))) return;
  const key = exprKey(e);
  const n = counts.get(key) ?? 0;
  counts.set(key, n + 1);
  if (n > 0) return;
  if (e.kind === 'not') countSubexpressions(e.child, counts);
  else if (e.kind === 'and' || e.kind === 'or') for (const c of e.children) countSubexpressions(c, counts);
}

const TRUE = js`true`;
const FALSE = js`false`;

/** The constant value of an `evt.type` test on every event of `types`, when they all agree (never for generic events). */
function typeTestValue(e: Expr, types: ReadonlySet<number>): boolean | undefined {
  const test = evtTypeTest(e);
  // `intersects` is left alone: its meaning for a single-valued field is not an equality test.
  if (test === undefined || test.op === 'intersects' || types.size === 0) return undefined;
  let value: boolean | undefined;
  for (const id of types) {
    const name = staticEventTypeName(id);
    if (name === undefined) return undefined;
    const v = test.names.includes(name) === test.positive;
    if (value !== undefined && v !== value) return undefined;
    value = v;
  }
  return value;
}

export class Emitter {
  readonly hoist = new Hoist();
  readonly predicates: Code[] = [];
  readonly fields: BoundField[] = [];
  readonly warnings: EmitWarning[] = [];
  /** Locals holding a field's value within one call of match, by hoisted field identifier. */
  readonly locals: Code[] = [];
  private readonly localOf = new Map<string, Code>();
  /** Locals remembering a repeated subexpression within one call (0 = not yet, 1 = true, 2 = false). */
  readonly memos: Code[] = [];
  private readonly memoOf = new Map<string, Code>();

  constructor(private readonly registry: FieldRegistry, private readonly sharing?: Sharing) {}

  /** The source of the `let` declarations of the generated function's locals. */
  declarations(): string {
    return `let x, y${this.locals.map((v) => `, ${v.text} = U`).join('')}${this.memos.map((m) => `, ${m.text} = 0`).join('')};`;
  }

  /** Like expr, leaving out top-level `evt.type` conjuncts that hold for every event of `types`. */
  conjunction(e: Expr, types: ReadonlySet<number>): Code {
    if (e.kind !== 'and') { const c = this.expr(e); return typeTestValue(e, types) === true ? js`true` : c; }
    const kept: Code[] = [];
    for (const child of e.children) {
      const c = child.kind === 'and' ? this.conjunction(child, types) : this.expr(child);
      if (typeTestValue(child, types) !== true) kept.push(c);
    }
    return kept.length === 0 ? js`true` : js`(${join(kept, ' && ')})`;
  }

  expr(e: Expr): Code {
    const sharing = this.sharing;
    if (sharing === undefined) return this.node(e);
    const constant = typeTestValue(e, sharing.types);
    if (constant !== undefined) return constant ? TRUE : FALSE;
    const key = exprKey(e);
    if ((sharing.counts.get(key) ?? 0) < 2) return this.node(e);
    let memo = this.memoOf.get(key);
    if (memo === undefined) {
      const inner = this.node(e);
      if (inner === TRUE || inner === FALSE) return inner;
      const m = ident(`M${this.memos.length}`);
      this.memos.push(m);
      memo = js`((${m} === 0 ? (${m} = ${inner} ? 1 : 2) : ${m}) === 1)`;
      this.memoOf.set(key, memo);
    }
    return memo;
  }

  /** One node; `and`/`or`/`not` over constant children fold (type tests of a group can make them constant). */
  private node(e: Expr): Code {
    switch (e.kind) {
      case 'and': case 'or': {
        const absorbing = e.kind === 'and' ? FALSE : TRUE;
        const neutral = e.kind === 'and' ? TRUE : FALSE;
        const kept: Code[] = [];
        for (const c of e.children) {
          const code = this.expr(c);
          if (code === absorbing) return absorbing;
          if (code !== neutral) kept.push(code);
        }
        if (kept.length === 0) return neutral;
        if (kept.length === 1) return kept[0];
        return js`(${join(kept, e.kind === 'and' ? ' && ' : ' || ')})`;
      }
      case 'not': {
        const c = this.expr(e.child);
        return c === TRUE ? FALSE : c === FALSE ? TRUE : js`!${c}`;
      }
      case 'ident': throw new CompileError(`Undefined macro '${e.name}' used in filter.`, e, 'LOAD_ERR_VALIDATE');
      case 'unary': {
        const left = this.operand(e.left);
        return js`(${left.code} !== undefined)`;
      }
      case 'binary': return this.binary(e);
    }
  }

  private binary(e: BinaryCheck): Code {
    const op = operator(e.op);
    if (op === undefined) throw new CompileError(`unknown operator '${e.op}'`, e);
    const left = this.operand(e.left);
    if (!op.accepts.includes(left.cls)) {
      throw new CompileError(`'${e.op}' operator not supported for ${CLASS_WORDS[left.cls]} filters (field ${operandText(e.left)})`, e);
    }
    const x = ident('x');
    const r = e.right;
    if (r.kind === 'transform' || r.kind === 'field') {
      const right = r.kind === 'transform' && r.fn === 'val' ? this.operand(r.arg) : this.operand(r);
      if (op.emitDynamic === undefined) throw new CompileError(`operator '${e.op}' cannot compare with another field`, r);
      const compatible = right.cls === left.cls || (isText(right.cls) && isText(left.cls));
      if (!compatible) throw new CompileError(`cannot compare ${CLASS_WORDS[left.cls]} field ${operandText(e.left)} with ${CLASS_WORDS[right.cls]} field ${operandText(r)}`, r);
      const y = ident('y');
      return js`((${x} = ${left.code}) !== undefined && (${y} = ${right.code}) !== undefined && ${op.emitDynamic(x, y, left.cls)})`;
    }
    const nodes: readonly ValueNode[] = r.kind === 'list' ? r.items : [r];
    if (op.rhs === 'scalar' && nodes.length !== 1) throw new CompileError(`operator '${e.op}' takes one value`, r);
    for (const n of nodes) {
      if (n.value === '<NA>') this.warnings.push({ code: 'LOAD_UNSAFE_NA_CHECK', message: 'comparing a field value with <NA> is unsafe and can lead to unpredictable behavior of the rule condition', node: n });
    }
    if (e.left.kind === 'field' && e.left.name === 'evt.type' && (op.name === '=' || op.name === '!=' || op.name === 'in' || op.name === 'intersects')) {
      for (const n of nodes) if (eventIdsOf(n.value) === undefined) throw new CompileError(`unknown event type ${n.value}`, n, 'LOAD_ERR_COMPILE_CONDITION', true);
    }
    const raw = nodes.map((n) => n.value);
    const values: Typed[] = [];
    for (const n of nodes) {
      try {
        values.push(op.rawValues === true ? n.value : convertLiteral(left.cls, n.value));
      } catch (err) {
        if (err instanceof OperatorError) throw new CompileError(`${err.message} (field ${operandText(e.left)})`, n);
        throw err;
      }
    }
    let test: Code;
    try {
      test = op.emit({ x, cls: left.cls, values, raw, hoist: this.hoist });
    } catch (err) {
      if (err instanceof OperatorError) throw new CompileError(err.message, r);
      throw err;
    }
    if (!left.multi) return js`((${x} = ${left.code}) !== undefined && ${test})`;
    const pred = ident(`P${this.predicates.length}`);
    this.predicates.push(test);
    const combine = this.hoist.add(op.multi === 'all' ? allOf : anyOf, op.multi === 'all' ? 'fn:allOf' : 'fn:anyOf');
    return js`((${x} = ${left.code}) !== undefined && ${combine}(${x}, ${pred}))`;
  }

  private operand(f: FieldOperand): Operand {
    if (f.kind === 'field') {
      const text = f.arg === undefined ? f.name : `${f.name}[${f.arg}]`;
      let bound: BoundField;
      try {
        bound = this.registry.bind(text, f.pos);
      } catch (err) {
        if (err instanceof FieldError) {
          if (err.code === 'EFIELD_UNKNOWN') throw new CompileError(`filter_check called with nonexistent field ${f.name}`, f, 'LOAD_ERR_COMPILE_CONDITION', true);
          throw new CompileError(err.message.replace(/ at position \d+| \(at position \d+\)/, ''), f);
        }
        throw err;
      }
      if (!this.fields.some((b) => b.key === bound.key)) this.fields.push(bound);
      const anyOf = bound.arg === undefined ? bound.def.anyOfWithoutArg : undefined;
      if (anyOf !== undefined) {
        const fn = this.hoist.add(anyOf, `any:${bound.key}`);
        return { code: js`${fn}(ctx)`, cls: typeClass(bound.def.type), multi: true };
      }
      const id = this.hoist.add(bound, `field:${bound.key}`);
      let v = this.localOf.get(id.text);
      if (v === undefined) { v = ident(`V${this.locals.length}`); this.locals.push(v); this.localOf.set(id.text, v); }
      // A group function (compiler/group.ts) is the only reader of the event's fields until a rule matches, and
      // its locals already keep each value: it calls the extractor itself, past the context's per-event cache.
      const read = this.sharing === undefined ? js`ctx.value(${id})`
        : js`${this.hoist.add(bound.def.extract, `extract:${bound.key}`)}(ctx, ${this.hoist.add(bound.arg, `arg:${bound.key}`)})`;
      return { code: js`(${v} === U ? (${v} = ${read}) : ${v})`, cls: typeClass(bound.def.type), multi: bound.def.filterOnly === true };
    }
    if (f.fn === 'val') throw new CompileError("'val' can only be used on the right side of a comparison", f);
    const t = transformer(f.fn);
    if (t === undefined) throw new CompileError(`unknown transformer '${f.fn}'`, f);
    const inner = this.operand(f.arg);
    if (!t.accepts.includes(inner.cls)) throw new CompileError(`transformer '${f.fn}' is not supported on ${CLASS_WORDS[inner.cls]} field ${operandText(f.arg)}`, f);
    const id = this.hoist.add(t.apply, `transformer:${t.name}`);
    return { code: js`${id}(${inner.code})`, cls: t.out, multi: t.name === 'len' ? false : inner.multi };
  }
}

function isText(c: TypeClass): boolean { return c === 'string' || c === 'buffer'; }
