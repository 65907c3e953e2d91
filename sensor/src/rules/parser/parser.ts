// Parses a Falco condition into an AST with a position on every node. It follows libsinsp's
// filter/parser.{h,cpp} grammar and lexemes, so what Falco accepts we accept, and errors name the same tokens.
//
// Grammar (EBNF; precedence or < and < not):
//   Expr               ::= OrExpr
//   OrExpr             ::= AndExpr ('or' (Blank AndExpr | '(' Expr ')'))*
//   AndExpr            ::= NotExpr ('and' (Blank NotExpr | '(' Expr ')'))*
//   NotExpr            ::= ('not' Blank)* ('not(' Expr ')' | Check)
//   Check              ::= '(' Expr ')' | Field Condition | Transformer Condition | Identifier
//   Transformer        ::= TransformerName '(' (Transformer | Field) ')'
//   TransformerName    ::= 'tolower' | 'toupper' | 'b64' | 'basename' | 'len'
//   ValTransformer     ::= 'val(' Field ')'
//   Condition          ::= 'exists'
//                        | NumOperator (NumValue | Transformer | ValTransformer)
//                        | StrOperator (StrValue | Transformer | ValTransformer)
//                        | ListOperator (ListValue | Transformer | ValTransformer)
//   ListValue          ::= '(' (StrValue (',' StrValue)*)? ')' | Identifier
//   Field              ::= FieldName ('[' (QuotedStr | FieldArgBareStr) ']')?
//   NumValue           ::= HexNumber | Number
//   StrValue           ::= QuotedStr | BareStr
//   NumOperator        ::= '<=' | '<' | '>=' | '>'
//   StrOperator        ::= '==' | '=' | '!=' | ('glob' | 'iglob' | 'contains' | 'icontains' | 'bcontains'
//                          | 'startswith' | 'bstartswith' | 'endswith' | 'regex') Blank
//   ListOperator       ::= 'intersects' | 'in' | 'pmatch'
// Tokens:
//   Blank              ::= [ \t\b\r\n]+
//   Identifier         ::= [a-zA-Z]+[a-zA-Z0-9_]*
//   FieldName          ::= [a-zA-Z]+[a-zA-Z0-9_]*(\.[a-zA-Z]+[a-zA-Z0-9_]*)+
//   FieldArgBareStr    ::= [^][\"' \t\b\r\n]+
//   HexNumber          ::= 0[xX][0-9a-zA-Z]+
//   Number             ::= [+\-]?[0-9]+[\.]?[0-9]*([eE][+\-][0-9]+)?
//   QuotedStr          ::= "(\\"|.)*?" | '(\\'|.)*?'     (escapes: \b \f \n \r \t \\ \/ \" \' and '\ ' as libsinsp)
//   BareStr            ::= [^()\"' \t\b\r\n=,]+
// Recursion is capped at MAX_DEPTH (Falco sets 1000 for rule conditions).
import type { Expr, FieldNode, FieldOperand, ListNode, TransformNode, ValueNode } from './ast.js';
import { SourceText } from './source.js';

export const MAX_DEPTH = 1000;

export const TRANSFORMERS = ['tolower', 'toupper', 'b64', 'basename', 'len'] as const;
const UNARY_OPS = ['exists'];
const NUM_OPS = ['<=', '<', '>=', '>'];
const STR_SYMBOL_OPS = ['==', '=', '!='];
const STR_WORD_OPS = ['glob', 'iglob', 'contains', 'icontains', 'bcontains', 'startswith', 'bstartswith', 'endswith', 'regex'];
const LIST_OPS = ['intersects', 'in', 'pmatch'];

/** Every operator the grammar knows, as written in conditions. */
export const ALL_OPERATORS: readonly string[] = [...UNARY_OPS, ...NUM_OPS, ...STR_SYMBOL_OPS, ...STR_WORD_OPS, ...LIST_OPS];
export const LIST_OPERATORS: readonly string[] = LIST_OPS;

