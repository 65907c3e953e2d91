// collect: items of all files, in order → the final definitions (Falco rule_loader_collector). Redefinition
// replaces in place; `append: true` and `override` (append/replace per key) update the earlier definition; a rule
// item with only `enabled` toggles one. Validates exceptions against the field registry of the rule's source.
import type { FieldRegistry } from '../fields/registry.js';
import type { Priority } from '../types.js';
import { ALL_OPERATORS } from '../parser/parser.js';
import { errorMessage, warningMessage, type Context } from './messages.js';
import type { ExceptionItem, ExceptionValue, ListItem, MacroItem, PluginRequirement, ReadItem, RuleItem, TextPiece } from './read.js';
import type { LoadMessage } from '../types.js';

export interface ListInfo { name: string; items: string[]; index: number; visibility: number; ctx: Context }
export interface MacroInfo { name: string; condition: TextPiece[]; index: number; visibility: number; ctx: Context }
export interface ExceptionInfo {
  name: string;
  fields: string | string[];
  comps: string | string[];
  values: ExceptionValue[];
  ctx: Context;
}
export interface RuleInfo {
  name: string;
  desc: string;
  condition: TextPiece[];
  output: TextPiece[];
  priority: Priority;
  tags: string[];
  enabled: boolean;
  source: string;
  exceptions: ExceptionInfo[];
  warnEvttypes: boolean;
  skipIfUnknownFilter: boolean;
  capture: boolean;
  captureDuration: number;
  unknownSource: boolean;
  index: number;
  ctx: Context;
}

export interface Collection {
  readonly lists: Map<string, ListInfo>;
  readonly macros: Map<string, MacroInfo>;
  readonly rules: Map<string, RuleInfo>;
  readonly requiredEngineVersion: string | undefined;
  readonly requiredPlugins: PluginRequirement[][];
}

export interface CollectOptions {
  /** Field registries by source: a rule whose source has none is kept but skipped (LOAD_UNKNOWN_SOURCE). */
  readonly sources: ReadonlyMap<string, FieldRegistry>;
}

class CollectError extends Error {
  constructor(message: string, readonly ctx: Context) { super(message); }
}

export function collectItems(items: readonly ReadItem[], opts: CollectOptions): { collection: Collection; errors: LoadMessage[]; warnings: LoadMessage[] } {
  const c = new Collector(opts);
  for (const item of items) {
    try {
      c.add(item);
    } catch (e) {
      if (!(e instanceof CollectError)) throw e;
      c.errors.push(errorMessage('LOAD_ERR_VALIDATE', e.message, e.ctx));
    }
  }
  return { collection: c.result(), errors: c.errors, warnings: c.warnings };
}

class Collector {
  readonly errors: LoadMessage[] = [];
  readonly warnings: LoadMessage[] = [];
  private readonly lists = new Map<string, ListInfo>();
  private readonly macros = new Map<string, MacroInfo>();
  private readonly rules = new Map<string, RuleInfo>();
  private engineVersion: string | undefined;
  private readonly plugins: PluginRequirement[][] = [];
  private index = 0;

  constructor(private readonly opts: CollectOptions) {}

  result(): Collection {
    return { lists: this.lists, macros: this.macros, rules: this.rules, requiredEngineVersion: this.engineVersion, requiredPlugins: this.plugins };
  }

  add(item: ReadItem): void {
    switch (item.type) {
      case 'required_engine_version':
        if (this.engineVersion === undefined || compareSemver(item.version, this.engineVersion) > 0) this.engineVersion = item.version;
        return;
      case 'required_plugin_versions':
        for (const p of item.plugins) {
          const names = [p.name, ...p.alternatives.map((a) => a.name)];
          if (new Set(names).size !== names.length) throw new CollectError(`Defined multiple alternative version requirements for plugin '${p.name}'`, item.ctx);
          for (const v of [p, ...p.alternatives]) {
            if (!/^\d+\.\d+\.\d+/.test(v.version)) throw new CollectError(`Invalid required version '${v.version}' for plugin '${v.name}'`, item.ctx);
          }
          this.plugins.push([{ name: p.name, version: p.version, alternatives: [] }, ...p.alternatives.map((a) => ({ name: a.name, version: a.version, alternatives: [] }))]);
        }
        return;
      case 'list': return this.list(item);
      case 'macro': return this.macro(item);
      case 'rule': return this.rule(item);
    }
  }

  private deprecatedAppend(ctx: Context): void {
    this.warnings.push(warningMessage('LOAD_DEPRECATED_ITEM', "'append' key is deprecated. Add an 'append' entry (e.g. 'condition: append') under 'override' instead.", ctx));
  }

