// read: rules file text → typed items with positions (Falco rule_loader_reader). Checks the YAML structure
// (a sequence of maps; each item's keys and value types, append/override shapes) and nothing about meaning.
// Pure: text in, items and messages out.
import type * as Yaml from 'yaml';
import { isMap, isScalar, isSeq, linePos, loadYaml, type Node, type Pair, type YAMLMap } from './yaml-nodes.js';
import { PRIORITIES, type Priority, type SourceLocation } from '../types.js';
import type { SourceSegment } from '../parser/source.js';
import { Context, errorMessage, warningMessage, type ErrorCode } from './messages.js';
import type { LoadMessage } from '../types.js';
import { fastParseYaml, lineStartsOf } from './fast-yaml.js';

/** A piece of condition/output text with the map from its offsets to file positions. */
export interface TextPiece { readonly text: string; readonly segment: (start: number, label: string) => SourceSegment; readonly ctx: Context }

export type OverrideMode = 'append' | 'replace';

export interface ListItem { readonly type: 'list'; readonly name: string; readonly items: readonly string[]; readonly append: boolean; readonly override?: Readonly<Record<string, OverrideMode>>; readonly ctx: Context }
export interface MacroItem { readonly type: 'macro'; readonly name: string; readonly condition: TextPiece; readonly append: boolean; readonly override?: Readonly<Record<string, OverrideMode>>; readonly ctx: Context }

/** Exception values: a string, or for tuple entries a list (itself possibly a list of strings). */
export interface ExceptionValue { readonly item: string; readonly items?: readonly ExceptionValue[] }
export interface ExceptionItem {
  readonly name: string;
  readonly fields?: string | readonly string[];
  readonly comps?: string | readonly string[];
  readonly values: readonly ExceptionValue[];
  readonly ctx: Context;
}

export interface RuleItem {
  readonly type: 'rule';
  readonly name: string;
  readonly desc?: string;
  readonly condition?: TextPiece;
  readonly output?: TextPiece;
  readonly priority?: Priority;
  readonly tags?: readonly string[];
  readonly enabled?: boolean;
  readonly source?: string;
  readonly exceptions?: readonly ExceptionItem[];
  readonly warnEvttypes?: boolean;
  readonly skipIfUnknownFilter?: boolean;
  readonly capture?: boolean;
  readonly captureDuration?: number;
  readonly append: boolean;
  readonly override?: Readonly<Record<string, OverrideMode>>;
  readonly ctx: Context;
}

export interface EngineVersionItem { readonly type: 'required_engine_version'; readonly version: string; readonly ctx: Context }
export interface PluginRequirement { readonly name: string; readonly version: string; readonly alternatives: ReadonlyArray<{ name: string; version: string }> }
export interface PluginVersionsItem { readonly type: 'required_plugin_versions'; readonly plugins: readonly PluginRequirement[]; readonly ctx: Context }

export type ReadItem = ListItem | MacroItem | RuleItem | EngineVersionItem | PluginVersionsItem;

export interface ReadResult { readonly items: readonly ReadItem[]; readonly errors: LoadMessage[]; readonly warnings: LoadMessage[] }

const LIST_KEYS = new Set(['list', 'items', 'append', 'override']);
const MACRO_KEYS = new Set(['macro', 'condition', 'append', 'override']);
const RULE_KEYS = new Set(['rule', 'desc', 'condition', 'output', 'priority', 'tags', 'enabled', 'source', 'exceptions', 'warn_evttypes',
  'skip-if-unknown-filter', 'capture', 'capture_duration', 'append', 'override']);
const EXCEPTION_KEYS = new Set(['name', 'fields', 'comps', 'values']);
const RULE_APPENDABLE = new Set(['condition', 'output', 'desc', 'tags', 'exceptions']);
const RULE_REPLACEABLE = new Set(['condition', 'output', 'desc', 'priority', 'tags', 'exceptions', 'enabled', 'warn_evttypes',
  'skip-if-unknown-filter', 'capture', 'capture_duration']);
const NAME_RE = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/**
 * The booleans Falco's YAML reader takes (yaml-cpp convert<bool>): y/n, yes/no, true/false, on/off, each in lower,
 * UPPER or Capitalized case, quoted or not.
 */