export class ConditionSyntaxError extends Error {
  readonly code = 'ECOND_SYNTAX';
  constructor(message: string, readonly pos: number) {
    super(message);
    this.name = 'ConditionSyntaxError';
  }
}

const isBlank = (c: number): boolean => c === 32 || c === 9 || c === 8 || c === 13 || c === 10;
const isAlpha = (c: number): boolean => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const isIdentChar = (c: number): boolean => isAlpha(c) || isDigit(c) || c === 95;
/** BareStr excludes ( ) " ' blanks = , */
const isBareChar = (c: number): boolean => !(c === 40 || c === 41 || c === 34 || c === 39 || c === 61 || c === 44 || isBlank(c) || Number.isNaN(c));
/** FieldArgBareStr excludes [ ] " ' blanks */
const isArgBareChar = (c: number): boolean => !(c === 91 || c === 93 || c === 34 || c === 39 || isBlank(c) || Number.isNaN(c));

/** Parses `text` (or the text of `src`) into an AST; throws ConditionSyntaxError with the offset of the failure. */
export function parseCondition(text: string | SourceText): Expr {
  const src = typeof text === 'string' ? new SourceText(text) : text;
  return new Parser(src).parse();
}

class Parser {
  private i = 0;
  private depth = 0;
  private last = '';
  private readonly s: string;

  constructor(private readonly src: SourceText) { this.s = src.text; }

  parse(): Expr {
    if (this.s.length === 0) throw new ConditionSyntaxError('filter input string is empty', 0);
    const e = this.parseOr();
    if (this.i !== this.s.length) throw this.error(`unexpected token after '${this.last}', expecting 'or', 'and'`);
    return e;
  }

  private error(msg: string, at = this.i): ConditionSyntaxError { return new ConditionSyntaxError(msg, at); }

  private enter(): void {
    if (++this.depth >= MAX_DEPTH) throw this.error(`exceeded max depth limit of ${MAX_DEPTH}`);
  }

  private parseOr(): Expr {
    this.enter();
    const pos = this.i;
    this.blank();
    const children: Expr[] = [this.parseAnd()];
    this.blank();
    while (this.word('or')) {
      if (!this.blank()) {
        if (this.str('(')) children.push(this.parseEmbedded());
        else throw this.error("expected blank or '(' after 'or'");
      } else children.push(this.parseAnd());
      this.blank();
    }
    this.depth--;
    return children.length > 1 ? { kind: 'or', children, pos, src: this.src } : children[0];
  }

  private parseAnd(): Expr {
    this.enter();
    const pos = this.i;
    this.blank();
    const children: Expr[] = [this.parseNot()];
    this.blank();
    while (this.word('and')) {
      if (!this.blank()) {
        if (this.str('(')) children.push(this.parseEmbedded());
        else throw this.error("expected blank or '(' after 'and'");
      } else children.push(this.parseNot());
      this.blank();
    }
    this.depth--;
    return children.length > 1 ? { kind: 'and', children, pos, src: this.src } : children[0];
  }

  private parseNot(): Expr {
    this.enter();
    const pos = this.i;
    this.blank();
    let negate = false;
    // 'not' followed by at least one blank
    while (this.s.startsWith('not', this.i) && isBlank(this.s.charCodeAt(this.i + 3))) {
      this.i += 3;
      this.blank();
      this.last = 'not';
      negate = !negate;
    }
    let child: Expr;
    if (this.s.startsWith('not(', this.i)) {
      this.i += 4;
      this.last = 'not(';
      negate = !negate;
      child = this.parseEmbedded();
    } else child = this.parseCheck();
    this.depth--;
    return negate ? { kind: 'not', child, pos, src: this.src } : child;
  }

  /** The rest of a parenthesised expression, after its '('. */
  private parseEmbedded(): Expr {
    this.enter();
    this.blank();
    const e = this.parseOr();
    this.blank();
    if (!this.str(')')) throw this.error("expected a ')' token");
    this.depth--;
    return e;
  }

