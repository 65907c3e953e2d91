// Re-records the default rules' capture fixtures (test/fixtures/rules/*.scap.gz and its README) with
// `sensord capture -w F --no-env -- bash -c SCRIPT`: only the behaviour's process tree, no environment.
// Runs only when asked: SENSORD_RECORD_FIXTURES=1 npx vitest run test/rules/default/record-fixtures.test.ts
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CASES } from './cases.js';
import { FIXTURES_DIR, SENSORD, fixtureName, makeSandbox, startListener } from './harness.js';

describe.skipIf(process.env.SENSORD_RECORD_FIXTURES !== '1')('record default-rule fixtures', () => {
  it('records one capture per behaviour', async () => {
    const sb = makeSandbox();
    const listener = await startListener();
    const lines: string[] = [];
    try {
      for (const c of CASES) {
        for (const kind of ['pos', 'neg'] as const) {
          const b = c[kind];
          const file = path.join(FIXTURES_DIR, fixtureName(c.id, kind));
          await promisify(execFile)(process.execPath, [SENSORD, 'capture', '-w', file, '--no-env', '--', '/bin/bash', '-c', b.script], {
            cwd: sb.dir, env: { ...sb.env, PORT: String(listener.port) },
          });
          const size = statSync(file).size;
          expect(size).toBeLessThan(64 * 1024);
          lines.push(`| \`${path.basename(file)}\` | ${c.id} | ${kind === 'pos' ? `**${c.rule}**` : 'none'} | ${b.what}${c.containerOnly ? ' (recorded in a container: the cgroup parses as one)' : ''} |`);
        }
      }
    } finally {
      await listener.close();
      sb.close();
    }
    writeFileSync(path.join(FIXTURES_DIR, 'README.md'), [
      '# Default-rule capture fixtures',
      '',
      'Recorded by `test/rules/default/record-fixtures.test.ts` with `sensord capture -w F --no-env -- /bin/bash -c SCRIPT`:',
      "only the behaviour's process tree (its /proc entries and events), exec environments emptied. Scripts run in a",
      'sandbox `$T` under /tmp (HOME=$T/home) with fake tools (symlinks named like the tool to /bin/true, /bin/cat,',
      '/bin/dash or /bin/sleep): see `test/rules/default/cases.ts`. `replay-fixtures.test.ts` replays each with',
      '`sensord replay -r F --rules rules/ --json` and expects exactly the alert below.',
      '',
      '| capture | rule id | expected alert | what it shows |',
      '|---|---|---|---|',
      ...lines,
      '',
    ].join('\n'));
  }, 600_000);
});