const YAML_CPP_BOOLS: ReadonlyMap<string, boolean> = new Map(
  [['y', true], ['n', false], ['yes', true], ['no', false], ['true', true], ['false', false], ['on', true], ['off', false]]
    .flatMap(([w, b]) => [w as string, (w as string).toUpperCase(), (w as string)[0].toUpperCase() + (w as string).slice(1)].map((f) => [f, b as boolean] as const)),
);

/** Thrown inside the reader for the current item; caught per item so one bad item does not hide the others. */
class ItemError extends Error {
  constructor(readonly loadCode: ErrorCode, message: string, readonly ctx: Context) { super(message); }
}

let fastYaml = true;

/** Turns the YAML fast path on or off (tests compare both); on by default. */
export function useFastYaml(on: boolean): void { fastYaml = on; }

export function readRulesText(file: string, text: string, files: ReadonlyMap<string, string>): ReadResult {
  const errors: LoadMessage[] = [];
  const warnings: LoadMessage[] = [];
  const lineStarts = lineStartsOf(text);
  const pos = (offset: number): SourceLocation => {
    const p = linePos(lineStarts, offset);
    return { file, line: p.line, col: p.col };
  };
  const root = new Context([{ file, line: 1, col: 1, item_type: 'rules content', item_name: '' }], files);
  // The fast path (fast-yaml.ts) builds the same tree for rules-shaped YAML; anything else goes to yaml itself.
  // Like Falco (yaml-cpp LoadAll), a file may hold several documents (`---`): their items are read in order.
  let documents: Array<Node | null> | null = null;
  if (fastYaml) {
    try {
      const contents = fastParseYaml(text); // null: not a shape the fast path takes
      documents = contents === null ? null : [contents];
    } catch {
      documents = null; // a fast-path bug must not cost the file: yaml decides
    }
  }
  if (documents === null) {
    const yaml = loadYaml();
    const docs = yaml.parseAllDocuments(text, { uniqueKeys: false, prettyErrors: false, strict: false });
    const all = Array.isArray(docs) ? docs : [];
    const parseErrors = all.flatMap((d) => d.errors);
    if (parseErrors.length > 0) {
      for (const e of parseErrors) errors.push(errorMessage('LOAD_ERR_YAML_PARSE', e.message.split('\n')[0], root.child(pos(e.pos[0]), 'rules content')));
      return { items: [], errors, warnings };
    }
    // yaml-cpp resolves aliases (`*name`) as it reads; here they become the anchored node itself.
    documents = all.map((d) => resolveAliases(d.contents as Node | null, d));
  }
  const nodes: unknown[] = [];
  for (const contents of documents) {
    if (contents === null || (isScalar(contents) && (contents.value === null || contents.value === ''))) continue;
    if (!isSeq(contents)) {
      errors.push(errorMessage('LOAD_ERR_YAML_VALIDATE', 'Rules content is not yaml array of objects', root));
      return { items: [], errors, warnings };
    }
    nodes.push(...contents.items);
  }

  const r = new Reader(text, pos, warnings);
  const items: ReadItem[] = [];
  for (const node of nodes) {
    if (node === null || (isScalar(node) && node.value === null)) continue; // a lone `-`: yaml-cpp's null entry, skipped by Falco
    const at = root.child(pos(rangeStart(node as Node)), 'rules content item');
    try {
      if (!isMap(node)) throw new ItemError('LOAD_ERR_YAML_VALIDATE', 'Unexpected element type. Each element should be a yaml associative array.', at);
      const item = r.item(node, at);
      if (item !== undefined) items.push(item);
    } catch (e) {
      if (!(e instanceof ItemError)) throw e;
      errors.push(errorMessage(e.loadCode, e.message, e.ctx));
    }
  }
  return { items, errors, warnings };
}

function rangeStart(n: Node | null | undefined): number { return n?.range?.[0] ?? 0; }

/** Replaces each alias in the tree by the node it names (the anchor's; positions then point at the anchor). */
function resolveAliases(n: Node | null, doc: Yaml.Document.Parsed): Node | null {
  const yaml = loadYaml();
  const resolve = (v: unknown): unknown => (yaml.isAlias(v) ? v.resolve(doc) ?? null : v);
  const walk = (v: unknown): void => {
    if (isMap(v)) for (const p of v.items) { p.value = resolve(p.value) as typeof p.value; walk(p.value); }
    else if (isSeq(v)) for (let i = 0; i < v.items.length; i++) { v.items[i] = resolve(v.items[i]) as Node; walk(v.items[i]); }
  };
  const root = resolve(n) as Node | null;
  walk(root);
  return root;
}