  private parseCheck(): Expr {
    this.enter();
    this.blank();
    const pos = this.i;
    let result: Expr;
    if (this.str('(')) result = this.parseEmbedded();
    else {
      const fieldName = this.fieldName();
      if (fieldName !== undefined) result = this.parseConditionRest(this.parseFieldRest(fieldName, pos), pos);
      else {
        const tr = this.transformerName();
        if (tr !== undefined) result = this.parseConditionRest(this.parseTransformerRest(tr, pos), pos);
        else {
          const id = this.identifier();
          if (id === undefined) throw this.error("expected a '(' token, a field check, or an identifier");
          result = { kind: 'ident', name: id, pos, src: this.src };
        }
      }
    }
    this.depth--;
    return result;
  }

  private parseFieldRest(name: string, pos: number): FieldNode {
    let arg: string | undefined;
    if (this.str('[')) {
      arg = this.quoted() ?? this.argBare();
      if (arg === undefined) throw this.error('expected a valid field argument: a quoted string or a bare string');
      if (!this.str(']')) throw this.error("expected a ']' token");
    }
    return { kind: 'field', name, arg, pos, src: this.src };
  }

  /** After `fn(`: a nested transformer or a field, then ')'. */
  private parseTransformerRest(fn: string, pos: number): TransformNode {
    this.enter();
    this.blank();
    const argPos = this.i;
    let child: FieldOperand | undefined;
    const nested = this.transformerName();
    if (nested !== undefined) child = this.parseTransformerRest(nested, argPos);
    else {
      const f = this.fieldName();
      if (f !== undefined) child = this.parseFieldRest(f, argPos);
    }
    if (child === undefined) throw this.error(`expected a field or a nested valid transformer: ${['val', ...TRANSFORMERS].map((t) => `'${t}'`).join(', ')}`);
    this.blank();
    if (!this.str(')')) throw this.error("expected a ')' token closing the transformer");
    this.depth--;
    return { kind: 'transform', fn, arg: child, pos, src: this.src };
  }

  private parseConditionRest(left: FieldOperand, pos: number): Expr {
    this.enter();
    this.blank();
    let result: Expr;
    if (this.wordOp(UNARY_OPS)) result = { kind: 'unary', left, op: 'exists', pos, src: this.src };
    else {
      const opPos = this.i;
      let op: string | undefined;
      let right: BinaryRight;
      if ((op = this.symbolOp(NUM_OPS)) !== undefined) right = this.numValueOrTransformer();
      else if ((op = this.symbolOp(STR_SYMBOL_OPS) ?? this.wordOpBlank(STR_WORD_OPS)) !== undefined) right = this.strValueOrTransformer(false);
      else if ((op = this.wordOp(LIST_OPS)) !== undefined) right = this.listValueOrTransformer();
      else throw this.error(`expected a valid check operator: one of ${ALL_OPERATORS.map((o) => `'${o}'`).join(', ')}`, opPos);
      result = { kind: 'binary', left, op, right, pos, src: this.src };
    }
    this.depth--;
    return result;
  }

  private numValueOrTransformer(): BinaryRight {
    this.blank();
    const pos = this.i;
    const t = this.tryTransformerOrVal();
    if (t !== undefined) return t;
    const n = this.hexNumber() ?? this.number();
    if (n === undefined) throw this.error(`expected a number value or a field with a valid transformer: ${['val', ...TRANSFORMERS].map((x) => `'${x}'`).join(', ')}`);
    return { kind: 'value', value: n, bare: true, pos, src: this.src };
  }

  private strValueOrTransformer(noTransformer: boolean): ValueNode | FieldOperand {
    this.blank();
    const pos = this.i;
    if (!noTransformer) {
      const t = this.tryTransformerOrVal();
      if (t !== undefined) return t;
    }
    const q = this.quoted();
    if (q !== undefined) return { kind: 'value', value: q, bare: false, pos, src: this.src };
    const b = this.bare();
    if (b !== undefined) return { kind: 'value', value: b, bare: true, pos, src: this.src };
    if (noTransformer) throw this.error('expected a string value');
    throw this.error(`expected a string value or a field with a valid transformer: ${['val', ...TRANSFORMERS].map((x) => `'${x}'`).join(', ')}`);
  }

