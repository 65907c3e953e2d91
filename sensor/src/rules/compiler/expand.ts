// Macro and list expansion on the AST. Macros resolve with Falco's visibility (a macro sees the macros defined
// before it; a rule sees all) and are expanded once each, then shared. Lists follow Falco's textual substitution
// (rule_loader_compiler resolve_list): a *bare* value equal to a list name becomes the list's items — inside `( )`
// lists they are spliced, as a single value (`proc.name=my_list`) the one item; quoted values are never lists.
import type { BinaryCheck, Expr, ListNode, NodeBase, ValueNode } from '../parser/ast.js';
import { LIST_OPERATORS, unescape } from '../parser/parser.js';

export class CompileError extends Error {
  constructor(
    message: string,
    readonly node: NodeBase | undefined,
    /** Falco's code for it: syntax/type errors are LOAD_ERR_COMPILE_CONDITION, undefined macros LOAD_ERR_VALIDATE. */
    readonly loadCode: 'LOAD_ERR_COMPILE_CONDITION' | 'LOAD_ERR_VALIDATE' = 'LOAD_ERR_COMPILE_CONDITION',
    /** An unknown field or event type: downgraded to LOAD_UNKNOWN_FILTER under skip-if-unknown-filter. */
    readonly unknownFilter = false,
  ) {
    super(message);
    this.name = 'CompileError';
  }
}

export interface MacroDef {
  readonly name: string;
  /** Parsed condition, or undefined when it failed to parse (the error is reported at the macro). */
  readonly ast: Expr | undefined;
  /** Names of the macros this macro may reference (those defined before it). */
  readonly visible: (name: string) => boolean;
}

export interface ExpandEnv {
  readonly macros: ReadonlyMap<string, MacroDef>;
  /** List name → raw items (already including nested lists' items, Falco compile_list_infos). */
  readonly lists: ReadonlyMap<string, readonly string[]>;
  readonly usedMacros: Set<string>;
  readonly usedLists: Set<string>;
}

/** Expands macros and lists in a rule's condition (all macros visible). */
export function expandCondition(ast: Expr, env: ExpandEnv, cache: Map<string, Expr>): Expr {
  return new Expander(env, cache).expr(ast, () => true, []);
}

/**
 * Resolves one macro (its references, with its own visibility), used by a rule or not, as Falco's
 * compile_macros_infos does for every macro: an undefined reference is a load error either way. Throws CompileError.
 */
export function resolveMacro(name: string, env: ExpandEnv, cache: Map<string, Expr>): void {
  const m = env.macros.get(name);
  if (m?.ast === undefined || cache.has(name)) return;
  cache.set(name, new Expander(env, cache).expr(m.ast, m.visible, [name]));
}

class Expander {
  constructor(private readonly env: ExpandEnv, private readonly cache: Map<string, Expr>) {}

  expr(e: Expr, visible: (name: string) => boolean, stack: readonly string[]): Expr {
    switch (e.kind) {
      case 'and':
      case 'or': return { ...e, children: e.children.map((c) => this.expr(c, visible, stack)) };
      case 'not': return { ...e, child: this.expr(e.child, visible, stack) };
      case 'unary': return e;
      case 'binary': return this.binary(e);
      case 'ident': return this.macro(e.name, e, visible, stack);
    }
  }

  private macro(name: string, at: NodeBase, visible: (name: string) => boolean, stack: readonly string[]): Expr {
    const m = this.env.macros.get(name);
    if (m === undefined || !visible(name)) throw new CompileError(`Undefined macro '${name}' used in filter.`, at, 'LOAD_ERR_VALIDATE');
    if (stack.includes(name)) throw new CompileError(`Macro '${name}' references itself (${[...stack, name].join(' -> ')})`, at, 'LOAD_ERR_VALIDATE');
    this.env.usedMacros.add(name);
    const cached = this.cache.get(name);
    if (cached !== undefined) return cached;
    if (m.ast === undefined) throw new CompileError(`Macro '${name}' has an invalid condition`, at, 'LOAD_ERR_VALIDATE');
    const out = this.expr(m.ast, m.visible, [...stack, name]);
    this.cache.set(name, out);
    return out;
  }

  private binary(e: BinaryCheck): Expr {
    const r = e.right;
    if (r.kind === 'list') {
      const items = this.spliceLists(r.items, []);
      return items === r.items ? e : { ...e, right: { ...r, items } as ListNode };
    }
    if (r.kind !== 'value' || !r.bare || !this.env.lists.has(r.value)) return e;
    const values = this.listValues(r, []);
    if (LIST_OPERATORS.includes(e.op)) return { ...e, right: { kind: 'list', items: values, pos: r.pos, src: r.src } };
    if (values.length !== 1) {
      throw new CompileError(`list '${r.value}' has ${values.length} items and cannot be the single value of operator '${e.op}'`, r);
    }
    return { ...e, right: values[0] };
  }

  private spliceLists(items: readonly ValueNode[], stack: readonly string[]): readonly ValueNode[] {
    if (!items.some((i) => i.bare && this.env.lists.has(i.value))) return items;
    const out: ValueNode[] = [];
    for (const i of items) {
      if (i.bare && this.env.lists.has(i.value)) out.push(...this.listValues(i, stack));
      else out.push(i);
    }
    return out;
  }

  /** A list's items as value nodes placed where the list name was written. */
  private listValues(at: ValueNode, stack: readonly string[]): ValueNode[] {
    const name = at.value;
    if (stack.includes(name)) return [];
    this.env.usedLists.add(name);
    const out: ValueNode[] = [];
    for (const raw of this.env.lists.get(name)!) {
      const v = itemValue(raw);
      if (v.bare && this.env.lists.has(v.value) && v.value !== name) {
        out.push(...this.listValues({ ...at, value: v.value }, [...stack, name]));
      } else out.push({ kind: 'value', value: v.value, bare: v.bare, pos: at.pos, src: at.src });
    }
    return out;
  }
}

/**
 * A list item as Falco reads it after substitution: an item already in quotes is a quoted string (unescaped),
 * anything else is taken as written (Falco quotes items with spaces, so they stay one value).
 */
export function itemValue(raw: string): { value: string; bare: boolean } {
  const q = raw.charCodeAt(0);
  if ((q === 34 || q === 39) && raw.length >= 2 && raw.charCodeAt(raw.length - 1) === q) {
    try { return { value: unescape(raw), bare: false }; } catch { return { value: raw, bare: false }; }
  }
  return { value: raw, bare: !raw.includes(' ') };
}
