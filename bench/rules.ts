// Rules benchmarks, each against a baseline measured in the same run:
//   throughput: `sensord replay -r F --rules falco_rules.yaml [--rules rules/]` (to /dev/null) over the ≥1M-event
//               capture, vs `sysdig -r F -q COND` where COND is the OR of the stable rules' expanded conditions
//               that sysdig 0.29.3 can compile (the rest use fields it lacks). Medians of 3; events/s and ratio.
//               Both run with the environment reduced to PATH.
//               Also each tool on the capture cut after its first event (same section header, machine, process and
//               fd tables: their start-up — process, rule load, tables) and the ratio of the time spent past
//               start-up (capture minus that copy), what a long-running sensor sees.
//   steady:     the engine of `replay` (reader, state, rules, alerts rendered) over the same capture passed again and
//               again in this process: passes 3..6 run JIT-warm code, the rate a long-running sensor reaches;
//               compared with sysdig's rate past its start-up (its code is compiled ahead of time: nothing to warm).
//   split:      both tools again with `evt.num=0` as the whole condition (sensord: one rule, judged on every event;
//               it holds on none, events count from 1), on the capture and on its one-event copy: past start-up,
//               the cost of reading the capture and keeping the state, the part no rule engine removes. The rules'
//               own cost is each tool's COND time past start-up minus that; their ratio is the rule engines' speed
//               against each other (rule loading and compiling, in the start-up, left out on both sides).
//   load:       loadRuleSet of Falco's three files (stable, incubating, sandbox): cold = first load in a fresh
//               node process (median of 5 processes), warm = repeated loads in this process (median of 5).
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { gunzipSync, gzipSync } from 'node:zlib';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { loadRuleSet } from '../sensor/src/rules/loader/index.js';
import { BlockType } from '../sensor/src/source/scap-format.js';
import { openScap } from '../sensor/src/source/scap-reader.js';
import { Engine } from '../sensor/src/rules/engine/index.js';
import { CaptureContainers } from '../sensor/src/enrich/capture.js';
import { engineOptions } from '../sensor/src/daemon/commands/alerting.js';
import { REPO_ROOT, TOOL_ENV, fmt, median, run } from './util.js';

const SENSORD = path.join(REPO_ROOT, 'bin', 'sensord.js');
const FALCO_RULES = path.resolve(REPO_ROOT, '..', 'shared', 'corpus', 'falco-rules');
const THREE = ['falco_rules.yaml', 'falco-incubating_rules.yaml', 'falco-sandbox_rules.yaml'].map((f) => path.join(FALCO_RULES, f));
const EMPTY_SCAP = path.resolve(REPO_ROOT, '..', 'shared', 'corpus', 'scap', 'falco', 'empty.scap');

export interface RulesResult {
  events: number;
  ruleFiles: string[];
  rules: number;
  sysdigRules: number;
  sysdigSkipped: string[];
  oursS: number;
  sysdigS: number;
  /** The same commands on the capture cut after its first event: start-up alone. */
  oursStartS: number;
  sysdigStartS: number;
  /** The same commands with `evt.num=0` as the only condition: reading and state without the rules. */
  oursBaseS: number;
  sysdigBaseS: number;
  /** Those on the capture cut after its first event (their start-up). */
  oursBaseStartS: number;
  sysdigBaseStartS: number;
  /** Seconds of one JIT-warm pass of the engine over the capture (median of passes 3..6 in one process). */
  steadyS: number;
  coldMs: number;
  warmMs: number;
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return (performance.now() - t0) / 1000;
}

/** The OR of the stable rules' expanded conditions sysdig compiles; the others are listed with the reason. */
function sysdigCondition(): { cond: string; used: number; skipped: string[] } {
  const set = loadRuleSet([THREE[0]]);
  const parts: string[] = [];
  const skipped: string[] = [];
  for (const r of set.rules) {
    const p = spawnSync('sysdig', ['-r', EMPTY_SCAP, '-q', r.expandedCondition], { encoding: 'utf8' });
    if (p.status === 0) parts.push(`(${r.expandedCondition})`);
    else skipped.push(`${r.name} (${/unrecognized field \S+/.exec(p.stderr)?.[0] ?? p.stderr.trim().split('\n').pop()})`);
  }
  return { cond: parts.join(' or '), used: parts.length, skipped };
}

/** Milliseconds of the first loadRuleSet of the three files in a fresh node process. */
function coldLoadMs(): number {
  const loader = pathToFileURL(path.join(REPO_ROOT, 'dist', 'sensor', 'src', 'rules', 'loader', 'index.js')).href;
  const script = `const t0 = performance.now(); const m = await import(${JSON.stringify(loader)});
const s = m.loadRuleSet(${JSON.stringify(THREE)}); const ms = performance.now() - t0;
if (s.errors.length) { console.error(JSON.stringify(s.errors)); process.exit(1); } console.log(ms);`;
  const p = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  if (p.status !== 0) throw new Error(`cold load failed: ${p.stderr}`);
  return Number(p.stdout.trim());
}

