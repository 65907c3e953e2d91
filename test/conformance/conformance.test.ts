// Falco conformance: every case of falcosecurity/testing's detections.yaml that replays a corpus .scap (89),
// and the syscall detect_counts of Falco 0.35.1's falco_tests.yaml on corpus captures (16), run in-process
// with `sensord replay`'s semantics (run-case.ts). One vitest test per Falco test, named after it.
// Known failures are listed (with their cause) in KNOWN below and in test/conformance/KNOWN.md; they run as
// `it.fails`, so a new failure and an unexpected pass both break the suite. Prints `N passed, N failed`.
import { afterAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { HAVE_SHARED, skipWithoutShared } from '../helpers/shared.js';
import { falco035Cases, outputFile, testingCases, type Case, type CountAssertion } from './cases.js';
import { runCase, type CaseResult } from './run-case.js';
import { parsePriority } from '../../sensor/src/rules/engine/index.js';

process.env.TZ = 'UTC';

const EXIT2 = "the drop policy's error message is Falco's, but sensord exits 2 for a bad option value (its code for configuration errors, as for --min-priority or --rate-limit) where Falco exits 1";

/** Falco test name → why sensord differs (mirrors KNOWN.md; keep both in step). */
export const KNOWN: Readonly<Record<string, string>> = {
  TestFalco_Legacy_MonitorSyscallDropsThresholdOor: EXIT2,
  TestFalco_Legacy_MonitorSyscallDropsIgnoreAndLog: EXIT2,
  TestFalco_Legacy_MonitorSyscallDropsThresholdNeg: EXIT2,
  TestFalco_Legacy_TimeIso8601: 'stderr =~ /^YYYY-MM-DDTHH:MM:SS+0000/: Falco prefixes its own log lines with the ISO time; sensord replay logs without timestamps (the alert lines on stdout carry the ISO time and pass)',
};

function count(r: CaseResult, a: CountAssertion): number {
  const s = a.selector;
  if (s.kind === 'all') return r.alerts.length;
  if (s.kind === 'rule') return r.alerts.filter((x) => x.rule === s.name).length;
  const p = parsePriority(s.priority);
  return r.alerts.filter((x) => x.priority === p).length;
}

function holds(n: number, a: CountAssertion): boolean {
  switch (a.op) {
    case '==': return n === a.n;
    case '!=': return n !== a.n;
    case '>': return n > a.n;
    case '<': return n < a.n;
    case '>=': return n >= a.n;
    case '<=': return n <= a.n;
  }
}

/** Lines of `want` appear in `got`, in order and contiguous (Falco's output_strictly_contains). */
function containsRun(got: string[], want: string[]): boolean {
  for (let i = 0; i + want.length <= got.length; i++) {
    if (want.every((w, k) => got[i + k] === w)) return true;
  }
  return want.length === 0;
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v === null || typeof v !== 'object') return v;
  return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]));
}

/** Every difference between the case's expectations and the run, as readable lines ([] = pass). */
export function check(c: Case, r: CaseResult): string[] {
  const bad: string[] = [];
  if (r.exitCode !== c.exitCode) bad.push(`exit code ${r.exitCode}, expected ${c.exitCode}\n${r.stderr}`);
  for (const a of c.counts) {
    const n = count(r, a);
    if (!holds(n, a)) bad.push(`${a.text}: got ${n}`);
  }
  for (const s of c.streams) {
    const text = s.stream === 'stdout' ? r.stdout : r.stderr;
    if (s.re.test(text) !== s.match) bad.push(`${s.text}: ${s.match ? 'no match' : 'matched'}`);
  }
  if (c.strict) {
    const want = readFileSync(outputFile(c.strict.file), 'utf8').split('\n').filter((l) => l !== '');
    const got = c.strict.stream === 'stdout' ? r.stdout.split('\n').filter((l) => l !== '') : r.fileLines;
    if (c.strict.file.endsWith('.json')) {
      // Falco 0.35 wrote output_fields last and with a space; compare the objects (keys sorted at every level).
      const canon = (l: string) => JSON.stringify(sortKeys(JSON.parse(l)));
      if (!containsRun(got.map(canon), want.map(canon))) {
        bad.push(`output does not strictly contain ${c.strict.file}:\n  want ${want.map(canon).join('\n       ')}\n  got  ${got.map(canon).join('\n       ')}`);
      }
    } else if (!containsRun(got, want)) {
      bad.push(`output does not strictly contain ${c.strict.file}:\n  want ${want.join('\n       ')}\n  got  ${got.join('\n       ')}`);
    }
  }
  return bad;
}

describe('Falco conformance (detections.yaml + falco_tests.yaml detect_counts)', () => {
  const skip = skipWithoutShared('Falco conformance');
  const cases = HAVE_SHARED ? [...testingCases(), ...falco035Cases()] : [];
  let passed = 0;
  let failed = 0;

  it.skipIf(skip)('covers the 89 detections.yaml .scap cases and 16 falco_tests.yaml detect_counts cases', () => {
    expect(cases.filter((c) => c.origin === 'falcosecurity-testing')).toHaveLength(89);
    expect(cases.filter((c) => c.origin === 'falco-0.35.1')).toHaveLength(16);
    const names = new Set(cases.map((c) => c.name));
    expect(Object.keys(KNOWN).filter((k) => !names.has(k))).toEqual([]);
  });

  for (const c of cases) {
    const known = KNOWN[c.name];
    const body = async () => {
      const problems = check(c, await runCase(c));
      if (problems.length === 0) passed++; else failed++;
      expect(problems, `${c.name}${known ? ` (known: ${known})` : ''}`).toEqual([]);
    };
    if (known !== undefined) it.fails(c.name, body); else it(c.name, body);
  }

  afterAll(() => {
    if (!skip) console.log(`Falco conformance: ${passed} passed, ${failed} failed (${Object.keys(KNOWN).length} known, listed in test/conformance/KNOWN.md)`);
  });
});
