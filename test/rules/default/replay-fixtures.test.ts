// The default rules over their capture fixtures (test/fixtures/rules/, see its README): each positive capture
// raises exactly its rule with `sensord replay -r F --rules rules/ --json`, each negative capture nothing.
// Captures are replayed as recorded, so container-only rules alert on their positives here (the recording
// machine's cgroups parse as a container id).
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CASES, CONTAINER_CASES } from './cases.js';
import { execFileSync } from 'node:child_process';
import { FIXTURES_DIR, SENSORD, fixtureName, replayAlerts, replayRules } from './harness.js';

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
    for (const kind of ['pos', 'neg'] as const) {
      it(`${fixtureName(c.id, kind)} holds the behaviour: the commands' execs in the container, privileged=${c[kind].privileged}`, () => {
        const out = execFileSync(process.execPath, [SENSORD, 'events', '-r', path.join(FIXTURES_DIR, fixtureName(c.id, kind)), '-p', '%proc.name %container.privileged',
          `evt.type=execve and evt.dir=< and proc.name in (${c.alerts.join(', ')})`], { encoding: 'utf8' });
        expect(out.trim().split('\n').sort()).toEqual(c.alerts.map((p) => `${p} ${c[kind].privileged}`));
      });
    }
    it(`${fixtureName(c.id, 'pos')}: one alert per command, from the processes named (${c.alerts.join(', ')})`, () => {
      const procs = replayAlerts(path.join(FIXTURES_DIR, fixtureName(c.id, 'pos'))).map((a) => a.output_fields['proc.name']);
      expect(procs.sort()).toEqual(c.alerts);
    });
  }
});