/**
 * Seconds per pass of replay's engine over the capture, in this process: each pass opens the capture (a gzip one
 * inflates in a worker, as in replay) and judges every event with a fresh engine and state; alerts are rendered
 * (fire) and dropped. Returns the median of the passes after the first two (JIT-warm code).
 */
async function steadyPass(capture: string, ruleFiles: string[], passes = 6): Promise<number> {
  const set = loadRuleSet(ruleFiles);
  const times: number[] = [];
  for (let i = 0; i < passes; i++) {
    times.push(await timed(async () => {
      const reader = await openScap(capture, { streaming: true });
      // The options replay builds from an empty command line (rule matching 'first', no output_fields).
      const engine = new Engine(set, engineOptions({}, () => undefined));
      engine.fields.metadata = new CaptureContainers(engine.state);
      for await (const item of reader) {
        if (item.kind === 'section') engine.loadMetadata(item.metadata);
        else await engine.processBatch(item.batch);
      }
      if (engine.stats().events === 0) throw new Error(`steady pass: no event judged in ${capture}`);
    }));
  }
  return median(times.slice(2));
}

/** One rule judged on every event that holds on none (sensord numbers events from 1, as sysdig). */
const BASELINE_RULE = `- rule: evt.num=0
  desc: the rules bench's baseline, judged on every event and true on none
  condition: evt.num=0
  output: "%evt.num"
  priority: INFO
`;

const EVENT_BLOCKS: ReadonlySet<number> = new Set([BlockType.EV, BlockType.EV_INT, BlockType.EVF, BlockType.EV_V2, BlockType.EVF_V2, BlockType.EV_V2_LARGE, BlockType.EVF_V2_LARGE]);

/**
 * The capture up to and with its first event block (gzip, as the capture): what both tools read before the events,
 * and one event (neither opens a capture without any).
 */
function withoutEvents(capture: string): string {
  const out = capture.replace(/(\.plain)?\.scap$/, '') + '.one-event.scap';
  if (existsSync(out)) return out;
  let d = readFileSync(capture);
  if (d[0] === 0x1f && d[1] === 0x8b) d = gunzipSync(d, { chunkSize: 1 << 20 });
  let p = 0;
  while (p + 8 <= d.length && !EVENT_BLOCKS.has(d.readUInt32LE(p))) p += d.readUInt32LE(p + 4);
  if (p + 8 <= d.length) p += d.readUInt32LE(p + 4);
  writeFileSync(out, gzipSync(d.subarray(0, p)));
  return out;
}

