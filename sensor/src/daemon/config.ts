// `sensord run --config FILE`: a YAML mapping whose keys are the long flag names of the command, in kebab-case
// (`tls-ca`, `metrics-listen`) or camelCase (`tlsCa`), e.g.
//     rules: [/etc/sensord/rules.yaml]
//     json: true
//     grpc: 127.0.0.1:7000
//     tls-ca: /etc/sensord/ca.crt
// Flags given on the command line win over the file; an unknown key, or a value of the wrong kind, is an error
// naming the file, line and key. Values pass through the option's own parser, as they would on the command line.
import { readFileSync } from 'node:fs';
import type { Command, Option } from 'commander';
import type { Node } from 'yaml';
import { loadYaml } from '../rules/loader/yaml-nodes.js';

export class ConfigError extends Error {
  constructor(message: string) { super(message); this.name = 'ConfigError'; }
}

export interface ConfigEntry { key: string; value: unknown; line: number }

/** The entries of a config file, in file order, with their 1-based lines. */
export function readConfigFile(file: string): ConfigEntry[] {
  let text: string;
  try { text = readFileSync(file, 'utf8'); } catch (e) { throw new ConfigError(`--config ${file}: ${(e as Error).message}`); }
  const { LineCounter, isMap, isScalar, parseDocument } = loadYaml(); // loaded when a command is given --config
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    throw new ConfigError(`${file}:${e.linePos?.[0]?.line ?? '?'}: ${e.message.split('\n')[0]}`);
  }
  if (doc.contents === null) return [];
  if (!isMap(doc.contents)) throw new ConfigError(`${file}: expected a mapping of option names to values`);
  const lineOf = (n: Node | null | undefined | unknown) => {
    const r = (n as { range?: [number, number, number] } | null | undefined)?.range;
    return r ? lc.linePos(r[0]).line : 0;
  };
  return doc.contents.items.map((pair) => {
    const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
    const value = pair.value === null ? null : (pair.value as Node).toJSON();
    return { key, value, line: lineOf(pair.key) };
  });
}

const camel = (k: string) => k.replace(/-([a-z0-9])/g, (_m, c: string) => c.toUpperCase());

function scalarText(v: unknown, where: string): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  throw new ConfigError(`${where}: expected a string or number, got ${JSON.stringify(v)}`);
}

/**
 * Sets the options of `cmd` from the file's entries, except those given on the command line. Values go through the
 * option's parser (repeatable options take a list or one value; flags without a value take true/false).
 */
export function applyConfig(cmd: Command, entries: readonly ConfigEntry[], file: string): void {
  const byAttr = new Map<string, Option>();
  for (const o of cmd.options) if (o.long) byAttr.set(o.attributeName(), o);
  for (const { key, value, line } of entries) {
    const where = `${file}:${line}: ${key}`;
    const opt = byAttr.get(camel(key));
    if (!opt || key === 'config') throw new ConfigError(`${file}:${line}: unknown key ${JSON.stringify(key)} (keys are the long flags of sensord ${cmd.name()}, e.g. tls-ca or tlsCa)`);
    const attr = opt.attributeName();
    if (cmd.getOptionValueSource(attr) === 'cli') continue;
    let v: unknown;
    if (!opt.required && !opt.optional) {
      if (typeof value !== 'boolean') throw new ConfigError(`${where}: expected true or false, got ${JSON.stringify(value)}`);
      v = opt.negate ? !value : value;
    } else {
      const list = Array.isArray(value) ? value : [value];
      if (Array.isArray(value) && !opt.parseArg) throw new ConfigError(`${where}: takes one value, got a list`);
      let acc: unknown = undefined;
      for (const item of list) {
        const text = scalarText(item, where);
        try { acc = opt.parseArg ? opt.parseArg(text, acc) : text; } catch (e) { throw new ConfigError(`${where}: ${(e as Error).message}`); }
      }
      v = acc;
    }
    cmd.setOptionValueWithSource(attr, v, 'config');
  }
}

/** A preAction hook: reads --config FILE (if given) into the command's options. */
export function configHook(thisCmd: Command): void {
  const file = thisCmd.getOptionValue('config') as string | undefined;
  if (file === undefined) return;
  try {
    applyConfig(thisCmd, readConfigFile(file), file);
  } catch (e) {
    if (e instanceof ConfigError) thisCmd.error(`sensord ${thisCmd.name()}: ${e.message}`, { exitCode: 2, code: 'sensord.config' });
    throw e;
  }
}
