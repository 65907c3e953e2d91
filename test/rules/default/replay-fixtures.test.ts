// The default rules over their capture fixtures (test/fixtures/rules/, see its README): each positive capture
// raises exactly its rule with `sensord replay -r F --rules rules/ --json`, each negative capture nothing.
// Captures are replayed as recorded, so container-only rules alert on their positives here (the recording
// machine's cgroups parse as a container id).
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CASES, CONTAINER_CASES } from './cases.js';
import { FIXTURES_DIR, fixtureName, replayAlerts, replayRules } from './harness.js';

describe('default rules over their capture fixtures (sensord replay --json)', () => {
  for (const c of [...CASES, ...CONTAINER_CASES]) {
    for (const kind of ['pos', 'neg'] as const) {
      const file = path.join(FIXTURES_DIR, fixtureName(c.id, kind));
      it(`${path.basename(file)} → ${kind === 'pos' ? c.rule : 'no alert'}`, () => {
        expect(existsSync(file)).toBe(true);
        const rules = [...new Set(replayRules(file))];
        expect(rules).toEqual(kind === 'pos' ? [c.rule] : []);
      });
    }
  }

  for (const c of CONTAINER_CASES) {
    it(`${fixtureName(c.id, 'pos')}: one alert per command, from the processes named (${c.alerts.join(', ')})`, () => {
      const procs = replayAlerts(path.join(FIXTURES_DIR, fixtureName(c.id, 'pos'))).map((a) => a.output_fields['proc.name']);
      expect(procs.sort()).toEqual(c.alerts);
    });
  }
});
