// What `sensord run` and `sensord replay` share: the alerting options, engine options from flags, rule loading
// with Falco-style messages, the stdout/file outputs and exit codes. Kept apart from run.ts so replay does not
// load gRPC, metrics, enrichment or pino (a cold `sensord replay` starts ~60 ms sooner).
import os from 'node:os';
import type { Logger } from 'pino';
import type { RuleSet } from '../../rules/types.js';
import {
  EngineError, checkFilter, formatLoadMessage, loadRules, parsePriority, type EngineOptions, type RateLimit,
} from '../../rules/engine/index.js';
import { FileOutput, StdoutOutput, type AlertOutput } from '../../output/index.js';
import { DropPolicyError, type DropFlags } from '../drops.js';

export interface AlertingOptions extends DropFlags {
  rules?: string[];
  json?: boolean;
  tag?: string[];
  disableTag?: string[];
  minPriority?: string;
  /** Prefix alerts with an ISO 8601 time (Falco's time_format_iso_8601). */
  iso8601?: boolean;
  /** `RATE[:BURST]` alerts per second per rule. */
  rateLimit?: string;
  /** Also append alerts to this file. */
  outputFile?: string;
  verbose?: boolean;
  /** Falco's rule_matching: 'first' (Falco's default: one alert per event) or 'all'. */
  ruleMatching?: string;
}

/** pino once `sensord run` configured it (stderr, JSON or text); before that (and for replay) plain lines. */
let logger: Logger | undefined;
type Level = 'info' | 'warn' | 'error';
export const log = (msg: string, level: Level = 'info') => { if (logger) logger[level](msg); else process.stderr.write(`sensord: ${msg}\n`); };
/** Routes `log` (and the shared steps' lines) to pino; undefined goes back to plain stderr lines. */
export function setLogger(l: Logger | undefined): void { logger = l; }

/** Runs one named startup/teardown step, logging its name and duration (HOUSE-STYLE 2). */
export async function step<T>(name: string, fn: () => Promise<T> | T, quiet = false): Promise<T> {
  const t0 = performance.now();
  const r = await fn();
  if (!quiet) log(`${name}: ok (${(performance.now() - t0).toFixed(0)} ms)`);
  return r;
}

export function parseRateLimit(v: string | undefined): RateLimit | null {
  if (v === undefined) return null;
  const m = /^(\d+(?:\.\d+)?)(?::(\d+))?$/.exec(v.trim());
  if (!m || Number(m[1]) <= 0) throw new EngineError('ERATE', `--rate-limit: expected RATE[:BURST] (alerts/s per rule), got ${JSON.stringify(v)}`);
  const rate = Number(m[1]);
  return { rate, burst: m[2] !== undefined ? Math.max(1, Number(m[2])) : Math.max(1, Math.ceil(rate)) };
}

/** Engine options from the command line (throws EngineError on bad values). */
export function engineOptions(opts: AlertingOptions, emit: EngineOptions['emit']): EngineOptions {
  const filter = {
    tags: opts.tag ?? [], disabledTags: opts.disableTag ?? [],
    minPriority: opts.minPriority !== undefined ? parsePriority(opts.minPriority) : undefined,
  };
  checkFilter(filter);
  return {
    ...filter,
    rateLimit: parseRateLimit(opts.rateLimit),
    timeIso8601: opts.iso8601 === true,
    outputFields: opts.json === true,
    ruleMatching: parseRuleMatching(opts.ruleMatching),
    emit,
    onRuleError: (rule, e) => log(`rule ${JSON.stringify(rule.name)}: evaluation error: ${(e as Error)?.message ?? String(e)} (further errors of this rule are only counted)`, 'warn'),
  };
}

function parseRuleMatching(v: string | undefined): 'first' | 'all' {
  if (v === undefined || v === 'first') return 'first';
  if (v === 'all') return 'all';
  throw new EngineError('EOPTION', `--rule-matching: expected first or all, got ${JSON.stringify(v)}`);
}

/** Loads and compiles the rules; prints warnings/errors Falco-style; throws EngineError ERULES_LOAD on errors. */
export async function loadRuleFiles(paths: readonly string[], verbose: boolean): Promise<RuleSet> {
  const set = await loadRules(paths);
  if (verbose) for (const w of set.warnings) log(`warning: ${formatLoadMessage(w)}`, 'warn');
  if (set.errors.length > 0) {
    for (const e of set.errors) log(`error: ${formatLoadMessage(e)}`, 'error');
    throw new EngineError('ERULES_LOAD', `${set.errors.length} error(s) loading ${paths.join(', ')}`);
  }
  return set;
}

export function buildOutputs(opts: AlertingOptions): AlertOutput[] {
  const format = opts.json ? 'json' : 'text';
  const outs: AlertOutput[] = [new StdoutOutput(format)];
  if (opts.outputFile) outs.push(new FileOutput(opts.outputFile, format));
  return outs;
}

export function alertHostname(): string { return process.env.SENSORD_HOSTNAME || process.env.FALCO_HOSTNAME || os.hostname(); }

/** Maps EngineError (and drop policy) codes to exit codes: configuration problems 2, rule load problems 1. */
export function reportEngineError(cmd: string, e: unknown): number {
  if (e instanceof EngineError || e instanceof DropPolicyError) {
    process.stderr.write(`sensord ${cmd}: ${e.message} [${e.code}]\n`);
    return e.code === 'ERULES_LOAD' || e.code === 'EOUTPUT' || e.code === 'ELOADER' ? 1 : 2;
  }
  throw e;
}
