// The conformance cases: every case of falcosecurity/testing's detections.yaml (as extracted into the corpus)
// that replays a .scap capture of the corpus, and the syscall `detect_counts` cases of Falco 0.35.1's
// falco_tests.yaml whose trace file is in the corpus. Each becomes one Case: capture, rule files, Falco options
// mapped to engine options, and the assertions to check.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { sharedPath } from '../helpers/shared.js';
import type { DropFlags } from '../../sensor/src/daemon/drops.js';

export type Selector = { kind: 'all' } | { kind: 'rule'; name: string } | { kind: 'priority'; priority: string };
export interface CountAssertion { text: string; selector: Selector; op: '==' | '>' | '<' | '>=' | '<=' | '!='; n: number }
export interface StreamAssertion { text: string; stream: 'stdout' | 'stderr'; match: boolean; re: RegExp }

export interface Case {
  /** The Falco test's name (TestFalco_Legacy_… or falco_tests.yaml:<name>). */
  name: string;
  origin: 'falcosecurity-testing' | 'falco-0.35.1';
  capture: string;
  rules: string[];
  /** Falco -A (sensord always judges every event; recorded for the report). */
  allEvents: boolean;
  tags: string[];
  disabledTags: string[];
  minPriority?: string;
  json: boolean;
  jsonIncludeOutput: boolean;
  jsonIncludeTags: boolean;
  iso8601: boolean;
  hostname?: string;
  /** Falco config files the test passes (-c); sensord has no falco.yaml. */
  configs: string[];
  /** Their syscall_event_drops section, as the --drop-* flags of `sensord replay` (dropFlagsOf). */
  drops?: DropFlags;
  exitCode: number;
  counts: CountAssertion[];
  streams: StreamAssertion[];
  /** Expected output lines (falco_tests.yaml output_strictly_contains): [stream, file]. */
  strict?: { stream: 'stdout' | 'file'; file: string };
}

const TESTING = () => sharedPath('corpus', 'expectations', 'falcosecurity-testing');
const FALCO035 = () => sharedPath('corpus', 'expectations', 'falco-0.35.1');

function parseCount(text: string): CountAssertion {
  const m = /^(all|rule=(.+)|priority=(\w+))\s+(==|!=|>=|<=|>|<)\s+(\d+)$/.exec(text.trim());
  if (!m) throw new Error(`unparsed assertion: ${text}`);
  const selector: Selector = m[1] === 'all' ? { kind: 'all' } : m[2] !== undefined ? { kind: 'rule', name: m[2] } : { kind: 'priority', priority: m[3] };
  return { text, selector, op: m[4] as CountAssertion['op'], n: Number(m[5]) };
}

function parseStream(text: string): StreamAssertion {
  const m = /^(stdout|stderr)\s+(=~|!~)\s+\/(.*)\/$/.exec(text.trim());
  if (!m) throw new Error(`unparsed stream assertion: ${text}`);
  return { text, stream: m[1] as 'stdout' | 'stderr', match: m[2] === '=~', re: new RegExp(m[3], 'm') };
}

/** Go string args of WithEnabledTags('a', 'b') and the like. */
const goArgs = (opt: string) => [...opt.matchAll(/'([^']*)'/g)].map((m) => m[1]);

/** Where a rules file named by detections.yaml lives. */
function testingRulesFile(r: { file: string; installed_path?: string }): string {
  const embedded = path.join(TESTING(), 'rules', r.file);
  if (existsSync(embedded)) return embedded;
  return sharedPath('corpus', 'falco-rules', r.file);
}

interface DetectionEntry {
  test: string;
  captures?: Array<{ file: string; in_corpus?: boolean }>;
  rules?: Array<{ file: string; installed_path?: string }>;
  options?: string[];
  configs?: string[];
  exit_code?: number;
  expect?: string[];
}

