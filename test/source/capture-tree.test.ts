// `sensord capture --no-env -- CMD`: the fixture form. Only CMD's process tree is kept (events, process list,
// fds), exec events carry no environment, and sysdig 0.29.3 reads the file.
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { skipWithoutProbe } from '../helpers/live.js';
import { REPO_ROOT } from '../helpers/shared.js';
import { openScap } from '../../sensor/src/source/scap-reader.js';
import { EventView } from '../../sensor/src/decode/event-view.js';
import { EVENTS, paramIndex } from '../../sensor/src/schema/index.js';

const skip = skipWithoutProbe('capture of a command tree');
const SENSORD = path.join(REPO_ROOT, 'bin', 'sensord.js');

describe.skipIf(skip)('sensord capture -- CMD (process tree, --no-env)', () => {
  it('keeps only the command tree, strips env, and sysdig reads it', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'sensord-cap-')), 'tree.scap');
    execFileSync(process.execPath, [SENSORD, 'capture', '-w', file, '--no-env', '--', '/bin/bash', '-c', 'sh -c "cat /etc/hostname"; true'],
      { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, SENSORD_TEST_SECRET: 'must-not-leak' } });

    const reader = await openScap(file);
    const pids = new Set(reader.metadata.threads.map((t) => t.pid));
    expect(reader.metadata.threads.every((t) => t.env.length === 0)).toBe(true);
    const view = new EventView();
    const tids = new Set<number>();
    const execs: string[] = [];
    for (const item of reader) {
      if (item.kind !== 'events') continue;
      const b = item.batch;
      for (let i = 0; i < b.count; i++) {
        view.set(b.bytes, b.view, b.offsets[i], b.cpus[i], i + 1);
        tids.add(view.tid);
        const info = EVENTS[view.type];
        if (info.name === 'execve' && info.dir === '<') {
          expect(view.paramLen(paramIndex(info, 'env'))).toBe(0);
          execs.push(view.str(paramIndex(info, 'comm')));
        }
      }
    }
    expect(execs).toEqual(['bash', 'sh', 'cat'].filter((c) => execs.includes(c)));
    expect(execs).toContain('cat');
    // Every thread in the capture belongs to the command's tree: the root plus what it forked.
    expect(tids.size).toBeLessThanOrEqual(4);
    expect(tids.has(process.pid)).toBe(false);
    for (const p of pids) expect(tids.has(p) || pids.size <= 1).toBe(true);

    const out = execFileSync('sysdig', ['-r', file, '-p', '%proc.name %evt.type %fd.name'], { stdio: ['ignore', 'pipe', 'pipe'] }).toString();
    expect(out).toContain('cat openat /etc/hostname');
    expect(execFileSync('gzip', ['-dc', file]).includes('must-not-leak')).toBe(false);
  });
});
