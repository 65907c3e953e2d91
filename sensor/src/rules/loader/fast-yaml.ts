// fast-yaml: a line-oriented fast path for the YAML that rules files use, returning the node tree the `yaml`
// package's parseDocument would (the same node model, yaml-nodes.ts, without loading yaml; values by the YAML 1.2 core
// schema, and `range` = [start, valueEnd, nodeEnd] exactly as yaml's composer sets it, including where trailing
// comments end a node). The `yaml` lexer walks the text char by char through generators, which is slow in a cold
// process; this walks lines with indexOf and sticky regexes.
//
// Handled: a top-level block sequence (optionally after `---`) of block mappings; nested block mappings and
// sequences (a sequence may sit at its key's indent); plain scalars (multi-line, folded); single- and double-quoted
// scalars (escapes, multi-line); block scalars `|`/`>` with chomping and indentation indicators; flow sequences
// (nested, over several lines, with comments); comments anywhere; `key:` with an empty value.
// Anything else — tabs or CR anywhere, a BOM, anchors/aliases/tags, flow mappings, explicit or quoted keys,
// directives, a second document, any construct yaml would report as an error, or a layout whose comment placement
// is not modelled — makes `fastParseYaml` return null, and the caller uses yaml's parseDocument.
import { Pair, Scalar, YAMLMap, YAMLSeq, type Range } from './yaml-nodes.js';

type FastNode = Scalar | YAMLMap | YAMLSeq;

const SP = 32, NL = 10, HASH = 35, DASH = 45, COLON = 58, COMMA = 44, SQ = 39, DQ = 34;
const LBRACK = 91, RBRACK = 93, LBRACE = 123, RBRACE = 125, PIPE = 124, GT = 62, QMARK = 63;

/** Thrown (preallocated, no stack) to abandon the fast path. */
const BAIL = Object.freeze({ bail: true });

