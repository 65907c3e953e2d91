// Prints an AST back as condition text (the expanded condition of --dump and messages). Values are quoted when
// they would not read back as one bare string.
import { operandText, type Expr, type ValueNode } from './ast.js';

const BARE = /^[^()"'\s=,]+$/;

function value(v: ValueNode): string {
  return BARE.test(v.value) ? v.value : JSON.stringify(v.value);
}

export function printCondition(e: Expr): string {
  switch (e.kind) {
    case 'and': return e.children.map((c) => wrap(c, 'and')).join(' and ');
    case 'or': return e.children.map((c) => wrap(c, 'or')).join(' or ');
    case 'not': return `not ${wrap(e.child, 'not')}`;
    case 'ident': return e.name;
    case 'unary': return `${operandText(e.left)} exists`;
    case 'binary': {
      const r = e.right;
      const rhs = r.kind === 'list' ? `(${r.items.map(value).join(', ')})` : r.kind === 'value' ? value(r) : operandText(r);
      return `${operandText(e.left)} ${e.op} ${rhs}`;
    }
  }
}

function wrap(e: Expr, parent: 'and' | 'or' | 'not'): string {
  const s = printCondition(e);
  if (e.kind === 'or' || (e.kind === 'and' && parent !== 'or')) return `(${s})`;
  if (e.kind === 'and' && parent === 'or') return `(${s})`;
  return s;
}
