// compile: the collected definitions → compiled rules (Falco rule_loader_compiler). Macros are parsed once; each
// rule's condition gets its exceptions appended as Falco writes them, is parsed, expanded, type-checked and turned
// into JS; outputs are checked against the field registry. Errors stay per rule, so one bad rule does not hide others.
import type { FieldRegistry } from '../fields/registry.js';
import { FieldError } from '../fields/types.js';
import { scanFormat } from '../fields/format-scan.js';
import type { CompiledRule, LoadMessage, SourceLocation } from '../types.js';
import { PRIORITIES } from '../types.js';
import { ConditionSyntaxError, LIST_OPERATORS, parseCondition } from '../parser/parser.js';
import { SourceText, type SourceSegment } from '../parser/source.js';
import type { Expr, NodeBase } from '../parser/ast.js';
import { CompileError, compileCondition, resolveMacro, type ExpandEnv, type MacroDef } from '../compiler/index.js';
import { PPM_EVENT_MAX } from '../../schema/index.js';
import { Context, errorMessage, warningMessage, type ErrorCode } from './messages.js';
import type { Collection, ExceptionInfo, RuleInfo } from './collect.js';
import type { TextPiece } from './read.js';

export interface CompileOptions {
  readonly sources: ReadonlyMap<string, FieldRegistry>;
}

export interface CompiledRuleInfo extends CompiledRule {
  readonly enabled: boolean;
  readonly warnEvttypes: boolean;
  readonly skipIfUnknownFilter: boolean;
  readonly capture: boolean;
  readonly captureDuration: number;
  /** Fields the exceptions compare (Falco exception_fields). */
  readonly exceptionFields: readonly string[];
}

export interface CompileResult { readonly rules: CompiledRuleInfo[]; readonly errors: LoadMessage[]; readonly warnings: LoadMessage[] }

/** Joins pieces with ' ' (Falco's append) into one text whose offsets map back to each piece's file position. */
export function joinPieces(pieces: readonly TextPiece[], label: string, prefix = '', suffix = ''): { text: string; segments: SourceSegment[] } {
  let text = prefix;
  const segments: SourceSegment[] = [];
  pieces.forEach((p, i) => {
    if (i > 0) text += ' ';
    segments.push(p.segment(text.length, label));
    text += p.text;
  });
  return { text: text + suffix, segments };
}

export function compileCollection(col: Collection, opts: CompileOptions): CompileResult {
  const errors: LoadMessage[] = [];
  const warnings: LoadMessage[] = [];
  const fail = (code: ErrorCode, msg: string, ctx: Context): void => { errors.push(errorMessage(code, msg, ctx)); };

  // Lists: raw items; list references are expanded where a condition uses them (expand.ts).
  const lists = new Map<string, readonly string[]>();
  for (const l of col.lists.values()) lists.set(l.name, l.items);
  const usedLists = new Set<string>();
  for (const l of col.lists.values()) for (const i of l.items) if (i !== l.name && lists.has(i)) usedLists.add(i);

  // Macros: parsed once, visibility as Falco (a macro sees macros whose first definition precedes its last one).
  const macros = new Map<string, MacroDef>();
  const usedMacrosByMacros = new Set<string>();
  const macroCtx = new Map<string, Context>();
  for (const m of col.macros.values()) {
    const { text, segments } = joinPieces(m.condition, 'condition');
    const mloc = m.ctx.locations[m.ctx.locations.length - 1];
    const src = new SourceText(text, segments, { itemType: 'macro', itemName: m.name, location: mloc });
    let ast: Expr | undefined;
    try {
      ast = parseCondition(src);
    } catch (e) {
      if (!(e instanceof ConditionSyntaxError)) throw e;
      fail('LOAD_ERR_COMPILE_CONDITION', e.message, positionCtx(m.condition[0].ctx, src, e.pos));
    }
    const visibility = m.visibility;
    if (ast !== undefined) markUse(ast, lists, usedLists, usedMacrosByMacros);
    macros.set(m.name, { name: m.name, ast, visible: (n) => (col.macros.get(n)?.index ?? Infinity) < visibility });
    macroCtx.set(m.name, m.ctx);
  }
  const usedMacros = new Set<string>(usedMacrosByMacros);
  const env: ExpandEnv = { macros, lists, usedMacros, usedLists };
  const macroCache = new Map<string, Expr>();

  const rules: CompiledRuleInfo[] = [];
  for (const r of col.rules.values()) {
    if (r.unknownSource) {
      // Falco skips rules of unknown sources; still mark what they reference so it is not reported as unused.
      for (const p of r.condition) { try { markUse(parseCondition(p.text), lists, usedLists, usedMacros); } catch { /* reported only for known sources */ } }
      continue;
    }
    const registry = opts.sources.get(r.source)!;
    const compiled = compileRule(r, registry, env, macroCache, rules.length, warnings, errors);
    if (compiled !== undefined) rules.push(compiled);
  }

  // Falco resolves every macro, used or not: an unused one naming an undefined macro is still an error.
  for (const m of col.macros.values()) {
    const def = macros.get(m.name)!;
    try {
      resolveMacro(m.name, env, macroCache);
    } catch (e) {
      if (!(e instanceof CompileError)) throw e;
      if (def.ast === undefined) continue; // its syntax error is reported above
      const msg = errorMessage(e.loadCode, e.message, nodeCtx(m.condition[0].ctx, e.node));
      // A rule using the macro reported the same error already.
      const key = JSON.stringify([msg.code, msg.message, msg.context.locations.at(-1)]);
      if (!errors.some((x) => JSON.stringify([x.code, x.message, x.context.locations.at(-1)]) === key)) errors.push(msg);
    }
  }
  for (const m of col.macros.values()) {
    if (!usedMacros.has(m.name)) warnings.push(warningMessage('LOAD_UNUSED_MACRO', 'Macro not referred to by any other rule/macro', m.ctx));
  }
  for (const l of col.lists.values()) {
    if (!usedLists.has(l.name)) warnings.push(warningMessage('LOAD_UNUSED_LIST', 'List not referred to by any other rule/macro', l.ctx));
  }
  return { rules, errors, warnings };
}

