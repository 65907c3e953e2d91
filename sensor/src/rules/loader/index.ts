// The rules loader: read → collect → compile → index (HOUSE-STYLE 11, Falco's rule_loader). Each step is a pure
// function; loadRuleSet only adds file reading. A bad file never throws: the RuleSet carries the errors, and a
// caller (the daemon's reload) keeps its running set whenever `errors` is not empty.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { FIELD_REGISTRY, type FieldRegistry } from '../fields/registry.js';
import { PPM_EVENT_MAX, probeEventIds } from '../../schema/index.js';
import type { CompiledRule, LoadMessage, RuleSet } from '../types.js';
import { readRulesText, type PluginRequirement, type ReadItem } from './read.js';
import { collectItems, compareSemver } from './collect.js';
import { compileCollection, type CompiledRuleInfo } from './compile.js';
import { Context, errorMessage, warningMessage } from './messages.js';

/** The Falco engine version whose rules language we implement (Falco 0.44.x). */
export const ENGINE_VERSION = '0.62.0';

/**
 * Plugins whose fields sensord provides itself. Falco's rules require the `container` plugin (>= 0.4.0) for
 * container.* and k8s.ns/pod fields; sensord's built-in container fields play that role, so a `container`
 * requirement of any version is satisfied. Requirements on other plugins (k8saudit, json, cloudtrail) are not
 * errors: rules of their sources are skipped with LOAD_UNKNOWN_SOURCE, and a warning names the missing plugin.
 */
export const BUILTIN_PLUGINS: ReadonlySet<string> = new Set(['container']);

export interface LoadOptions {
  /** Field registries by event source; default: `syscall` → FIELD_REGISTRY. Rules of other sources are skipped. */
  readonly sources?: ReadonlyMap<string, FieldRegistry>;
  /** Engine version checked against required_engine_version (default ENGINE_VERSION). */
  readonly engineVersion?: string;
  /** Event ids the probe can emit: the selection for rules that match every event type (default probeEventIds()). */
  readonly probeEventIds?: readonly number[];
}

export interface RulesText { readonly file: string; readonly text: string }

/** Extra facts a loaded set carries beyond the engine contract. */
export interface LoadedRuleSet extends RuleSet {
  /** Every compiled rule, enabled or not, in definition order (for `rules list`). */
  readonly allRules: readonly CompiledRuleInfo[];
  readonly requiredEngineVersion: string | undefined;
  readonly requiredPlugins: readonly (readonly PluginRequirement[])[];
}

const DEFAULT_SOURCES: ReadonlyMap<string, FieldRegistry> = new Map([['syscall', FIELD_REGISTRY]]);

/** Files to load for the given paths: files as given, directories' *.yaml/*.yml sorted by name (not recursive). */
export function expandRulePaths(paths: readonly string[]): { files: string[]; errors: LoadMessage[] } {
  const files: string[] = [];
  const errors: LoadMessage[] = [];
  for (const p of paths) {
    try {
      if (statSync(p).isDirectory()) {
        for (const f of readdirSync(p).sort()) if (/\.ya?ml$/.test(f)) files.push(join(p, f));
      } else files.push(p);
    } catch (e) {
      errors.push(fileError(p, e));
    }
  }
  return { files, errors };
}

function fileError(file: string, e: unknown): LoadMessage {
  const ctx = new Context([{ file, line: 1, col: 1, item_type: 'rules content', item_name: '' }], new Map());
  return errorMessage('LOAD_ERR_FILE_READ', `Could not read file ${file}: ${(e as Error).message}`, ctx);
}

/** Reads and compiles rules files and directories, in order. Never throws for bad content or unreadable files. */
export function loadRuleSet(paths: readonly string[], opts: LoadOptions = {}): LoadedRuleSet {
  const { files, errors } = expandRulePaths(paths);
  const texts: RulesText[] = [];
  for (const f of files) {
    try { texts.push({ file: f, text: readFileSync(f, 'utf8') }); } catch (e) { errors.push(fileError(f, e)); }
  }
  const set = loadRuleSetFromTexts(texts, opts);
  return errors.length === 0 ? set : { ...set, errors: [...errors, ...set.errors] };
}

/** The pure core: rules texts → RuleSet. */
export function loadRuleSetFromTexts(texts: readonly RulesText[], opts: LoadOptions = {}): LoadedRuleSet {
  const sources = opts.sources ?? DEFAULT_SOURCES;
  const fileMap = new Map(texts.map((t) => [t.file, t.text]));
  const errors: LoadMessage[] = [];
  const warnings: LoadMessage[] = [];

  // read
  const items: ReadItem[] = [];
  for (const t of texts) {
    const r = readRulesText(t.file, t.text, fileMap);
    items.push(...r.items);
    errors.push(...r.errors);
    warnings.push(...r.warnings);
  }

  // requirements
  const engine = opts.engineVersion ?? ENGINE_VERSION;
  for (const it of items) {
    if (it.type === 'required_engine_version' && !engineCompatible(engine, it.version)) {
      errors.push(errorMessage('LOAD_ERR_VALIDATE', `Rules require engine version ${it.version}, but engine version is ${engine}`, it.ctx));
    }
    if (it.type === 'required_plugin_versions') {
      for (const req of it.plugins) {
        const names = [req.name, ...req.alternatives.map((a) => a.name)];
        if (!names.some((n) => BUILTIN_PLUGINS.has(n))) {
          warnings.push(warningMessage('LOAD_UNKNOWN_SOURCE', `Plugin '${req.name}' (version ${req.version}) is required but not available in sensord; rules of its event sources are skipped`, it.ctx));
        }
      }
    }
  }

  // collect
  const collected = collectItems(items, { sources });
  errors.push(...collected.errors);
  warnings.push(...collected.warnings);

  // compile
  const compiled = compileCollection(collected.collection, { sources });
  errors.push(...compiled.errors);
  warnings.push(...compiled.warnings);

  // index
  const index = indexByEventType(compiled.rules, opts.probeEventIds ?? probeEventIds());
  return {
    ...index, allRules: compiled.rules, errors, warnings, files: texts.map((t) => t.file),
    requiredEngineVersion: collected.collection.requiredEngineVersion, requiredPlugins: collected.collection.requiredPlugins,
  };
}

/** Enabled rules indexed by event type; the union of their types is the probe's selection. */
export function indexByEventType(all: readonly CompiledRuleInfo[], probeIds: readonly number[]): Pick<RuleSet, 'rules' | 'byEventType' | 'eventTypes'> {
  const rules: CompiledRule[] = all.filter((r) => r.enabled);
  const byEventType: CompiledRule[][] = Array.from({ length: PPM_EVENT_MAX }, () => []);
  const eventTypes = new Set<number>();
  for (const r of rules) {
    if (r.source !== 'syscall') continue;
    if (r.evttypes === null) {
      for (const list of byEventType) list.push(r);
      for (const id of probeIds) eventTypes.add(id);
    } else {
      for (const id of r.evttypes) { byEventType[id].push(r); eventTypes.add(id); }
    }
  }
  return { rules, byEventType, eventTypes };
}

/** Falco engine_version compatible_with: same major, and ours >= required. */
function engineCompatible(ours: string, required: string): boolean {
  return ours.split('.')[0] === required.split('.')[0] && compareSemver(ours, required) >= 0;
}

export { formatMessage, ERROR_CODES, WARNING_CODES, type ErrorCode, type WarningCode } from './messages.js';
export { parsePriority, readRulesText } from './read.js';
export { collectItems } from './collect.js';
export { compileCollection, buildExceptions, checkOutput, type CompiledRuleInfo } from './compile.js';