class Reader {
  constructor(private readonly text: string, private readonly pos: (offset: number) => SourceLocation, private readonly warnings: LoadMessage[]) {}

  item(map: YAMLMap, at: Context): ReadItem | undefined {
    const keys = new Map<string, Pair>();
    for (const p of map.items) if (isScalar(p.key)) keys.set(String(p.key.value), p);
    const has = (k: string): boolean => keys.has(k);
    if (has('required_engine_version')) return this.engineVersion(keys, at);
    if (has('required_plugin_versions')) return this.pluginVersions(keys, at);
    if (has('list')) return this.list(keys, at);
    if (has('macro')) return this.macro(keys, at);
    if (has('rule')) return this.rule(keys, at);
    this.warnings.push(warningMessage('LOAD_UNKNOWN_ITEM', 'Unknown top level object', at));
    return undefined;
  }

  // ---- value helpers: each error points at the key's value ----

  private valueCtx(p: Pair, parent: Context, key: string): Context {
    return parent.child(this.pos(rangeStart((p.value ?? p.key) as Node)), key);
  }

  private string(keys: Map<string, Pair>, key: string, parent: Context, required = false): string | undefined {
    const p = keys.get(key);
    if (p === undefined || p.value === null || p.value === undefined) {
      if (required) throw new ItemError('LOAD_ERR_YAML_VALIDATE', `Item has no mapping for key '${key}'`, parent);
      return undefined;
    }
    const v = p.value as Node;
    if (!isScalar(v)) throw new ItemError('LOAD_ERR_YAML_VALIDATE', `Value for key '${key}' is not a scalar`, this.valueCtx(p, parent, key));
    return this.scalarText(v);
  }

  private scalarText(v: Node): string {
    if (!isScalar(v)) return '';
    if (typeof v.value === 'string') return v.value;
    if (v.value === null) return '';
    const r = v.range;
    return r !== undefined && r !== null ? this.text.slice(r[0], r[1]).trim() : String(v.value);
  }

  private bool(keys: Map<string, Pair>, key: string, parent: Context): boolean | undefined {
    const p = keys.get(key);
    if (p === undefined) return undefined;
    const v = p.value as Node | null;
    if (isScalar(v)) {
      if (typeof v.value === 'boolean') return v.value;
      const b = typeof v.value === 'string' ? YAML_CPP_BOOLS.get(v.value) : undefined;
      if (b !== undefined) return b;
    }
    throw new ItemError('LOAD_ERR_YAML_VALIDATE', `Value for key '${key}' is not a boolean`, this.valueCtx(p, parent, key));
  }

  private stringList(keys: Map<string, Pair>, key: string, parent: Context): string[] | undefined {
    const p = keys.get(key);
    if (p === undefined) return undefined;
    const v = p.value as Node | null;
    if (v === null || (isScalar(v) && v.value === null)) return [];
    if (!isSeq(v)) throw new ItemError('LOAD_ERR_YAML_VALIDATE', `Value for key '${key}' is not a sequence`, this.valueCtx(p, parent, key));
    return v.items.map((i) => {
      if (!isScalar(i)) throw new ItemError('LOAD_ERR_YAML_VALIDATE', `Items of '${key}' must be strings`, parent.child(this.pos(rangeStart(i as Node)), key));
      return this.scalarText(i);
    });
  }

  /**
   * Text of a condition/output with a map from value offsets to file positions (works for plain, quoted and block
   * scalars). `trim`: surrounding whitespace removed, as Falco's reader does for outputs (a `>` block ends in \n).
   */
  private piece(keys: Map<string, Pair>, key: string, parent: Context, trim = false): TextPiece | undefined {
    const p = keys.get(key);
    if (p === undefined) return undefined;
    const raw = this.string(keys, key, parent) ?? '';
    const text = trim ? raw.trim() : raw;
    const lead = trim ? raw.length - raw.trimStart().length : 0;
    const node = p.value as Node | null;
    const ctx = this.valueCtx(p, parent, key);
    const start = rangeStart(node ?? (p.key as Node));
    const end = node?.range?.[1] ?? start;
    const map = alignOffsets(raw, this.text, start, end);
    const pos = this.pos;
    return {
      text, ctx,
      segment: (at: number, label: string): SourceSegment => ({ start: at, length: text.length, label, locate: (o) => pos(map(o + lead)) }),
    };
  }