function compileRule(r: RuleInfo, registry: FieldRegistry, env: ExpandEnv, macroCache: Map<string, Expr>, id: number,
  warnings: LoadMessage[], errors: LoadMessage[]): CompiledRuleInfo | undefined {
  const condCtx = r.condition[0].ctx;
  // Falco: (cond) and not (exception clauses), as text, so list names in exception values resolve like anywhere else.
  let exceptionsText = '';
  try {
    exceptionsText = r.exceptions.length > 0 ? buildExceptions(r.exceptions) : '';
  } catch (e) {
    if (!(e instanceof CompileError)) throw e;
    errors.push(errorMessage(e.loadCode, e.message, r.exceptions[0].ctx));
    return undefined;
  }
  const joined = r.exceptions.length > 0 ? joinPieces(r.condition, 'condition', '(', ')') : joinPieces(r.condition, 'condition');
  const text = joined.text + exceptionsText;
  const segments = [...joined.segments];
  if (exceptionsText !== '') {
    const exLoc = r.exceptions[0].ctx.locations[r.exceptions[0].ctx.locations.length - 1];
    segments.push({ start: joined.text.length, length: exceptionsText.length, label: 'exceptions', locate: () => exLoc });
  }
  const src = new SourceText(text, segments);

  // Output: %fields must be known (Falco validates the format; skip-if-unknown-filter downgrades unknown ones).
  let output = r.output.map((p) => p.text).join(' ');
  if (output.includes('%container.info')) {
    warnings.push(warningMessage('LOAD_DEPRECATED_ITEM', '%container.info is deprecated and no more useful, and will be dropped by Falco 1.0.0. The container plugin will automatically add required fields to the output message.', r.ctx));
    output = output.split('%container.info').join('');
  }
  const msg = checkOutput(output, registry);
  if (msg !== undefined) {
    if (r.skipIfUnknownFilter) { warnings.push(warningMessage('LOAD_UNKNOWN_FILTER', msg, r.output[0].ctx)); return undefined; }
    errors.push(errorMessage('LOAD_ERR_COMPILE_OUTPUT', msg, r.output[0].ctx));
    return undefined;
  }

  let compiled;
  try {
    compiled = compileCondition(src, env, registry, macroCache);
  } catch (e) {
    if (e instanceof ConditionSyntaxError) {
      errors.push(errorMessage('LOAD_ERR_COMPILE_CONDITION', e.message, positionCtx(condCtx, src, e.pos)));
      return undefined;
    }
    if (e instanceof CompileError) {
      const ctx = nodeCtx(condCtx, e.node);
      if (e.unknownFilter && r.skipIfUnknownFilter) { warnings.push(warningMessage('LOAD_UNKNOWN_FILTER', e.message, ctx)); return undefined; }
      errors.push(errorMessage(e.loadCode, e.message, ctx));
      return undefined;
    }
    throw e;
  }
  for (const w of compiled.warnings) warnings.push(warningMessage(w.code, w.message, nodeCtx(condCtx, w.node)));

  let evttypes: number[] | null = null;
  if (r.source === 'syscall') {
    const n = compiled.evttypes.size;
    if ((n === 0 || n > 100) && r.warnEvttypes) {
      warnings.push(warningMessage('LOAD_NO_EVTTYPE', 'Rule matches too many evt.type values. This has a significant performance penalty.', r.ctx));
    }
    evttypes = n === PPM_EVENT_MAX ? null : [...compiled.evttypes].sort((a, b) => a - b);
  }
  const last = r.ctx.locations[r.ctx.locations.length - 1];
  const location: SourceLocation = { file: last.file, line: last.line, col: last.col };
  return {
    id, name: r.name, desc: r.desc, priority: r.priority, priorityLevel: PRIORITIES.indexOf(r.priority), tags: [...r.tags],
    source: r.source, output, evttypes, match: compiled.match, matchIndexed: compiled.matchIndexed,
    condition: { expanded: compiled.expanded, registry }, expandedCondition: compiled.expandedText,
    usesMetadata: compiled.fields.some((b) => b.def.enrichment === true), js: compiled.js, location,
    enabled: r.enabled, warnEvttypes: r.warnEvttypes, skipIfUnknownFilter: r.skipIfUnknownFilter, capture: r.capture,
    captureDuration: r.captureDuration, exceptionFields: [...new Set(r.exceptions.flatMap((e) => (Array.isArray(e.fields) ? e.fields : [e.fields as string])))],
  };
}

