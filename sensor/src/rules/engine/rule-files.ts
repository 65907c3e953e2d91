// Where rules come from for `run`/`replay`: the paths given, or the default rules directory `rules/` at the
// repository (or installed package) root; compiled by the rules loader (rules/loader, loadRuleSet).
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RuleSet } from '../types.js';
import { EngineError } from './errors.js';

export type LoadRuleSet = (paths: string[], opts?: Record<string, unknown>) => RuleSet | Promise<RuleSet>;

/** The package root: the nearest parent holding package.json — the same from sources and from dist/. */
export function packageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return dir;
}

export function defaultRulesDir(): string { return path.join(packageRoot(), 'rules'); }

/** The paths to load: the ones given, else the default directory; EngineError ERULES_NONE when there is none. */
export function resolveRulePaths(given: readonly string[] | undefined): string[] {
  if (given && given.length > 0) return [...given];
  const dir = defaultRulesDir();
  if (!existsSync(dir)) {
    throw new EngineError('ERULES_NONE', `no rules given (--rules PATH) and the default rules directory ${dir} does not exist`);
  }
  return [dir];
}

let loader: LoadRuleSet | undefined;

/** Sets the loader used by loadRules (tests, embedders); the default is rules/loader's loadRuleSet. */
export function useRuleLoader(load: LoadRuleSet | undefined): void { loader = load; }

/** The loader's entry point, imported on first use (EngineError ELOADER when it is not available). */
export async function ruleLoader(): Promise<LoadRuleSet> {
  if (loader) return loader;
  let mod: { loadRuleSet?: LoadRuleSet };
  try {
    mod = (await import('../loader/index.js' as string)) as { loadRuleSet?: LoadRuleSet };
  } catch (e) {
    throw new EngineError('ELOADER', `the rules loader is not available (${(e as Error).message})`);
  }
  if (typeof mod.loadRuleSet !== 'function') throw new EngineError('ELOADER', 'the rules loader does not export loadRuleSet');
  loader = mod.loadRuleSet;
  return loader;
}

/** Compiles the rules files with the loader. */
export async function loadRules(paths: readonly string[], opts: Record<string, unknown> = {}): Promise<RuleSet> {
  const load = await ruleLoader();
  return await load([...paths], opts);
}

/** A load message as one line: `file:line:col: code: message` (Falco's shape, flattened for logs). */
export function formatLoadMessage(m: {
  code: string; message: string;
  context?: { locations?: Array<{ file: string; line: number; col: number; item_type?: string; item_name?: string }> };
}): string {
  // One line: the innermost position (where in the condition, macro or list the problem is) and the item it
  // belongs to; `sensord rules validate` prints the whole chain as Falco does.
  const locs = m.context?.locations ?? [];
  const loc = locs[locs.length - 1];
  const item = locs.find((l) => l.item_type === 'rule' || l.item_type === 'macro' || l.item_type === 'list');
  const where = item !== undefined && item.item_name ? ` (${item.item_type} '${item.item_name}')` : '';
  return `${loc ? `${loc.file}:${loc.line}:${loc.col}: ` : ''}${m.code}: ${m.message}${where}`;
}
