// The condition AST (libsinsp filter/ast.h shapes): every node carries `pos`, the character offset in the text
// it was parsed from, and `src`, that text's SourceText, so errors anywhere after macro expansion can say file:line:col.
import type { SourceText } from './source.js';

export interface NodeBase { readonly pos: number; readonly src: SourceText }

export interface AndExpr extends NodeBase { readonly kind: 'and'; readonly children: readonly Expr[] }
export interface OrExpr extends NodeBase { readonly kind: 'or'; readonly children: readonly Expr[] }
export interface NotExpr extends NodeBase { readonly kind: 'not'; readonly child: Expr }
/** A bare identifier: a macro reference. */
export interface IdentExpr extends NodeBase { readonly kind: 'ident'; readonly name: string }
export interface UnaryCheck extends NodeBase { readonly kind: 'unary'; readonly left: FieldOperand; readonly op: 'exists' }
export interface BinaryCheck extends NodeBase {
  readonly kind: 'binary';
  readonly left: FieldOperand;
  readonly op: string;
  readonly right: ValueNode | ListNode | FieldOperand;
}
export type Expr = AndExpr | OrExpr | NotExpr | IdentExpr | UnaryCheck | BinaryCheck;

/** `proc.aname[2]`: name as written, arg without brackets (unescaped when quoted). */
export interface FieldNode extends NodeBase { readonly kind: 'field'; readonly name: string; readonly arg: string | undefined }
/** `tolower(proc.name)`, `val(proc.pname)`: a transformer applied to a field or another transformer. */
export interface TransformNode extends NodeBase { readonly kind: 'transform'; readonly fn: string; readonly arg: FieldOperand }
export type FieldOperand = FieldNode | TransformNode;

/** A literal: `bare` ones (not quoted) may name a list and are expanded like Falco's textual list substitution. */
export interface ValueNode extends NodeBase { readonly kind: 'value'; readonly value: string; readonly bare: boolean }
export interface ListNode extends NodeBase { readonly kind: 'list'; readonly items: readonly ValueNode[] }

/** The text of a field operand as written (`tolower(proc.aname[2])`), for messages and the expanded condition. */
export function operandText(f: FieldOperand): string {
  if (f.kind === 'field') return f.arg === undefined ? f.name : `${f.name}[${f.arg}]`;
  return `${f.fn}(${operandText(f.arg)})`;
}