  private list(item: ListItem): void {
    const id = this.index++;
    const prev = this.lists.get(item.name);
    const mode = item.override?.items ?? (item.append ? 'append' : undefined);
    if (item.append) this.deprecatedAppend(item.ctx);
    // As Falco's reader: an append needs the list; a replace is a definition (of a list that may not exist yet).
    if (mode === 'append' || (mode === 'replace' && prev !== undefined)) {
      if (prev === undefined) throw new CollectError("List uses 'append' or 'override.items: append' but no list by that name already exists", item.ctx);
      if (item.items.length === 0) this.warnings.push(warningMessage('LOAD_APPEND_NO_VALUES', 'Overriding/appending list with no values', item.ctx));
      prev.items = mode === 'append' ? [...prev.items, ...item.items] : [...item.items];
      prev.visibility = id;
      return;
    }
    const info: ListInfo = { name: item.name, items: [...item.items], index: prev?.index ?? id, visibility: id, ctx: item.ctx };
    this.lists.set(item.name, info);
  }

  private macro(item: MacroItem): void {
    const id = this.index++;
    const prev = this.macros.get(item.name);
    const mode = item.override?.condition ?? (item.append ? 'append' : undefined);
    if (item.append) this.deprecatedAppend(item.ctx);
    if (mode === 'append' || (mode === 'replace' && prev !== undefined)) {
      if (prev === undefined) throw new CollectError("Macro uses 'append' or 'override.condition: append' but no macro by that name already exists", item.ctx);
      prev.condition = mode === 'append' ? [...prev.condition, item.condition] : [item.condition];
      prev.visibility = id;
      return;
    }
    this.macros.set(item.name, { name: item.name, condition: [item.condition], index: prev?.index ?? id, visibility: id, ctx: item.ctx });
  }

  private rule(item: RuleItem): void {
    const id = this.index++;
    const prev = this.rules.get(item.name);
    if (item.append) {
      this.deprecatedAppend(item.ctx);
      if (prev === undefined) throw new CollectError("Rule has 'append' key but no rule by that name already exists", item.ctx);
      // Falco reads only condition and exceptions of a legacy append (its check for neither is disabled).
      this.appendToRule(prev, item, new Set(['condition', 'exceptions']));
      return;
    }
    if (item.override !== undefined) {
      if (prev === undefined) throw new CollectError("Rule has 'override' key but no rule by that name already exists", item.ctx);
      const appendKeys = new Set(Object.keys(item.override).filter((k) => item.override![k] === 'append'));
      const replaceKeys = new Set(Object.keys(item.override).filter((k) => item.override![k] === 'replace'));
      if (appendKeys.size > 0) this.appendToRule(prev, item, appendKeys);
      if (replaceKeys.size > 0) this.replaceInRule(prev, item, replaceKeys);
      return;
    }
    const defines = item.condition !== undefined || item.output !== undefined || item.desc !== undefined || item.priority !== undefined;
    if (!defines && item.enabled !== undefined) {
      this.warnings.push(warningMessage('LOAD_DEPRECATED_ITEM', "The standalone 'enabled' key usage is deprecated. The correct approach requires also a 'replace' entry under the 'override' key (i.e. 'enabled: replace').", item.ctx));
      if (prev === undefined) throw new CollectError("Rule has 'enabled' key but no rule by that name already exists", item.ctx);
      prev.enabled = item.enabled;
      return;
    }
    for (const k of ['condition', 'output', 'desc', 'priority'] as const) {
      if (item[k] === undefined) throw new CollectError(`Item has no mapping for key '${k}'`, item.ctx);
    }
    const source = item.source ?? 'syscall';
    if (prev !== undefined && prev.source !== source) throw new CollectError('Rule has been re-defined with a different source', item.ctx);
    const registry = this.opts.sources.get(source);
    const unknownSource = registry === undefined;
    if (unknownSource) this.warnings.push(warningMessage('LOAD_UNKNOWN_SOURCE', `Unknown source ${source}, skipping`, item.ctx));
    const exceptions = (item.exceptions ?? []).map((e) => this.newException(e, registry, unknownSource));
    this.uniqueExceptionNames(exceptions, item.ctx);
    this.rules.set(item.name, {
      name: item.name, desc: item.desc!, condition: [item.condition!], output: [item.output!], priority: item.priority!,
      tags: [...(item.tags ?? [])], enabled: item.enabled ?? true, source, exceptions,
      warnEvttypes: item.warnEvttypes ?? true, skipIfUnknownFilter: item.skipIfUnknownFilter ?? false,
      capture: item.capture ?? false, captureDuration: item.captureDuration ?? 0, unknownSource,
      index: prev?.index ?? id, ctx: item.ctx,
    });
  }