  private listValueOrTransformer(): BinaryRight {
    this.blank();
    const pos = this.i;
    if (this.str('(')) {
      const items: ValueNode[] = [];
      this.blank();
      const first = this.i;
      let head: ValueNode | FieldOperand | undefined;
      try { head = this.strValueOrTransformer(true); } catch { this.i = first; head = undefined; }
      if (head !== undefined) {
        items.push(head as ValueNode);
        this.blank();
        while (this.str(',')) {
          items.push(this.strValueOrTransformer(true) as ValueNode);
          this.blank();
        }
      }
      if (!this.str(')')) throw this.error("expected a ')' token");
      const list: ListNode = { kind: 'list', items, pos, src: this.src };
      return list;
    }
    const t = this.tryTransformerOrVal();
    if (t !== undefined) return t;
    const id = this.identifier();
    if (id !== undefined) return { kind: 'value', value: id, bare: true, pos, src: this.src };
    throw this.error(`expected a list, an identifier, or a field with a valid transformer: ${['val', ...TRANSFORMERS].map((x) => `'${x}'`).join(', ')}`);
  }

  private tryTransformerOrVal(): FieldOperand | undefined {
    this.blank();
    const pos = this.i;
    if (this.str('val(')) {
      this.blank();
      const fpos = this.i;
      const f = this.fieldName();
      if (f === undefined) throw this.error("expected a field within 'val' transformer");
      const child = this.parseFieldRest(f, fpos);
      this.blank();
      if (!this.str(')')) throw this.error("expected a ')' token closing the transformer");
      return { kind: 'transform', fn: 'val', arg: child, pos, src: this.src };
    }
    const tr = this.transformerName();
    if (tr !== undefined) return this.parseTransformerRest(tr, pos);
    return undefined;
  }

  // ---- lexemes (charCodeAt scanning; each sets `last` on success) ----

  private blank(): boolean {
    const start = this.i;
    while (this.i < this.s.length && isBlank(this.s.charCodeAt(this.i))) this.i++;
    return this.i > start;
  }

  private str(t: string): boolean {
    if (!this.s.startsWith(t, this.i)) return false;
    this.i += t.length;
    this.last = t;
    return true;
  }

  /** A keyword as libsinsp lexes it: the bare characters, no boundary check (the caller checks what follows). */
  private word(w: string): boolean { return this.str(w); }

  private symbolOp(ops: readonly string[]): string | undefined {
    for (const o of ops) if (this.str(o)) return o;
    return undefined;
  }

  /** List and unary operators: libsinsp matches the bare word. */
  private wordOp(ops: readonly string[]): string | undefined {
    for (const o of ops) if (this.str(o)) return o;
    return undefined;
  }

  /** String word operators must be followed by a blank (libsinsp lexes 'contains ' with its space). */
  private wordOpBlank(ops: readonly string[]): string | undefined {
    for (const o of ops) {
      if (this.s.startsWith(o, this.i) && isBlank(this.s.charCodeAt(this.i + o.length))) {
        this.i += o.length;
        this.last = o;
        return o;
      }
    }
    return undefined;
  }

  private identifier(): string | undefined {
    let j = this.i;
    if (!isAlpha(this.s.charCodeAt(j))) return undefined;
    while (j < this.s.length && isIdentChar(this.s.charCodeAt(j))) j++;
    return this.take(j);
  }

  /** FieldName: at least two dot-separated segments, each [a-zA-Z]+[a-zA-Z0-9_]*. */
  private fieldName(): string | undefined {
    let j = this.i;
    let segments = 0;
    for (;;) {
      if (!isAlpha(this.s.charCodeAt(j))) break;
      while (j < this.s.length && isIdentChar(this.s.charCodeAt(j))) j++;
      segments++;
      if (this.s.charCodeAt(j) === 46 /* . */ && isAlpha(this.s.charCodeAt(j + 1))) { j++; continue; }
      break;
    }
    if (segments < 2) return undefined;
    return this.take(j);
  }