export function testingCases(): Case[] {
  const entries = parse(readFileSync(path.join(TESTING(), 'detections.yaml'), 'utf8')) as DetectionEntry[];
  const out: Case[] = [];
  for (const t of entries) {
    const caps = (t.captures ?? []).filter((c) => c.in_corpus && c.file.endsWith('.scap'));
    if (caps.length === 0) continue;
    if (caps.length > 1) throw new Error(`${t.test}: several captures`);
    const c: Case = {
      name: t.test, origin: 'falcosecurity-testing', capture: sharedPath('corpus', caps[0].file),
      rules: (t.rules ?? []).map(testingRulesFile),
      allEvents: false, tags: [], disabledTags: [], json: false, jsonIncludeOutput: true, jsonIncludeTags: true,
      iso8601: false, configs: t.configs ?? [], exitCode: t.exit_code ?? 0, counts: [], streams: [],
    };
    for (const f of c.configs) {
      const drops = dropFlagsOf(parse(readFileSync(path.join(FALCO035(), 'confs', f), 'utf8')) as FalcoConfig);
      if (drops) c.drops = drops;
    }
    for (const o of t.options ?? []) {
      if (o === 'WithAllEvents()') c.allEvents = true;
      else if (o === 'WithOutputJSON()') c.json = true;
      else if (o.startsWith('WithEnabledTags(')) c.tags.push(...goArgs(o));
      else if (o.startsWith('WithDisabledTags(')) c.disabledTags.push(...goArgs(o));
      else if (o.startsWith('WithMinRulePriority(')) c.minPriority = goArgs(o)[0];
      else if (o.startsWith('WithEnvVars(')) c.hostname = /FALCO_HOSTNAME'?: '([^']*)'/.exec(o)?.[1];
      else if (o.startsWith('WithArgs(')) {
        const [, kv] = goArgs(o);
        const [k, v] = (kv ?? '').split('=');
        if (k === 'json_include_output_property') c.jsonIncludeOutput = v === 'true';
        else if (k === 'json_include_tags_property') c.jsonIncludeTags = v === 'true';
        else if (k === 'time_format_iso_8601') c.iso8601 = v === 'true';
        // file_output.filename, program_output.program, stdout_output.enabled: output plumbing, see KNOWN.md
      } else throw new Error(`${t.test}: unknown option ${o}`);
    }
    for (const e of t.expect ?? []) {
      if (/^std(out|err) /.test(e)) c.streams.push(parseStream(e)); else c.counts.push(parseCount(e));
    }
    // The strict-output tests: detections.yaml records no assertion for them; Falco 0.35.1's falco_tests.yaml
    // compares the output with output_files/single_rule_with_cat_write.{txt,json} (output_strictly_contains).
    if (t.test === 'TestFalco_Legacy_StdoutOutputStrict') c.strict = { stream: 'stdout', file: 'single_rule_with_cat_write.txt' };
    if (t.test === 'TestFalco_Legacy_StdoutOutputJsonStrict') c.strict = { stream: 'stdout', file: 'single_rule_with_cat_write.json' };
    if (t.test === 'TestFalco_Legacy_FileOutputStrict') c.strict = { stream: 'file', file: 'single_rule_with_cat_write.txt' };
    out.push(c);
  }
  return out;
}

interface FalcoConfig {
  syscall_event_drops?: { actions?: string[]; threshold?: number; rate?: number; max_burst?: number; simulate_drops?: boolean };
}

/** A falco.yaml's syscall_event_drops section as the flags a user passes to `sensord replay`/`run`. */
export function dropFlagsOf(conf: FalcoConfig): DropFlags | undefined {
  const d = conf.syscall_event_drops;
  if (!d) return undefined;
  const str = (v: number | undefined) => (v === undefined ? undefined : String(v));
  return {
    dropActions: d.actions, dropThreshold: str(d.threshold), dropRate: str(d.rate), dropMaxBurst: str(d.max_burst),
    simulateDrops: d.simulate_drops,
  };
}

interface FalcoTestEntry {
  trace_file?: string;
  rules_file?: string | string[];
  detect_counts?: Array<Record<string, number>>;
  all_events?: boolean;
  run_tags?: string[];
  disable_tags?: string[];
  priority?: string;
}

/** The syscall detect_counts cases of falco_tests.yaml whose trace file is one of the corpus captures. */
export function falco035Cases(): Case[] {
  const doc = parse(readFileSync(path.join(FALCO035(), 'falco_tests.yaml'), 'utf8'), {
    customTags: [{ tag: '!mux', collection: 'map', resolve: (m) => m }],
  }) as { trace_files: Record<string, FalcoTestEntry> | Map<string, FalcoTestEntry> };
  const entries = doc.trace_files instanceof Map ? [...doc.trace_files] : Object.entries(doc.trace_files);
  const out: Case[] = [];
  for (const [name, t] of entries) {
    if (!t.detect_counts || !t.trace_file?.startsWith('trace_files/')) continue;
    const rulesFiles = typeof t.rules_file === 'string' ? [t.rules_file] : t.rules_file ?? [];
    const counts: CountAssertion[] = [];
    for (const m of t.detect_counts) {
      for (const [rule, n] of Object.entries(m)) counts.push({ text: `rule=${rule} == ${n}`, selector: { kind: 'rule', name: rule }, op: '==', n });
    }
    out.push({
      name: `falco_tests.yaml:${name}`, origin: 'falco-0.35.1',
      capture: sharedPath('corpus', 'scap', 'falco', path.basename(t.trace_file)),
      rules: rulesFiles.map((f) => path.join(FALCO035(), f)),
      allEvents: t.all_events === true, tags: t.run_tags ?? [], disabledTags: t.disable_tags ?? [],
      minPriority: t.priority, json: false, jsonIncludeOutput: true, jsonIncludeTags: true, iso8601: false,
      configs: [], exitCode: 0, counts, streams: [],
    });
  }
  return out;
}

export const outputFile = (name: string) => path.join(FALCO035(), 'output_files', name);