  private override(keys: Map<string, Pair>, parent: Context, appendable: Set<string>, replaceable: Set<string>, itemKeys: Set<string>): Record<string, OverrideMode> | undefined {
    const p = keys.get('override');
    if (p === undefined) return undefined;
    const ctx = this.valueCtx(p, parent, 'override');
    if (keys.has('append') && this.bool(keys, 'append', parent) === true) {
      throw new ItemError('LOAD_ERR_YAML_VALIDATE', "Keys 'override' and 'append: true' cannot be used together. Add an 'append' entry (e.g. 'condition: append') under 'override' instead.", ctx);
    }
    const m = p.value as Node | null;
    if (!isMap(m)) throw new ItemError('LOAD_ERR_YAML_VALIDATE', "Value for key 'override' is not a map", ctx);
    const out: Record<string, OverrideMode> = {};
    for (const op of m.items) {
      const k = isScalar(op.key) ? String(op.key.value) : '';
      const v = isScalar(op.value) ? String(op.value.value) : '';
      const kctx = parent.child(this.pos(rangeStart(op.key as Node)), 'override');
      if (v !== 'append' && v !== 'replace') throw new ItemError('LOAD_ERR_YAML_VALIDATE', `Invalid override value for key '${k}': must be 'append' or 'replace'`, kctx);
      if (v === 'append' && !appendable.has(k)) throw new ItemError('LOAD_ERR_YAML_VALIDATE', `Key '${k}' cannot be appended to, use 'replace:' instead`, kctx);
      if (v === 'replace' && !replaceable.has(k)) throw new ItemError('LOAD_ERR_YAML_VALIDATE', `Key '${k}' cannot be replaced`, kctx);
      if (!keys.has(k)) throw new ItemError('LOAD_ERR_YAML_VALIDATE', `An override is defined for '${k}' but the item has no '${k}' key`, kctx);
      out[k] = v;
    }
    for (const k of keys.keys()) {
      if (itemKeys.has(k) && out[k] === undefined) {
        throw new ItemError('LOAD_ERR_YAML_VALIDATE', `Unexpected key '${k}': no corresponding entry under 'override' is defined.`, this.valueCtx(keys.get(k)!, parent, k));
      }
    }
    return out;
  }

  private unknownKeys(keys: Map<string, Pair>, allowed: Set<string>, ctx: Context): void {
    for (const [k, p] of keys) {
      if (!allowed.has(k)) this.warnings.push(warningMessage('LOAD_UNKNOWN_KEY', `Unknown key '${k}'. The key will be ignored.`, ctx.child(this.pos(rangeStart(p.key as Node)), k)));
    }
  }

  private named(keys: Map<string, Pair>, kind: 'list' | 'macro' | 'rule', at: Context): { name: string; ctx: Context } {
    const p = keys.get(kind)!;
    const name = this.string(keys, kind, at) ?? '';
    const ctx = at.parent().child(this.pos(rangeStart(p.key as Node)), kind, name);
    if (name === '') throw new ItemError('LOAD_ERR_YAML_VALIDATE', `Mapping for key '${kind}' is empty`, ctx);
    return { name, ctx };
  }

  // ---- items ----

  private engineVersion(keys: Map<string, Pair>, at: Context): EngineVersionItem {
    const p = keys.get('required_engine_version')!;
    const ctx = this.valueCtx(p, at, 'required_engine_version');
    const raw = this.string(keys, 'required_engine_version', at, true)!;
    const version = /^\d+$/.test(raw) ? `0.${raw}.0` : raw;
    if (!/^\d+\.\d+\.\d+$/.test(version)) throw new ItemError('LOAD_ERR_YAML_VALIDATE', `Unable to parse engine version '${raw}' as a semver string. Expected "x.y.z" semver format.`, ctx);
    return { type: 'required_engine_version', version, ctx };
  }

