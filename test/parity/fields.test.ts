// Field parity with libsinsp: `sensord events -r F -p FMT` vs `sysdig -r F -p FMT` (sysdig 0.29.3) on every corpus
// capture sysdig reads, FMT covering every proc.*, thread.*, fd.*, user.* and group.* field both know. Prints a
// per-field agreement table (corpus-wide) and asserts the exact set of known disagreements: field → number of
// disagreeing events, per capture (KNOWN_EXCEPTIONS, each explained in test/parity/README.md). Any other
// difference — or a known one that went away — fails the test, so the list stays exact.
//
// Needs ../shared (skips with a message when absent; fails under CI=true), sysdig on PATH (skips with a message
// when absent) and the built CLI (`npm run build:ts`).
import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { HAVE_SHARED, REPO_ROOT, skipWithoutShared } from '../helpers/shared.js';
import { corpusCaptures } from '../helpers/scap-corpus.js';
import { FIELD_REGISTRY } from '../../sensor/src/rules/fields/index.js';
import { compareCapture, comparedFields, sysdigFields, table, type FieldTally } from './fields.js';

/**
 * capture → field → events on which we knowingly print something else than sysdig. Causes: README.md.
 * Exact counts: more is a regression, fewer means the list must be updated (and the README with it).
 */
export const KNOWN_EXCEPTIONS: Record<string, Record<string, number>> = {
  'cat_write': {
    'proc.cwd': 85, 'proc.exepath': 85, 'fd.num': 20, 'fd.typechar': 20, 'fd.name': 10, 'fd.directory': 10,
    'fd.uid': 20, 'fd.containername': 10, 'fd.containerdirectory': 10,
  },
  'run_as_user_0_container': {
    'proc.fdopencount': 191, 'fd.num': 33, 'fd.type': 1, 'fd.typechar': 33, 'fd.name': 17, 'fd.directory': 17,
    'fd.filename': 1, 'fd.cport': 24, 'fd.is_server': 1, 'fd.uid': 33, 'fd.containername': 17,
    'fd.containerdirectory': 17, 'fd.cproto': 24, 'fd.connected': 1, 'fd.name_changed': 1, 'fd.dev': 1,
    'fd.dev.major': 1, 'fd.dev.minor': 1,
  },
  'curl_google': {
    'proc.cwd': 1221, 'proc.pname': 158, 'proc.pcmdline': 158, 'proc.exepath': 1221, 'fd.num': 220,
    'fd.typechar': 220, 'fd.name': 110, 'fd.directory': 110, 'fd.uid': 220, 'fd.containername': 110,
    'fd.containerdirectory': 110,
  },
  'sample': {
    'proc.tty': 36, 'user.loginuid': 269, 'user.loginname': 36, 'fd.cport': 4, 'fd.cproto': 4,
  },
  'single_ipv6_conn': {
    'fd.cport': 3, 'fd.cproto': 3, 'fd.sproto': 3,
  },
  'test_ipv6_client': {
    'proc.cwd': 68, 'proc.exepath': 68, 'fd.num': 14, 'fd.typechar': 14, 'fd.name': 7, 'fd.directory': 7,
    'fd.uid': 14, 'fd.containername': 7, 'fd.containerdirectory': 7,
  },
};

const HAVE_SYSDIG = spawnSync('sysdig', ['--version'], { encoding: 'utf8' }).status === 0;
const CLI_BUILT = existsSync(path.join(REPO_ROOT, 'dist', 'sensord.cjs'));

describe('field parity with sysdig 0.29.3 (libsinsp)', () => {
  let skip = skipWithoutShared('field parity');
  if (!skip && !HAVE_SYSDIG) {
    console.warn('SKIP field parity: sysdig not installed (this test compares live output of sysdig 0.29.3)');
    skip = true;
  }
  if (!skip && !CLI_BUILT) {
    if (process.env.CI === 'true') throw new Error('field parity: dist/ not built (npm run build:ts)');
    console.warn('SKIP field parity: dist/ not built; run `npm run build:ts` first');
    skip = true;
  }
  const files = HAVE_SHARED ? corpusCaptures().filter((f) => path.basename(f) !== 'curl_google_comments.scap') : [];
  const { fields, skipped } = skip ? { fields: [], skipped: {} } : comparedFields(sysdigFields(), (n) => FIELD_REGISTRY.get(n) !== undefined);
  const corpus = new Map<string, { agree: number; total: number }>(fields.map((f) => [f, { agree: 0, total: 0 }]));
  const found: Record<string, Record<string, number>> = {};

  it.skipIf(skip)('compares a field list built from sysdig -l and our registry', () => {
    expect(fields.length).toBeGreaterThan(60);
    console.log(`comparing ${fields.length} field references; not compared:\n` + Object.entries(skipped).map(([f, why]) => `  ${f}: ${why}`).join('\n'));
  });

  for (const file of files) {
    const name = path.relative(path.join(path.dirname(file), '..'), file).replace(/\.scap$/, '');
    const key = path.basename(file, '.scap');
    it.skipIf(skip)(`${name}: every field agrees with sysdig except the known exceptions`, () => {
      const { tally, lines, errors } = compareCapture(file, fields);
      expect(errors).toEqual([]);
      // Both print one line per event (the `*` format prints events whose fields are missing too).
      expect(lines.ours).toBe(lines.sysdig);
      expect(lines.joined).toBe(lines.sysdig);
      const diffs: Record<string, number> = {};
      const samples: string[] = [];
      for (const [f, t] of tally as Map<string, FieldTally>) {
        const c = corpus.get(f)!;
        c.agree += t.agree;
        c.total += t.total;
        if (t.agree !== t.total) {
          diffs[f] = t.total - t.agree;
          samples.push(`  ${f}: ${t.total - t.agree}/${t.total}\n    ${t.samples.join('\n    ')}`);
        }
      }
      found[key] = diffs;
      if (samples.length > 0) console.log(`${key}: disagreements\n${samples.join('\n')}`);
      expect(diffs).toEqual(KNOWN_EXCEPTIONS[key] ?? {});
    });
  }

  it.skipIf(skip)('prints the corpus-wide agreement table', () => {
    const rows = [...corpus].map(([field, c]) => ({ field, ...c }));
    const agree = rows.reduce((a, r) => a + r.agree, 0);
    const total = rows.reduce((a, r) => a + r.total, 0);
    const full = rows.filter((r) => r.agree === r.total).length;
    console.log(table(rows));
    console.log(`corpus-wide: ${agree}/${total} field values agree (${((100 * agree) / Math.max(1, total)).toFixed(3)}%); ` +
      `${full}/${rows.length} fields agree on every event of ${files.length} captures`);
    if (process.env.PARITY_DUMP === '1') console.log('found exceptions:\n' + JSON.stringify(found, null, 2));
    expect(total).toBeGreaterThan(0);
  });
});