export async function rulesBench(capture: string, rounds = 3): Promise<RulesResult> {
  const ruleFiles = [THREE[0]];
  const ours = path.join(REPO_ROOT, 'rules');
  if (existsSync(ours)) {
    const check = loadRuleSet([THREE[0], ours]);
    if (check.errors.length === 0) ruleFiles.push(ours);
    else console.error(`rules bench: ${ours} does not load (${check.errors.length} errors); timing Falco's stable rules only`);
  }
  const set = loadRuleSet(ruleFiles);
  const { cond, used, skipped } = sysdigCondition();

  // Event count as sensord replay numbers them (its stats line in verbose mode).
  const probe = spawnSync(process.execPath, [SENSORD, 'replay', '-r', capture, ...ruleFiles.flatMap((f) => ['--rules', f]), '--verbose'], { encoding: 'utf8', maxBuffer: 1 << 30 });
  const events = Number(/Events: (\d+)/.exec(probe.stderr)?.[1] ?? NaN);

  const oursT: number[] = [];
  const sysdigT: number[] = [];
  const oursStart: number[] = [];
  const sysdigStart: number[] = [];
  const env = TOOL_ENV;
  const oursRun = (f: string, rules: string[]) => timed(() => run(process.execPath, [SENSORD, 'replay', '-r', f, ...rules.flatMap((r) => ['--rules', r])], { stdout: 'ignore', env }));
  const sysdigRun = (f: string, condition: string) => timed(() => run('sysdig', ['-r', f, '-q', condition], { stdout: 'ignore', env }));
  const start = withoutEvents(capture);
  const scratch = mkdtempSync(path.join(tmpdir(), 'sensord-rules-bench-'));
  const baseRules = path.join(scratch, 'evt-num-0.yaml');
  writeFileSync(baseRules, BASELINE_RULE);
  const oursBase: number[] = [];
  const sysdigBase: number[] = [];
  const oursBaseStart: number[] = [];
  const sysdigBaseStart: number[] = [];
  try {
    for (let i = 0; i < rounds; i++) {
      oursT.push(await oursRun(capture, ruleFiles));
      sysdigT.push(await sysdigRun(capture, cond));
      oursStart.push(await oursRun(start, ruleFiles));
      sysdigStart.push(await sysdigRun(start, cond));
      oursBase.push(await oursRun(capture, [baseRules]));
      sysdigBase.push(await sysdigRun(capture, 'evt.num=0'));
      oursBaseStart.push(await oursRun(start, [baseRules]));
      sysdigBaseStart.push(await sysdigRun(start, 'evt.num=0'));
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }

  const steadyS = await steadyPass(capture, ruleFiles);
  const cold = Array.from({ length: 5 }, coldLoadMs);
  const warm: number[] = [];
  for (let i = 0; i < 6; i++) {
    const t0 = performance.now();
    const s = loadRuleSet(THREE);
    const ms = performance.now() - t0;
    if (s.errors.length > 0) throw new Error(`Falco's rules do not load: ${s.errors.length} errors`);
    if (i > 0) warm.push(ms);
  }
  return {
    events, ruleFiles, rules: set.rules.length, sysdigRules: used, sysdigSkipped: skipped,
    oursS: median(oursT), sysdigS: median(sysdigT), oursStartS: median(oursStart), sysdigStartS: median(sysdigStart),
    oursBaseS: median(oursBase), sysdigBaseS: median(sysdigBase), oursBaseStartS: median(oursBaseStart), sysdigBaseStartS: median(sysdigBaseStart), steadyS, coldMs: median(cold), warmMs: median(warm),
  };
}

export function printRules(r: RulesResult, capture: string): void {
  const oursRate = r.events / r.oursS;
  const sysdigRate = r.events / r.sysdigS;
  console.log(`\n== rules: ${capture} (${r.events} events)`);
  console.log(`rule files: ${r.ruleFiles.map((f) => path.relative(REPO_ROOT, f)).join(', ')} (${r.rules} rules)`);
  console.log(`sysdig condition: OR of ${r.sysdigRules} stable rules; left out (fields sysdig 0.29.3 lacks): ${r.sysdigSkipped.join('; ') || 'none'}`);
  console.log(`sensord replay:   ${fmt(r.oursS, 2)} s  ${fmt(oursRate / 1e3, 0)} k events/s`);
  console.log(`sysdig -q COND:   ${fmt(r.sysdigS, 2)} s  ${fmt(sysdigRate / 1e3, 0)} k events/s`);
  console.log(`ratio sensord/sysdig: ${fmt(oursRate / sysdigRate, 2)}x (target >= 3x)`);
  const oursPast = r.oursS - r.oursStartS;
  const sysdigPast = r.sysdigS - r.sysdigStartS;
  console.log(`start-up (the capture cut after its first event, same rules): sensord ${fmt(r.oursStartS, 2)} s, sysdig ${fmt(r.sysdigStartS, 2)} s`);
  console.log(`past start-up (capture - that copy): sensord ${fmt(oursPast, 2)} s ${fmt(r.events / oursPast / 1e3, 0)} k events/s, sysdig ${fmt(sysdigPast, 2)} s ${fmt(r.events / sysdigPast / 1e3, 0)} k events/s: ratio ${fmt(sysdigPast / oursPast, 2)}x`);
  console.log(`steady state (replay's engine passed over the capture again in one process, JIT warm: median of passes 3-6): sensord ${fmt(r.steadyS, 2)} s ${fmt(r.events / r.steadyS / 1e3, 0)} k events/s vs sysdig past start-up: ratio ${fmt(sysdigPast / r.steadyS, 2)}x`);
  // Both past start-up, so loading and compiling the rules (62 for sensord, one for its baseline) is left out.
  const oursReading = r.oursBaseS - r.oursBaseStartS;
  const sysdigReading = r.sysdigBaseS - r.sysdigBaseStartS;
  const oursRules = oursPast - oursReading;
  const sysdigRules = sysdigPast - sysdigReading;
  console.log(`split past start-up: reading + state (evt.num=0 as the only condition): sensord ${fmt(oursReading, 2)} s, sysdig ${fmt(sysdigReading, 2)} s (sysdig/sensord ${fmt(sysdigReading / oursReading, 2)}x); ` +
    `the rules' own cost (COND - that): sensord ${fmt(oursRules, 2)} s, sysdig ${fmt(sysdigRules, 2)} s: ratio ${fmt(sysdigRules / oursRules, 2)}x`);
  console.log(`load+compile falco_rules + incubating + sandbox: cold ${fmt(r.coldMs, 0)} ms (fresh process, median of 5), warm ${fmt(r.warmMs, 0)} ms (median of 5); target <= 200 ms`);
}
