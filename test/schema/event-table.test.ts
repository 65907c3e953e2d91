import { describe, expect, it } from 'vitest';
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { EVENTS, PROBED_SYSCALLS, currentExitEvent, probeEventIds } from '../../sensor/src/schema/index.js';
import { renderProbeHeader, PROBE_HEADER_PATH } from '../../sensor/src/schema/probe-header.js';
import { HAVE_SHARED, REPO_ROOT, sharedPath, skipWithoutShared } from '../helpers/shared.js';

describe('event table vs Falco libs 0.25.4 (TSV fact sheet)', () => {
  const skip = skipWithoutShared('event table check');
  it.skipIf(skip)('every row equals the TSV row: id, code, name, direction, categories, flags, params', () => {
    const lines = readFileSync(sharedPath('reference', 'ppm-event-table-libs-0.25.4.tsv'), 'utf8').split('\n').filter(Boolean).slice(1);
    expect(EVENTS.length).toBeGreaterThanOrEqual(lines.length);
    for (const line of lines) {
      const [id, code, name, dir, cats, flags, nparams, params] = line.split('\t');
      const e = EVENTS[Number(id)];
      expect(e.code, `row ${id}`).toBe(code);
      expect(e.name, `row ${id}`).toBe(name);
      expect(e.dir, `row ${id}`).toBe(dir);
      expect(e.categories.join('|'), `row ${id}`).toBe(cats.split('|').map((s) => s.trim()).join('|'));
      expect(e.flags.join('|'), `row ${id}`).toBe(flags.split('|').map((s) => s.trim()).filter((s) => s !== 'EF_NONE').join('|'));
      expect(e.params.length, `row ${id}`).toBe(Number(nparams));
      const want = (params ?? '').split(';').map((s) => s.trim()).filter(Boolean);
      expect(e.params.map((p) => `${p.name}:${p.type}${p.fmt ? ':' + p.fmt : ''}`), `row ${id}`).toEqual(want);
    }
  });

  it.skipIf(skip)('every event type found in the corpus captures is in the table', async () => {
    // The corpus README lists raw event blocks by PPME id per capture ("name > [id] count").
    const readme = readFileSync(sharedPath('corpus', 'README.md'), 'utf8');
    const ids = new Set([...readme.matchAll(/ [<>] \[(\d+)\] \d+/g)].map((m) => Number(m[1])));
    expect(ids.size).toBeGreaterThan(20);
    for (const id of ids) expect(EVENTS[id], `corpus event id ${id}`).toBeDefined();
  });
});

describe('probe header and syscall list', () => {
  it('native/include/sensord_events.h is the rendering of the table (regenerate: npm run gen:header)', () => {
    const onDisk = readFileSync(path.join(REPO_ROOT, PROBE_HEADER_PATH), 'utf8');
    expect(onDisk).toBe(renderProbeHeader());
  });

  it('every probed syscall has a current exit event, and its x86_64 number matches asm/unistd_64.h', () => {
    const unistd = '/usr/include/x86_64-linux-gnu/asm/unistd_64.h';
    const text = existsSync(unistd) ? readFileSync(unistd, 'utf8') : '';
    for (const s of PROBED_SYSCALLS) {
      const e = currentExitEvent(s.name);
      expect(e, s.name).toBeDefined();
      expect(e!.oldVersion).toBe(false);
      if (text) expect(text, s.name).toMatch(new RegExp(`#define __NR_${s.name} ${s.nr}\\n`));
    }
    expect(new Set(PROBED_SYSCALLS.map((s) => s.nr)).size).toBe(PROBED_SYSCALLS.length);
    expect(probeEventIds()).toContain(186); // procexit
  });
});