  private appendToRule(prev: RuleInfo, item: RuleItem, keys: Set<string>): void {
    const registry = this.opts.sources.get(prev.source);
    if (keys.has('condition') && item.condition !== undefined && item.condition.text !== '') prev.condition = [...prev.condition, item.condition];
    if (keys.has('output') && item.output !== undefined && item.output.text !== '') prev.output = [...prev.output, item.output];
    if (keys.has('desc') && item.desc !== undefined && item.desc !== '') prev.desc += ' ' + item.desc;
    if (keys.has('tags') && item.tags !== undefined) for (const t of item.tags) if (!prev.tags.includes(t)) prev.tags.push(t);
    if (keys.has('exceptions') && item.exceptions !== undefined) {
      for (const ex of item.exceptions) {
        const existing = prev.exceptions.find((e) => e.name === ex.name);
        if (existing === undefined) {
          if (ex.fields === undefined) throw new CollectError('Rule exception must have fields property with a list of fields', ex.ctx);
          if (ex.values.length === 0) throw new CollectError('Rule exception must have values property with a list of values', ex.ctx);
          prev.exceptions.push(this.newException(ex, registry, prev.unknownSource));
        } else {
          if (ex.fields !== undefined) throw new CollectError('Can not append exception fields to existing exception, only values', ex.ctx);
          if (ex.comps !== undefined) throw new CollectError('Can not append exception comps to existing exception, only values', ex.ctx);
          if (ex.values.length === 0) this.warnings.push(warningMessage('LOAD_APPEND_NO_VALUES', 'Overriding/appending exception with no values', ex.ctx));
          existing.values = [...existing.values, ...ex.values];
        }
      }
    }
  }

  private replaceInRule(prev: RuleInfo, item: RuleItem, keys: Set<string>): void {
    const registry = this.opts.sources.get(prev.source);
    if (keys.has('condition') && item.condition !== undefined) prev.condition = [item.condition];
    if (keys.has('output') && item.output !== undefined) prev.output = [item.output];
    if (keys.has('desc') && item.desc !== undefined) prev.desc = item.desc;
    if (keys.has('tags') && item.tags !== undefined) prev.tags = [...item.tags];
    if (keys.has('exceptions') && item.exceptions !== undefined) prev.exceptions = item.exceptions.map((e) => this.newException(e, registry, prev.unknownSource));
    if (keys.has('priority') && item.priority !== undefined) prev.priority = item.priority;
    if (keys.has('enabled') && item.enabled !== undefined) prev.enabled = item.enabled;
    if (keys.has('warn_evttypes') && item.warnEvttypes !== undefined) prev.warnEvttypes = item.warnEvttypes;
    if (keys.has('skip-if-unknown-filter') && item.skipIfUnknownFilter !== undefined) prev.skipIfUnknownFilter = item.skipIfUnknownFilter;
    if (keys.has('capture') && item.capture !== undefined) prev.capture = item.capture;
    if (keys.has('capture_duration') && item.captureDuration !== undefined) prev.captureDuration = item.captureDuration;
  }

  private uniqueExceptionNames(exceptions: readonly ExceptionInfo[], ctx: Context): void {
    const seen = new Set<string>();
    for (const e of exceptions) {
      if (seen.has(e.name)) this.warnings.push(warningMessage('LOAD_EXCEPTION_NAME_NOT_UNIQUE', `Multiple definitions of exception '${e.name}' in the same rule`, ctx));
      seen.add(e.name);
    }
  }

  /** Falco validate_exception_info: defaults for comps, equal lengths, known operators and fields. */
  private newException(ex: ExceptionItem, registry: FieldRegistry | undefined, unknownSource: boolean): ExceptionInfo {
    if (ex.fields === undefined) throw new CollectError('Rule exception item must have fields property with a list of fields', ex.ctx);
    const known = (f: string): boolean => {
      if (registry === undefined || unknownSource) return true;
      try { registry.parse(f); return true; } catch { return false; }
    };
    if (Array.isArray(ex.fields)) {
      const comps = ex.comps === undefined ? ex.fields.map(() => '=') : ex.comps;
      if (!Array.isArray(comps) || comps.length !== ex.fields.length) throw new CollectError('Fields and comps lists must have equal length', ex.ctx);
      for (const c of comps) if (!ALL_OPERATORS.includes(c)) throw new CollectError(`'${c}' is not a supported comparison operator`, ex.ctx);
      for (const f of ex.fields) if (!known(f)) throw new CollectError(`'${f}' is not a supported filter field`, ex.ctx);
      return { name: ex.name, fields: [...ex.fields], comps: [...comps], values: [...ex.values], ctx: ex.ctx };
    }
    const comp = ex.comps ?? 'in';
    if (Array.isArray(comp)) throw new CollectError('Fields and comps must both be strings', ex.ctx);
    if (comp !== 'in' && comp !== 'pmatch' && comp !== 'intersects') throw new CollectError('When fields is a single value, comps must be one of (in, pmatch, intersects)', ex.ctx);
    if (!known(ex.fields as string)) throw new CollectError(`'${ex.fields as string}' is not a supported filter field`, ex.ctx);
    return { name: ex.name, fields: ex.fields as string, comps: comp as string, values: [...ex.values], ctx: ex.ctx };
  }
}

export function compareSemver(a: string, b: string): number {
  const pa = a.split('.').map((x) => parseInt(x, 10) || 0);
  const pb = b.split('.').map((x) => parseInt(x, 10) || 0);
  for (let i = 0; i < 3; i++) if ((pa[i] ?? 0) !== (pb[i] ?? 0)) return (pa[i] ?? 0) - (pb[i] ?? 0);
  return 0;
}