  private transformerName(): string | undefined {
    for (const t of TRANSFORMERS) {
      if (this.s.startsWith(t, this.i) && this.s.charCodeAt(this.i + t.length) === 40 /* ( */) {
        this.i += t.length + 1;
        this.last = t + '(';
        return t;
      }
    }
    return undefined;
  }

  private hexNumber(): string | undefined {
    if (this.s.charCodeAt(this.i) !== 48 || (this.s.charCodeAt(this.i + 1) | 32) !== 120) return undefined;
    let j = this.i + 2;
    while (j < this.s.length && (isAlpha(this.s.charCodeAt(j)) || isDigit(this.s.charCodeAt(j)))) j++;
    if (j === this.i + 2) return undefined;
    return this.take(j);
  }

  private number(): string | undefined {
    let j = this.i;
    const c0 = this.s.charCodeAt(j);
    if (c0 === 43 || c0 === 45) j++;
    const digits = j;
    while (isDigit(this.s.charCodeAt(j))) j++;
    if (j === digits) return undefined;
    if (this.s.charCodeAt(j) === 46) { j++; while (isDigit(this.s.charCodeAt(j))) j++; }
    const e = this.s.charCodeAt(j);
    if ((e === 101 || e === 69) && (this.s.charCodeAt(j + 1) === 43 || this.s.charCodeAt(j + 1) === 45) && isDigit(this.s.charCodeAt(j + 2))) {
      j += 2;
      while (isDigit(this.s.charCodeAt(j))) j++;
    }
    return this.take(j);
  }

  private bare(): string | undefined {
    let j = this.i;
    while (j < this.s.length && isBareChar(this.s.charCodeAt(j))) j++;
    return j > this.i ? this.take(j) : undefined;
  }

  private argBare(): string | undefined {
    let j = this.i;
    while (j < this.s.length && isArgBareChar(this.s.charCodeAt(j))) j++;
    return j > this.i ? this.take(j) : undefined;
  }

  /** A quoted string, unescaped; undefined (position unchanged) when there is no closing quote. */
  private quoted(): string | undefined {
    const q = this.s.charCodeAt(this.i);
    if (q !== 34 && q !== 39) return undefined;
    let prev = 92; // a backslash, so the opening quote does not close
    for (let j = this.i; j < this.s.length; j++) {
      const c = this.s.charCodeAt(j);
      if (j > this.i && c === q && prev !== 92) {
        const raw = this.s.slice(this.i, j + 1);
        const start = this.i;
        this.i = j + 1;
        this.last = raw;
        return unescape(raw, start);
      }
      prev = j === this.i ? 0 : c;
    }
    return undefined;
  }

  private take(j: number): string {
    const t = this.s.slice(this.i, j);
    this.i = j;
    this.last = t;
    return t;
  }
}

type BinaryRight = ValueNode | ListNode | FieldOperand;

/** libsinsp unescape_str: strips the quotes and resolves escapes; an unknown escape is an error. */
export function unescape(raw: string, at = 0): string {
  const quote = raw[0];
  let out = '';
  let escaped = false;
  for (let i = 1; i < raw.length - 1; i++) {
    const ch = raw[i];
    if (!escaped) {
      if (ch === '\\') escaped = true;
      else out += ch;
      continue;
    }
    switch (ch) {
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 't': out += '\t'; break;
      case ' ': // libsinsp keeps a backslash for '\ ' (a wrongly escaped stable rule depends on it)
      case '\\': out += '\\'; break;
      case '/': out += '/'; break;
      case '"':
        if (quote !== '"') throw new ConditionSyntaxError("invalid \\\" escape in '-quoted string", at + i);
        out += '"';
        break;
      case "'":
        if (quote !== "'") throw new ConditionSyntaxError('invalid \\\' escape in "-quoted string', at + i);
        out += "'";
        break;
      default: throw new ConditionSyntaxError(`unsupported string escape sequence: \\${ch}`, at + i);
    }
    escaped = false;
  }
  return out;
}