/** Falco build_rule_exception_infos, clause for clause: values with spaces are quoted, list-operator values parenthesised. */
export function buildExceptions(exceptions: readonly ExceptionInfo[]): string {
  const quote = (s: string): string => (s.includes(' ') && s[0] !== '"' && s[0] !== "'" ? `"${s}"` : s);
  const paren = (s: string): string => (s[0] !== '(' ? `(${s})` : s);
  let out = '';
  for (const ex of exceptions) {
    let clause = '';
    if (!Array.isArray(ex.fields)) {
      for (const v of ex.values) {
        if (v.items !== undefined) throw new CompileError('Expected values array to contain a list of strings', undefined, 'LOAD_ERR_VALIDATE');
        clause += clause === '' ? `(${ex.fields} ${ex.comps as string} (` : ', ';
        clause += quote(v.item);
      }
      clause += clause === '' ? '' : '))';
    } else {
      const comps = ex.comps as string[];
      clause = '(';
      for (const tuple of ex.values) {
        const items = tuple.items ?? [tuple];
        if (items.length !== ex.fields.length) throw new CompileError('Fields and values lists must have equal length', undefined, 'LOAD_ERR_VALIDATE');
        clause += clause === '(' ? '' : ' or ';
        clause += '(';
        ex.fields.forEach((f, k) => {
          const v = items[k];
          let s: string;
          if (v.items !== undefined) s = '(' + v.items.map((i) => quote(i.item)).join(', ') + ')';
          else s = LIST_OPERATORS.includes(comps[k]) ? paren(v.item) : quote(v.item);
          clause += `${k === 0 ? '' : ' and '} ${f} ${comps[k]} ${s}`;
        });
        clause += ')';
      }
      clause += ')';
      if (clause === '()') clause = '';
    }
    if (clause !== '') out += ` and not ${clause}`;
  }
  return out;
}

/** The context of an offset in a condition: the chain of its piece (which may be an appended one) plus the position. */
function positionCtx(base: Context, src: SourceText, offset: number): Context {
  const loc = src.locate(offset);
  if (loc === undefined) return base;
  const seg = src.segmentAt(offset);
  return base.child(loc, seg?.label === 'exceptions' ? 'exceptions' : 'condition expression');
}

function nodeCtx(base: Context, node: NodeBase | undefined): Context {
  if (node === undefined) return base;
  if (node.src.segments.length === 0) return base;
  const o = node.src.origin;
  // A node from a macro: rule → macro 'name' → position in the macro's condition.
  return positionCtx(o === undefined ? base : base.child(o.location, o.itemType, o.itemName), node.src, node.pos);
}

/**
 * Why an output format does not compile, or undefined: the engine's own scanner (rules/fields/format-scan.ts),
 * so what loads here also compiles there.
 */
export function checkOutput(format: string, registry: FieldRegistry): string | undefined {
  try {
    scanFormat(format, registry, { cutToKnownField: true });
    return undefined;
  } catch (err) {
    if (!(err instanceof FieldError)) throw err;
    if (err.code !== 'EFIELD_UNKNOWN') return err.message.replace(/ at position \d+$/, '');
    const from = format.lastIndexOf('%', err.position);
    const token = /^%[0-9]*[A-Za-z0-9_.\-]*(\[[^\]]*\])?/.exec(format.slice(from))![0];
    return `invalid formatting token ${token}`;
  }
}

/** Marks lists used by bare values in a parsed condition (Falco marks lists used by any macro, used or not). */
function markListUse(e: Expr, lists: ReadonlyMap<string, readonly string[]>, used: Set<string>): void {
  switch (e.kind) {
    case 'and': case 'or': for (const c of e.children) markListUse(c, lists, used); return;
    case 'not': markListUse(e.child, lists, used); return;
    case 'binary': {
      const r = e.right;
      const vals = r.kind === 'list' ? r.items : r.kind === 'value' ? [r] : [];
      for (const v of vals) if (v.bare && lists.has(v.value)) used.add(v.value);
      return;
    }
    default: return;
  }
}

function markUse(e: Expr, lists: ReadonlyMap<string, readonly string[]>, usedLists: Set<string>, usedMacros: Set<string>): void {
  markListUse(e, lists, usedLists);
  const walk = (x: Expr): void => {
    if (x.kind === 'ident') usedMacros.add(x.name);
    else if (x.kind === 'and' || x.kind === 'or') x.children.forEach(walk);
    else if (x.kind === 'not') walk(x.child);
  };
  walk(e);
}
