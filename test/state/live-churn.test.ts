// Live state churn (small): thousands of vfork-style children (posix_spawn of /bin/true) go through the real probe
// and SystemState, and none of them may stay in the thread table. posix_spawn's child runs, execs and exits while
// its parent is still inside clone(); the parent's clone exit often reaches us after the child's procexit, and
// must not re-create the dead child (it would never exit again: one leaked thread per race). The full-size run
// (100k processes, 1M open/close, RSS) is `node dist/bench/run.js churn`.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { EventView } from '../../sensor/src/decode/event-view.js';
import { SystemState } from '../../sensor/src/state/index.js';
import type { LiveSource } from '../../sensor/src/source/live.js';
import { openProbe, skipWithoutProbe } from '../helpers/live.js';

const N = 3000;
const describeLive = skipWithoutProbe('live state churn') ? describe.skip : describe;

describeLive('live state churn: short-lived processes leave the tables', () => {
  const state = new SystemState();
  let source: LiveSource;
  let running = true;
  let loop: Promise<void>;
  let events = 0;

  beforeAll(async () => {
    state.bootstrapFromProc();
    source = await openProbe({ ringBytes: 32 * 1024 * 1024 });
    const view = new EventView();
    loop = (async () => {
      while (running) {
        const batch = await source.next();
        if (!batch) return;
        for (let k = 0; k < batch.count; k++) {
          view.set(batch.bytes, batch.view, batch.offsets[k], batch.cpus[k], ++events);
          state.process(view);
        }
      }
    })();
  });
  afterAll(async () => {
    running = false;
    await loop;
    await source.close();
  });

  it(`${N} posix_spawn children of one parent: none left in the thread table, fds back`, async () => {
    const removalsBefore = state.stats().threads.removals;
    // A C parent (gcc is installed by setup): posix_spawn + waitpid in a loop, N times.
    const dir = mkdtempSync(path.join(tmpdir(), 'sensord-churn-'));
    const src = path.join(dir, 'spawner.c');
    writeFileSync(src, `#include <spawn.h>\n#include <stdlib.h>\n#include <sys/wait.h>\nextern char **environ;\nint main(int c, char **v) { int n = atoi(v[1]); for (int i = 0; i < n; i++) { pid_t p; char *a[] = {"true", 0}; if (posix_spawn(&p, "/bin/true", 0, 0, a, environ)) return 1; waitpid(p, 0, 0); } return 0; }\n`);
    execFileSync('gcc', ['-O2', '-o', path.join(dir, 'spawner'), src]);
    const child = spawn(path.join(dir, 'spawner'), [String(N)], { stdio: 'ignore' });
    const code = await new Promise<number | null>((resolve, reject) => { child.on('error', reject); child.on('close', resolve); });
    rmSync(dir, { recursive: true, force: true });
    expect(code).toBe(0);
    const parent = child.pid!;
    // Drain: wait until the children's exits are processed (and removal of the last one flushed by later events).
    const until = Date.now() + 10_000;
    const leftovers = () => [...state.threads.values()].filter((t) => t.ptid === parent || t.tid === parent);
    while (Date.now() < until && (state.stats().threads.removals - removalsBefore < N || leftovers().length > 0)) {
      // A procexit is applied when the next event arrives (libsinsp keeps the thread for the exit event's
      // fields): on a quiet machine, make that next event happen.
      execFileSync('/bin/true');
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(source.stats().drops).toBe(0);
    expect(state.stats().threads.removals - removalsBefore).toBeGreaterThanOrEqual(N);
    expect(leftovers().map((t) => `${t.tid} ${t.comm} ptid=${t.ptid}`)).toEqual([]);
  });
});