  private pluginVersions(keys: Map<string, Pair>, at: Context): PluginVersionsItem {
    const p = keys.get('required_plugin_versions')!;
    const ctx = this.valueCtx(p, at, 'required_plugin_versions');
    const seq = p.value as Node | null;
    if (!isSeq(seq)) throw new ItemError('LOAD_ERR_YAML_VALIDATE', "Value of 'required_plugin_versions' is not a sequence", ctx);
    const plugins: PluginRequirement[] = [];
    for (const entry of seq.items) {
      const ectx = at.child(this.pos(rangeStart(entry as Node)), 'required_plugin_versions entry');
      if (!isMap(entry)) throw new ItemError('LOAD_ERR_YAML_VALIDATE', 'Unexpected element type. Each element should be a yaml associative array.', ectx);
      const ek = new Map<string, Pair>();
      for (const ep of entry.items) if (isScalar(ep.key)) ek.set(String(ep.key.value), ep);
      const name = this.string(ek, 'name', ectx, true)!;
      const version = this.string(ek, 'version', ectx, true)!;
      const alternatives: Array<{ name: string; version: string }> = [];
      const alt = ek.get('alternatives')?.value as Node | undefined;
      if (alt !== undefined && alt !== null) {
        if (!isSeq(alt)) throw new ItemError('LOAD_ERR_YAML_VALIDATE', "Value of 'alternatives' is not a sequence", ectx);
        for (const a of alt.items) {
          if (!isMap(a)) throw new ItemError('LOAD_ERR_YAML_VALIDATE', 'Unexpected element type in alternatives', ectx);
          const ak = new Map<string, Pair>();
          for (const ap of a.items) if (isScalar(ap.key)) ak.set(String(ap.key.value), ap);
          alternatives.push({ name: this.string(ak, 'name', ectx, true)!, version: this.string(ak, 'version', ectx, true)! });
        }
      }
      plugins.push({ name, version, alternatives });
    }
    return { type: 'required_plugin_versions', plugins, ctx };
  }

  private list(keys: Map<string, Pair>, at: Context): ListItem {
    const { name, ctx } = this.named(keys, 'list', at);
    this.unknownKeys(keys, LIST_KEYS, ctx);
    if (!NAME_RE.test(name)) this.warnings.push(warningMessage('LOAD_INVALID_LIST_NAME', `List has an invalid name. List names should match a regular expression: ${NAME_RE.source}`, ctx));
    const override = this.override(keys, ctx, new Set(['items']), new Set(['items']), new Set(['items']));
    const append = this.bool(keys, 'append', ctx) ?? false;
    if (!keys.has('items')) throw new ItemError('LOAD_ERR_YAML_VALIDATE', "Item has no mapping for key 'items'", ctx);
    const items = this.stringList(keys, 'items', ctx) ?? [];
    return { type: 'list', name, items, append, override, ctx };
  }

  private macro(keys: Map<string, Pair>, at: Context): MacroItem {
    const { name, ctx } = this.named(keys, 'macro', at);
    this.unknownKeys(keys, MACRO_KEYS, ctx);
    if (!NAME_RE.test(name)) this.warnings.push(warningMessage('LOAD_INVALID_MACRO_NAME', `Macro has an invalid name. Macro names should match a regular expression: ${NAME_RE.source}`, ctx));
    const override = this.override(keys, ctx, new Set(['condition']), new Set(['condition']), new Set(['condition']));
    const append = this.bool(keys, 'append', ctx) ?? false;
    if (!keys.has('condition')) throw new ItemError('LOAD_ERR_YAML_VALIDATE', "Item has no mapping for key 'condition'", ctx);
    const condition = this.piece(keys, 'condition', ctx)!;
    return { type: 'macro', name, condition, append, override, ctx };
  }

  private rule(keys: Map<string, Pair>, at: Context): RuleItem {
    const { name, ctx } = this.named(keys, 'rule', at);
    this.unknownKeys(keys, RULE_KEYS, ctx);
    const itemKeys = new Set([...RULE_REPLACEABLE]);
    const override = this.override(keys, ctx, RULE_APPENDABLE, RULE_REPLACEABLE, itemKeys);
    const append = this.bool(keys, 'append', ctx) ?? false;
    let priority: Priority | undefined;
    const priText = this.string(keys, 'priority', ctx);
    if (priText !== undefined) {
      priority = parsePriority(priText);
      if (priority === undefined) throw new ItemError('LOAD_ERR_YAML_VALIDATE', 'Invalid priority', this.valueCtx(keys.get('priority')!, ctx, 'priority'));
    }
    const item: RuleItem = {
      type: 'rule', name, ctx, append, override, priority,
      desc: this.string(keys, 'desc', ctx),
      condition: this.piece(keys, 'condition', ctx),
      output: this.piece(keys, 'output', ctx, true),
      tags: this.stringList(keys, 'tags', ctx),
      enabled: this.bool(keys, 'enabled', ctx),
      source: this.string(keys, 'source', ctx),
      exceptions: this.exceptions(keys, ctx),
      warnEvttypes: this.bool(keys, 'warn_evttypes', ctx),
      skipIfUnknownFilter: this.bool(keys, 'skip-if-unknown-filter', ctx),
      capture: this.bool(keys, 'capture', ctx),
      captureDuration: keys.has('capture_duration') ? Number(this.string(keys, 'capture_duration', ctx)) : undefined,
    };
    // A legacy `append: true` takes condition and exceptions only; Falco ignores its other keys.
    return append ? { ...item, output: undefined, desc: undefined, priority: undefined, tags: undefined, enabled: undefined, source: undefined } : item;
  }