/** A block-mapping key this fast path accepts: a plain single word followed by `:` and a space or line end. */
const KEY_RE = /[A-Za-z0-9_][A-Za-z0-9_./-]*:(?= |\n|$)/y;
/** A run of ordinary characters inside a flow plain scalar (stops at flow indicators, `#`, `:` and newlines). */
const FLOW_RUN = /[^,[\]{}#:\n]*/y;

const isFlowInd = (c: number): boolean => c === COMMA || c === LBRACK || c === RBRACK || c === LBRACE || c === RBRACE;

/**
 * Parses `src` when it is a rules-file-shaped YAML document; returns the document's contents (a block sequence)
 * or null when the text is outside the handled subset (the caller then uses yaml's parseDocument).
 */
export function fastParseYaml(src: string): YAMLSeq | null {
  if (src.indexOf('\t') !== -1 || src.indexOf('\r') !== -1 || src.charCodeAt(0) === 0xfeff) return null;
  try {
    return new FastParser(src).document();
  } catch (e) {
    if (e === BAIL) return null;
    throw e;
  }
}

/** Offsets of line starts as yaml's Parser reports them to a LineCounter: 0, then after every `\n`. */
export function lineStartsOf(src: string): number[] {
  const out = [0];
  for (let i = src.indexOf('\n'); i !== -1; i = src.indexOf('\n', i + 1)) out.push(i + 1);
  return out;
}

class FastParser {
  private readonly n: number;
  // The current content line (set by advance): its start, the offset of its first non-space, and its indent.
  private ls = 0;
  private cp = 0;
  private col = 0;
  private eof = false;
  // Trailing trivia before the current content line: the largest comment column (-1 if none) and where it ends.
  private tMax = -1;
  private tEnd = 0;
  // Cached indexOf results (positions only move forward).
  private hashAt = -2;
  private colonAt = -2;

  constructor(private readonly s: string) { this.n = s.length; }

  document(): YAMLSeq {
    const s = this.s;
    this.advance(0, null, 0);
    if (!this.eof && this.col === 0 && s.startsWith('---', this.cp)) {
      let i = this.cp + 3;
      while (s.charCodeAt(i) === SP) i++;
      if (i < this.n && s.charCodeAt(i) !== NL) throw BAIL;
      this.advance(i < this.n ? i + 1 : this.n, null, 0);
    }
    if (this.eof || this.col !== 0 || !this.isSeqItem(this.cp)) throw BAIL;
    const seq = this.blockSeq(0);
    if (!this.eof) throw BAIL;
    return seq;
  }

  // ---- lines and trivia ----

  /**
   * From line start `p`, skips blank and comment lines up to the next content line (or the end). Comment lines
   * indented deeper than `inner` (the innermost open collection) that follow `attach` (a flow scalar or flow
   * sequence whose line just ended) become part of its end, as yaml's parser attaches them; the rest is the
   * trailing trivia a closing collection may keep (see close()).
   */
  private advance(p: number, attach: Scalar | YAMLSeq | null, inner: number): void {
    const s = this.s, n = this.n;
    let q = p;
    let tMax = -1;
    while (q < n) {
      let i = q;
      while (s.charCodeAt(i) === SP) i++;
      if (i >= n) { q = n; break; }
      const c = s.charCodeAt(i);
      if (c === NL) { q = i + 1; continue; }
      if (c === HASH) {
        const e = s.indexOf('\n', i);
        const next = e === -1 ? n : e + 1;
        const col = i - q;
        if (attach !== null && col > inner) (attach.range as Range)[2] = next;
        else {
          attach = null;
          if (col > tMax) tMax = col;
        }
        q = next;
        continue;
      }
      this.ls = q; this.cp = i; this.col = i - q; this.eof = false;
      this.tMax = tMax; this.tEnd = i;
      return;
    }
    this.ls = n; this.cp = n; this.col = 0; this.eof = true;
    this.tMax = tMax; this.tEnd = n;
  }

  /** A closing block collection keeps the trailing trivia if it has a comment at least as indented as itself. */
  private close(node: YAMLSeq | YAMLMap, start: number, last: number, indent: number): void {
    const r: Range = [start, last, last];
    if (indent !== 0 && this.tMax >= indent) {
      r[2] = this.tEnd;
      this.tMax = -1;
    }
    node.range = r;
  }

  private isSeqItem(p: number): boolean {
    if (this.s.charCodeAt(p) !== DASH) return false;
    const c = this.s.charCodeAt(p + 1);
    return c === SP || c === NL || p + 1 >= this.n;
  }

  private isKey(p: number): boolean {
    KEY_RE.lastIndex = p;
    return KEY_RE.test(this.s);
  }

  /** After a value ending at `p` on its line: spaces, an optional comment, the newline. Returns the next line start. */
  private lineTail(p: number): number {
    const s = this.s;
    let i = p;
    while (s.charCodeAt(i) === SP) i++;
    if (i >= this.n) return this.n;
    const c = s.charCodeAt(i);
    if (c === NL) return i + 1;
    if (c !== HASH || i === p) throw BAIL;
    const e = s.indexOf('\n', i);
    return e === -1 ? this.n : e + 1;
  }

  // ---- block collections ----

  private blockSeq(indent: number): YAMLSeq {
    const s = this.s;
    const seq = new YAMLSeq();
    const start = this.cp;
    let last = start;
    for (;;) {
      let vp = this.cp + 1;
      while (s.charCodeAt(vp) === SP) vp++;
      if (vp >= this.n) throw BAIL;
      const c = s.charCodeAt(vp);
      if (c === NL || c === HASH || this.isSeqItem(vp)) throw BAIL;
      const node = this.isKey(vp) ? this.blockMap(vp - this.ls, vp) : this.inlineValue(vp, indent + 1, indent, indent);
      seq.items.push(node);
      last = (node.range as Range)[2];
      if (this.eof || this.col < indent) break;
      if (this.col > indent) throw BAIL;
      if (!this.isSeqItem(this.cp)) break;
    }
    this.close(seq, start, last, indent);
    return seq;
  }

  private blockMap(indent: number, kp: number): YAMLMap {
    const s = this.s, n = this.n;
    const map = new YAMLMap();
    const start = kp;
    let last = start;
    for (;;) {
      KEY_RE.lastIndex = kp;
      if (!KEY_RE.test(s)) throw BAIL;
      const ke = KEY_RE.lastIndex - 1;
      const key = plainScalar(s.slice(kp, ke));
      key.range = [kp, ke, ke];
      let vp = ke + 1;
      while (s.charCodeAt(vp) === SP) vp++;
      let value: FastNode;
      if (vp >= n || s.charCodeAt(vp) === NL) {
        const next = vp >= n ? n : vp + 1;
        this.advance(next, null, indent);
        if (!this.eof && (this.col > indent || (this.col === indent && this.isSeqItem(this.cp)))) {
          if (this.isSeqItem(this.cp)) value = this.blockSeq(this.col);
          else if (this.isKey(this.cp)) value = this.blockMap(this.col, this.cp);
          else if (this.ls === next) value = this.inlineValue(this.cp, indent + 1, indent, indent);
          else throw BAIL; // a scalar after blank/comment lines: yaml may read it as a multi-line implicit key
        } else {
          // An empty value: only when nothing (no blank or comment line) separates it from what follows.
          if (this.eof ? next !== n : this.ls !== next) throw BAIL;
          value = plainScalar('');
          value.range = [vp, vp, vp];
        }
      } else if (s.charCodeAt(vp) === HASH) {
        throw BAIL;
      } else {
        value = this.inlineValue(vp, indent + 1, indent, indent);
      }
      map.items.push(new Pair(key, value));
      last = (value.range as Range)[2];
      if (this.eof || this.col < indent) break;
      if (this.col > indent || !this.isKey(this.cp)) throw BAIL;
      kp = this.cp;
    }
    this.close(map, start, last, indent);
    return map;
  }

  /**
   * A value starting at `vp` on a block line: block scalar, flow sequence, quoted or plain scalar. `indentNext` is
   * the least indent of its continuation lines, `parent` the indent of the collection holding it, `inner` the
   * innermost open collection's indent (for comment attachment). Leaves the parser at the next content line.
   */
  private inlineValue(vp: number, indentNext: number, parent: number, inner: number): FastNode {
    const s = this.s;
    const c = s.charCodeAt(vp);
    switch (c) {
      case PIPE:
      case GT: {
        const node = this.blockScalar(vp, indentNext, parent);
        this.advance((node.range as Range)[2], null, inner);
        return node;
      }
      case LBRACK: {
        const seq = this.flowSeq(vp, indentNext, 1);
        const r = seq.range as Range;
        r[2] = this.lineTail(r[1]);
        this.advance(r[2], seq, inner);
        return seq;
      }
      case DQ:
      case SQ: {
        const node = this.quoted(vp, indentNext);
        const r = node.range as Range;
        r[2] = this.lineTail(r[1]);
        this.advance(r[2], node, inner);
        return node;
      }
      case LBRACE: case RBRACE: case RBRACK: case COMMA: case HASH:
      case 38 /* & */: case 42 /* * */: case 33 /* ! */: case 37 /* % */: case 64 /* @ */: case 96 /* ` */:
        throw BAIL;
      case DASH: case QMARK: case COLON: {
        const d = s.charCodeAt(vp + 1);
        if (d === SP || d === NL || vp + 1 >= this.n) throw BAIL;
      }
    }
    return this.plainBlock(vp, indentNext, inner);
  }

  // ---- scalars ----

  private findHash(pos: number): number {
    if (this.hashAt !== -1 && this.hashAt < pos) this.hashAt = this.s.indexOf(' #', pos);
    return this.hashAt;
  }

  private findColon(pos: number): number {
    if (this.colonAt !== -1 && this.colonAt < pos) this.colonAt = this.s.indexOf(': ', pos);
    return this.colonAt;
  }

  /** A plain scalar in block context, possibly over several lines. */
  private plainBlock(vp: number, indentNext: number, inner: number): Scalar {
    const s = this.s, n = this.n;
    let pos = vp;
    let end = vp;
    let next: number;
    let multi = false;
    for (;;) {
      let e = s.indexOf('\n', pos);
      if (e === -1) e = n;
      const h = this.findHash(pos);
      const segEnd = h !== -1 && h < e ? h : e;
      const k = this.findColon(pos);
      if (k !== -1 && k < segEnd) throw BAIL;
      let t = segEnd;
      while (t > pos && s.charCodeAt(t - 1) === SP) t--;
      if (s.charCodeAt(t - 1) === COLON) throw BAIL;
      end = t;
      if (segEnd !== e || e >= n) { next = e >= n ? n : e + 1; break; }
      // Continuation: the next non-blank line, if indented at least indentNext and not a comment.
      const found = continuationStart(s, e + 1, indentNext, false);
      if (found === -1) { next = e + 1; break; }
      multi = true;
      pos = found;
    }
    const raw = s.slice(vp, end);
    const node = plainScalar(multi ? unfoldLines(raw) : raw);
    node.range = [vp, end, next];
    this.advance(next, node, inner);
    return node;
  }

  /** A single- or double-quoted scalar starting at `qp`; range[2] is left for the caller. */
  private quoted(qp: number, indentNext: number): Scalar {
    const s = this.s;
    const dq = s.charCodeAt(qp) === DQ;
    let end: number;
    if (!dq) {
      end = s.indexOf("'", qp + 1);
      while (end !== -1 && s.charCodeAt(end + 1) === SQ) end = s.indexOf("'", end + 2);
    } else {
      end = s.indexOf('"', qp + 1);
      while (end !== -1) {
        let k = 0;
        while (s.charCodeAt(end - 1 - k) === 92) k++;
        if (k % 2 === 0) break;
        end = s.indexOf('"', end + 1);
      }
    }
    if (end === -1) throw BAIL;
    let multi = false;
    for (let nl = s.indexOf('\n', qp); nl !== -1 && nl < end; nl = s.indexOf('\n', nl + 1)) {
      multi = true;
      let i = nl + 1;
      while (s.charCodeAt(i) === SP) i++;
      if (s.charCodeAt(i) !== NL && i - nl - 1 < indentNext) throw BAIL;
    }
    const inner = s.slice(qp + 1, end);
    let value: string;
    if (!dq) {
      value = multi ? unfoldLines(inner) : inner;
      if (value.indexOf("''") !== -1) value = value.replace(/''/g, "'");
    } else {
      value = multi || inner.indexOf('\\') !== -1 ? doubleQuotedValue(inner) : inner;
    }
    const node = new Scalar(value);
    node.range = [qp, end + 1, end + 1];
    node.source = value;
    node.type = dq ? Scalar.QUOTE_DOUBLE : Scalar.QUOTE_SINGLE;
    return node;
  }

  /** A block scalar with its header at `hp`; `parent` is the indent of the collection holding it. */
  private blockScalar(hp: number, indentNext: number, parent: number): Scalar {
    const s = this.s, n = this.n;
    const literal = s.charCodeAt(hp) === PIPE;
    let i = hp + 1;
    let chomp = 0; // 0 clip, DASH strip, '+' keep
    let explicit = 0;
    for (;;) {
      const c = s.charCodeAt(i);
      if (c === DASH || c === 43) {
        if (chomp !== 0) throw BAIL;
        chomp = c;
      } else if (c >= 49 && c <= 57) {
        if (explicit !== 0) throw BAIL;
        explicit = c - 48;
      } else break;
      i++;
    }
    if (i < n && s.charCodeAt(i) !== SP && s.charCodeAt(i) !== NL) throw BAIL;
    const hs = this.lineTail(i);
    // The lexer's block-scalar scan (yaml Lexer.parseBlockScalar): leading blank lines, then lines indented at
    // least as deep as the first content line (or the explicit indentation), then trailing blank lines dropped
    // unless keeping.
    let nl = hs - 1;
    let indent = 0;
    let j = hs;
    for (; j < n; j++) {
      const c = s.charCodeAt(j);
      if (c === SP) indent++;
      else if (c === NL) { nl = j; indent = 0; } else break;
    }
    if (indent >= indentNext) {
      const min = explicit === 0 ? indent : explicit - 1 + indentNext;
      do {
        const cs = continueScalar(s, nl + 1, min);
        if (cs === -1) break;
        nl = s.indexOf('\n', cs);
      } while (nl !== -1);
      if (nl === -1) nl = n;
    }
    if (chomp !== 43) {
      for (;;) {
        let k = nl - 1;
        const lastChar = k;
        let c = s.charCodeAt(k);
        while (c === SP) c = s.charCodeAt(--k);
        if (c === NL && k >= hs && k + 1 + indent > lastChar) nl = k;
        else break;
      }
    }
    const end = Math.min(nl + 1, n);
    const value = blockScalarValue(s.slice(hs, end), literal, explicit, chomp, parent);
    const node = new Scalar(value);
    node.range = [hp, end, end];
    node.source = value;
    node.type = literal ? Scalar.BLOCK_LITERAL : Scalar.BLOCK_FOLDED;
    return node;
  }

  // ---- flow sequences ----

  /** Skips spaces, newlines (checking yaml's flow indentation rule) and comments inside a flow collection. */
  private flowWs(p: number, indentNext: number, level: number): number {
    const s = this.s, n = this.n;
    let q = p;
    for (;;) {
      const c = s.charCodeAt(q);
      if (c === SP) { q++; continue; }
      if (c === NL) {
        let ind = 0;
        while (s.charCodeAt(q) === NL) {
          q++;
          ind = 0;
          while (s.charCodeAt(q) === SP) { q++; ind++; }
        }
        if (q >= n) throw BAIL;
        const ch = s.charCodeAt(q);
        if (ind < indentNext && ch !== HASH && !(level === 1 && ind === indentNext - 1 && ch === RBRACK)) throw BAIL;
        continue;
      }
      if (c === HASH) {
        const b = s.charCodeAt(q - 1);
        if (b !== SP && b !== NL) throw BAIL;
        const e = s.indexOf('\n', q);
        if (e === -1) throw BAIL;
        q = e;
        continue;
      }
      if (q >= n) throw BAIL;
      return q;
    }
  }

  /** A flow sequence starting at `bp`; range[2] is left for the caller. */
  private flowSeq(bp: number, indentNext: number, level: number): YAMLSeq {
    if (level > 16) throw BAIL;
    const s = this.s;
    const seq = new YAMLSeq();
    seq.flow = true;
    let q = this.flowWs(bp + 1, indentNext, level);
    if (s.charCodeAt(q) !== RBRACK) {
      for (;;) {
        const c = s.charCodeAt(q);
        let node: FastNode;
        if (c === LBRACK) node = this.flowSeq(q, indentNext, level + 1);
        else if (c === DQ || c === SQ) node = this.quoted(q, indentNext);
        else node = this.flowPlain(q, indentNext);
        const r = node.range as Range;
        const t = this.flowWs(r[1], indentNext, level);
        r[2] = t;
        seq.items.push(node);
        const d = s.charCodeAt(t);
        if (d === COMMA) {
          q = this.flowWs(t + 1, indentNext, level);
          if (s.charCodeAt(q) === RBRACK) break;
        } else if (d === RBRACK) {
          q = t;
          break;
        } else throw BAIL;
      }
    }
    seq.range = [bp, q + 1, q + 1];
    return seq;
  }

  /** A plain scalar inside a flow collection. */
  private flowPlain(vp: number, indentNext: number): Scalar {
    const s = this.s, n = this.n;
    const c0 = s.charCodeAt(vp);
    switch (c0) {
      case COMMA: case RBRACK: case LBRACE: case RBRACE: case HASH: case PIPE: case GT: case SQ: case DQ:
      case 38 /* & */: case 42 /* * */: case 33 /* ! */: case 37 /* % */: case 64 /* @ */: case 96 /* ` */:
        throw BAIL;
      case DASH: case QMARK: case COLON: {
        const d = s.charCodeAt(vp + 1);
        if (d === SP || d === NL || vp + 1 >= n || isFlowInd(d)) throw BAIL;
      }
    }
    let i = vp;
    let end = vp;
    let multi = false;
    for (;;) {
      FLOW_RUN.lastIndex = i;
      FLOW_RUN.test(s);
      const j = FLOW_RUN.lastIndex;
      let t = j;
      while (t > i && s.charCodeAt(t - 1) === SP) t--;
      if (t > i) end = t;
      if (j >= n) throw BAIL;
      const c = s.charCodeAt(j);
      if (c === COLON) {
        const d = s.charCodeAt(j + 1);
        if (d === SP || d === NL || j + 1 >= n || isFlowInd(d)) throw BAIL;
        i = j + 1;
        end = i;
        continue;
      }
      if (c === HASH) {
        if (s.charCodeAt(j - 1) === SP) break;
        i = j + 1;
        end = i;
        continue;
      }
      if (c === NL) {
        const found = continuationStart(s, j + 1, indentNext, true);
        if (found === -1) break;
        multi = true;
        i = found;
        continue;
      }
      break; // a flow indicator
    }
    const raw = s.slice(vp, end);
    const node = plainScalar(multi ? unfoldLines(raw) : raw);
    node.range = [vp, end, end];
    return node;
  }
}

/**
 * Where a plain scalar continues after a line break (`from` = the next line's start): the first character of the
 * next non-blank line when it is indented at least `indentNext` and starts neither a comment nor, inside a flow
 * collection, a flow indicator; -1 when the scalar ends at the break.
 */
function continuationStart(s: string, from: number, indentNext: number, inFlow: boolean): number {
  for (let q = from; ;) {
    let i = q;
    while (s.charCodeAt(i) === SP) i++;
    if (i >= s.length) return -1;
    const ch = s.charCodeAt(i);
    if (ch === NL) { q = i + 1; continue; }
    return i - q >= indentNext && ch !== HASH && !(inFlow && isFlowInd(ch)) ? i : -1;
  }
}

/** yaml Lexer.continueScalar for indentNext > 0: the offset of the line's content, or -1 if it ends the scalar. */
function continueScalar(s: string, offset: number, indentNext: number): number {
  let k = 0;
  while (s.charCodeAt(offset + k) === SP) k++;
  return s.charCodeAt(offset + k) === NL || k >= indentNext ? offset + k : -1;
}

// ---- values (ports of yaml's compose/resolve-*-scalar.js and the core schema) ----

const NULL_RE = /^(?:~|[Nn]ull|NULL)?$/;
const BOOL_RE = /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/;
const OCT_RE = /^0o[0-7]+$/;
const INT_RE = /^[-+]?[0-9]+$/;
const HEX_RE = /^0x[0-9a-fA-F]+$/;
const NAN_RE = /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/;
const EXP_RE = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/;
const FLOAT_RE = /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/;

/** A plain scalar resolved by the core schema's tests, in the schema's order. */
function plainScalar(str: string): Scalar {
  let node: Scalar;
  const c = str.charCodeAt(0);
  // Strings that cannot match any core tag: first char not in [-+.0-9~nNtTfF] and non-empty.
  const maybe = str.length === 0 || c === 45 || c === 43 || c === 46 || (c >= 48 && c <= 57) || c === 126 ||
    c === 110 || c === 78 || c === 116 || c === 84 || c === 102 || c === 70;
  if (!maybe) node = new Scalar(str);
  else if (NULL_RE.test(str)) node = new Scalar(null);
  else if (BOOL_RE.test(str)) node = new Scalar(c === 116 || c === 84);
  else if (OCT_RE.test(str)) { node = new Scalar(parseInt(str.substring(2), 8)); node.format = 'OCT'; }
  else if (INT_RE.test(str)) node = new Scalar(parseInt(str, 10));
  else if (HEX_RE.test(str)) { node = new Scalar(parseInt(str.substring(2), 16)); node.format = 'HEX'; }
  else if (NAN_RE.test(str)) {
    node = new Scalar(str.slice(-3).toLowerCase() === 'nan' ? NaN : str[0] === '-' ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY);
  } else if (EXP_RE.test(str)) { node = new Scalar(parseFloat(str)); node.format = 'EXP'; }
  else if (FLOAT_RE.test(str)) {
    node = new Scalar(parseFloat(str));
    const dot = str.indexOf('.');
    if (dot !== -1 && str[str.length - 1] === '0') node.minFractionDigits = str.length - dot - 1;
  } else node = new Scalar(str);
  node.source = str;
  node.type = Scalar.PLAIN;
  return node;
}

/** yaml's unfoldLines: folds a multi-line plain or single-quoted scalar's lines. */
function unfoldLines(source: string): string {
  const line = /(.*?)\r?\n/sy;
  let match = line.exec(source);
  if (!match) return source;
  const trimEnd = /(?<![ \t])[ \t]+$/;
  const trimBoth = /^[ \t]+|(?<![ \t])[ \t]+$/g;
  let res = match[1].replace(trimEnd, '');
  let sep = ' ';
  let pos = line.lastIndex;
  while ((match = line.exec(source))) {
    const lm = match[1].replace(trimBoth, '');
    if (lm === '') {
      if (sep === '\n') res += sep;
      else sep = '\n';
    } else {
      res += sep + lm;
      sep = ' ';
    }
    pos = line.lastIndex;
  }
  const last = /[ \t]*(.*)/sy;
  last.lastIndex = pos;
  match = last.exec(source);
  return res + sep + (match?.[1] ?? '');
}

const ESCAPES: Readonly<Record<string, string>> = {
  '0': '\0', a: '\x07', b: '\b', e: '\x1b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', N: '\u0085', _: '\u00a0',
  L: '\u2028', P: '\u2029', ' ': ' ', '"': '"', '/': '/', '\\': '\\', '\t': '\t',
};

/** yaml's doubleQuotedValue over the text between the quotes; invalid escapes abandon the fast path. */
function doubleQuotedValue(src: string): string {
  let res = '';
  for (let i = 0; i < src.length; ++i) {
    const ch = src[i];
    if (ch === '\n') {
      let fold = '';
      let next = src[i + 1];
      while (next === ' ' || next === '\t' || next === '\n') {
        if (next === '\n') fold += '\n';
        i += 1;
        next = src[i + 1];
      }
      res += fold === '' ? ' ' : fold;
    } else if (ch === '\\') {
      let next = src[++i];
      const cc = ESCAPES[next];
      if (cc !== undefined) res += cc;
      else if (next === '\n') {
        next = src[i + 1];
        while (next === ' ' || next === '\t') next = src[++i + 1];
      } else if (next === 'x' || next === 'u' || next === 'U') {
        const length = next === 'x' ? 2 : next === 'u' ? 4 : 8;
        const hex = src.substr(i + 1, length);
        if (hex.length !== length || !/^[0-9a-fA-F]+$/.test(hex)) throw BAIL;
        const code = parseInt(hex, 16);
        if (code > 0x10ffff) throw BAIL;
        res += String.fromCodePoint(code);
        i += length;
      } else throw BAIL;
    } else if (ch === ' ' || ch === '\t') {
      const wsStart = i;
      let next = src[i + 1];
      while (next === ' ' || next === '\t') next = src[++i + 1];
      if (next !== '\n') res += i > wsStart ? src.slice(wsStart, i + 1) : ch;
    } else res += ch;
  }
  return res;
}

/** yaml's resolveBlockScalar value over the scalar's source (the lines after the header); errors abandon. */
function blockScalarValue(source: string, literal: boolean, explicit: number, chomp: number, parentIndent: number): string {
  const lines: Array<[string, string]> = [];
  if (source !== '') {
    const split = source.split(/\n( *)/);
    const first = split[0];
    const m = /^( *)/.exec(first);
    lines.push(m !== null && m[1] !== '' ? [m[1], first.slice(m[1].length)] : ['', first]);
    for (let i = 1; i < split.length; i += 2) lines.push([split[i], split[i + 1]]);
  }
  let chompStart = lines.length;
  for (let i = lines.length - 1; i >= 0; --i) {
    if (lines[i][1] === '') chompStart = i;
    else break;
  }
  if (chompStart === 0) return chomp === 43 && lines.length > 0 ? '\n'.repeat(Math.max(1, lines.length - 1)) : '';
  let trimIndent = parentIndent + explicit;
  let contentStart = 0;
  for (let i = 0; i < chompStart; ++i) {
    const [indent, content] = lines[i];
    if (content === '') {
      if (explicit === 0 && indent.length > trimIndent) trimIndent = indent.length;
    } else {
      if (indent.length < trimIndent) throw BAIL;
      if (explicit === 0) trimIndent = indent.length;
      contentStart = i;
      if (trimIndent === 0) throw BAIL;
      break;
    }
  }
  for (let i = lines.length - 1; i >= chompStart; --i) {
    if (lines[i][0].length > trimIndent) chompStart = i + 1;
  }
  let value = '';
  let sep = '';
  let prevMoreIndented = false;
  for (let i = 0; i < contentStart; ++i) value += lines[i][0].slice(trimIndent) + '\n';
  for (let i = contentStart; i < chompStart; ++i) {
    const [indent, content] = lines[i];
    if (content !== '' && indent.length < trimIndent) throw BAIL;
    if (literal) {
      value += sep + indent.slice(trimIndent) + content;
      sep = '\n';
    } else if (indent.length > trimIndent || content[0] === '\t') {
      if (sep === ' ') sep = '\n';
      else if (!prevMoreIndented && sep === '\n') sep = '\n\n';
      value += sep + indent.slice(trimIndent) + content;
      sep = '\n';
      prevMoreIndented = true;
    } else if (content === '') {
      if (sep === '\n') value += '\n';
      else sep = '\n';
    } else {
      value += sep + content;
      sep = ' ';
      prevMoreIndented = false;
    }
  }
  if (chomp === 43) {
    for (let i = chompStart; i < lines.length; ++i) value += '\n' + lines[i][0].slice(trimIndent);
    if (value[value.length - 1] !== '\n') value += '\n';
  } else if (chomp !== DASH) value += '\n';
  return value;
}