  private exceptions(keys: Map<string, Pair>, parent: Context): ExceptionItem[] | undefined {
    const p = keys.get('exceptions');
    if (p === undefined) return undefined;
    const seq = p.value as Node | null;
    if (seq === null || (isScalar(seq) && seq.value === null)) return [];
    const ctx = this.valueCtx(p, parent, 'exceptions');
    if (!isSeq(seq)) throw new ItemError('LOAD_ERR_YAML_VALIDATE', "Value for key 'exceptions' is not a sequence", ctx);
    return seq.items.map((e) => {
      const ectx = parent.child(this.pos(rangeStart(e as Node)), 'exception');
      if (!isMap(e)) throw new ItemError('LOAD_ERR_YAML_VALIDATE', 'Rule exception item must be a map', ectx);
      const ek = new Map<string, Pair>();
      for (const ep of e.items) if (isScalar(ep.key)) ek.set(String(ep.key.value), ep);
      const name = this.string(ek, 'name', ectx, true)!;
      const nctx = parent.child(this.pos(rangeStart(e as Node)), 'exception', name);
      this.unknownKeys(ek, EXCEPTION_KEYS, nctx);
      const strOrList = (k: string): string | string[] | undefined => {
        const kp = ek.get(k);
        if (kp === undefined || kp.value === null) return undefined;
        return isSeq(kp.value) ? this.stringList(ek, k, nctx) : this.string(ek, k, nctx);
      };
      const vp = ek.get('values');
      let values: ExceptionValue[] = [];
      if (vp !== undefined && vp.value !== null) {
        if (!isSeq(vp.value)) throw new ItemError('LOAD_ERR_YAML_VALIDATE', "Value for key 'values' is not a sequence", this.valueCtx(vp, nctx, 'values'));
        values = vp.value.items.map((v) => this.exceptionValue(v as Node, nctx));
      }
      return { name, fields: strOrList('fields'), comps: strOrList('comps'), values, ctx: nctx };
    });
  }

  private exceptionValue(v: Node, ctx: Context): ExceptionValue {
    if (isSeq(v)) return { item: '', items: v.items.map((i) => this.exceptionValue(i as Node, ctx)) };
    if (isScalar(v)) return { item: this.scalarText(v) };
    throw new ItemError('LOAD_ERR_YAML_VALIDATE', 'Exception values must be strings or lists of strings', ctx.child(this.pos(rangeStart(v)), 'values'));
  }
}

/** Falco's priority names, case-insensitive, with INFO for INFORMATIONAL. */
export function parsePriority(text: string): Priority | undefined {
  const u = text.trim().toUpperCase();
  if (u === 'INFO') return 'INFORMATIONAL';
  return (PRIORITIES as readonly string[]).includes(u) ? (u as Priority) : undefined;
}

/**
 * Maps offsets of a scalar's value to offsets in the file by walking both: equal characters advance together,
 * whitespace matches whitespace (folding turns newlines into spaces), anything else in the source (quotes,
 * escapes, indentation, block headers) is skipped. Exact for plain and single-line quoted scalars.
 */
export function alignOffsets(value: string, source: string, start: number, end: number): (offset: number) => number {
  let cache: Int32Array | undefined;
  return (offset: number): number => {
    if (cache === undefined) {
      cache = new Int32Array(value.length + 1);
      let j = start;
      for (let i = 0; i < value.length; i++) {
        const c = value.charCodeAt(i);
        const ws = c === 32 || c === 10 || c === 9;
        while (j < end) {
          const s = source.charCodeAt(j);
          if (s === c || (ws && (s === 32 || s === 10 || s === 9 || s === 13))) break;
          j++;
        }
        cache[i] = Math.min(j, Math.max(start, end - 1));
        if (j < end) j++;
      }
      cache[value.length] = j;
    }
    return cache[Math.max(0, Math.min(offset, value.length))];
  };
}
