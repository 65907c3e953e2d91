// State churn: 100k short-lived processes and 1M open/close with the live probe attached and every event fed
// through SystemState (plus a few field extractions per event, as a rule engine would make). Prints the state
// tables' sizes (SystemState.stats()) and this process's RSS/heap at the baseline, right after each churn and
// after settling: the tables must come back to their baseline size (exit and close evict) and RSS stay flat.
// Numbers only; nothing here asserts a time.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openLiveSource, type LiveSource } from '../sensor/src/source/live.js';
import { EventView } from '../sensor/src/decode/event-view.js';
import { Formatter } from '../sensor/src/decode/format.js';
import { SystemState, type StateStats } from '../sensor/src/state/index.js';
import { FIELD_REGISTRY } from '../sensor/src/rules/fields/index.js';
import { fmt, run } from './util.js';

/** The workload: `procs N P` posix_spawns /bin/true N times with P in flight; `files N` opens and closes a file N times. */
const CHURN_C = String.raw`
#define _GNU_SOURCE
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
extern char **environ;
int main(int argc, char **argv) {
  if (argc < 3) return 2;
  long n = atol(argv[2]);
  if (strcmp(argv[1], "procs") == 0) {
    int par = argc > 3 ? atoi(argv[3]) : 2;
    char *args[] = {"true", NULL};
    long started = 0, running = 0, failed = 0;
    while (started < n || running > 0) {
      while (running < par && started < n) {
        pid_t pid;
        if (posix_spawn(&pid, "/bin/true", NULL, NULL, args, environ) != 0) { failed++; started++; continue; }
        started++; running++;
      }
      int st;
      if (wait(&st) > 0) running--; else break;
    }
    printf("%ld %ld\n", started, failed);
    return 0;
  }
  if (strcmp(argv[1], "files") == 0) {
    long bad = 0;
    for (long i = 0; i < n; i++) {
      int fd = openat(AT_FDCWD, "/etc/hostname", O_RDONLY | O_CLOEXEC);
      if (fd < 0) { bad++; continue; }
      close(fd);
    }
    printf("%ld %ld\n", n, bad);
    return 0;
  }
  return 2;
}
`;

function churnBinary(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'sensord-churn-'));
  const src = path.join(dir, 'churn.c');
  const bin = path.join(dir, 'churn');
  writeFileSync(src, CHURN_C);
  execFileSync('gcc', ['-O2', '-o', bin, src]);
  return bin;
}

/** Fields extracted for every event (what typical rules read): once per event, through the registry's cache. */
const FIELDS = ['proc.name', 'proc.pname', 'proc.aname[2]', 'proc.cmdline', 'fd.name', 'fd.typechar', 'user.name', 'container.id'];

interface Snapshot { label: string; stats: StateStats; rssMiB: number; heapMiB: number; heapTotalMiB: number; externalMiB: number; events: number; drops: number }

export interface ChurnResult { snapshots: Snapshot[]; procs: { n: number; seconds: number }; files: { n: number; seconds: number }; bootstrap: { threads: number; fds: number; elapsedMs: number } }

const MiB = 1024 * 1024;
/** Ring size per CPU (sensord's default, 8 MiB): the warm-up writes every page of it. */
const RING_MIB = 8;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function churn(nProcs = 100_000, nFiles = 1_000_000, parallel = 2): Promise<ChurnResult> {
  const bin = churnBinary();
  const state = new SystemState();
  const bootstrap = state.bootstrapFromProc();
  const formatter = new Formatter(state);
  const ctx = formatter.fields;
  const bound = FIELDS.map((f) => FIELD_REGISTRY.bind(f));
  const source: LiveSource = openLiveSource({ ringBytes: RING_MIB * MiB });
  const view = new EventView();
  let events = 0;
  let sink = 0;
  let running = true;
  const consumer = (async () => {
    while (running) {
      const batch = await source.next();
      if (!batch) break;
      for (let k = 0; k < batch.count; k++) {
        view.set(batch.bytes, batch.view, batch.offsets[k], batch.cpus[k], ++events);
        state.process(view);
        ctx.begin(view);
        for (let i = 0; i < bound.length; i++) if (ctx.value(bound[i]) !== undefined) sink++;
      }
    }
  })();

  const gc = (globalThis as { gc?: () => void }).gc;
  const snapshots: Snapshot[] = [];
  const snap = (label: string) => {
    gc?.();
    const m = process.memoryUsage();
    snapshots.push({ label, stats: state.stats(), rssMiB: m.rss / MiB, heapMiB: m.heapUsed / MiB, heapTotalMiB: m.heapTotal / MiB, externalMiB: m.external / MiB, events, drops: source.stats().drops });
  };

  try {
    await sleep(2000);
    snap('cold start (bootstrapped from /proc, probe attached)');
    // Warm-up: JIT, the batch buffers and the ring pages become resident (counted in RSS from then on).
    await run(bin, ['procs', '5000', String(parallel)]);
    await run(bin, ['files', '300000']);
    await sleep(2000);
    snap('baseline (after a 5k-process/300k-open warm-up)');

    // In two halves: RSS after the first and after the second half tells a plateau from a leak.
    const half = Math.floor(nProcs / 2);
    let t0 = process.hrtime.bigint();
    await run(bin, ['procs', String(half), String(parallel)]);
    await sleep(500);
    snap(`after ${half} short-lived processes`);
    await run(bin, ['procs', String(nProcs - half), String(parallel)]);
    const procSeconds = Number(process.hrtime.bigint() - t0) / 1e9 - 0.5;
    await sleep(500);
    snap(`after ${nProcs} short-lived processes`);

    t0 = process.hrtime.bigint();
    await run(bin, ['files', String(nFiles)]);
    const fileSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
    await sleep(500);
    snap(`after ${nFiles} open/close`);

    await sleep(5000);
    snap('settled (5 s later)');
    if (sink < 0) console.log(sink); // keep the extractions observable
    return { snapshots, procs: { n: nProcs, seconds: procSeconds }, files: { n: nFiles, seconds: fileSeconds }, bootstrap };
  } finally {
    running = false;
    await consumer.catch(() => undefined);
    await source.close();
  }
}

export function printChurn(r: ChurnResult): void {
  console.log(`churn: live probe → SystemState → ${FIELDS.length} fields per event (${FIELDS.join(', ')})`);
  console.log(`  bootstrap from /proc: ${r.bootstrap.threads} threads, ${r.bootstrap.fds} fds in ${fmt(r.bootstrap.elapsedMs)} ms`);
  console.log(`  ${r.procs.n} processes (posix_spawn /bin/true) in ${fmt(r.procs.seconds, 2)} s = ${fmt(r.procs.n / r.procs.seconds, 0)}/s; ` +
    `${r.files.n} open/close in ${fmt(r.files.seconds, 2)} s = ${fmt(r.files.n / r.files.seconds / 1e3, 0)}k/s`);
  console.log(`  RSS includes the probe rings (${RING_MIB} MiB per CPU, resident once written) and the batch buffers: the baseline is taken after a warm-up`);
  console.log('  ' + ['snapshot'.padEnd(58), 'threads', 'thr.evict', 'thr.removed', 'fds', 'fd tables', 'fd.evict', 'fd.removed', 'cgroupSets', 'placeholders', 'RSS MiB', 'heap MiB', 'heapTotal', 'external', 'events', 'drops'].join('  '));
  for (const s of r.snapshots) {
    const st = s.stats;
    const cols = [
      st.threads.size, st.threads.evictions, st.threads.removals, st.fds.size, st.fds.tables, st.fds.evictions, st.fds.removals,
      st.cgroupSets, st.placeholders,
    ].map(String);
    console.log('  ' + [s.label.padEnd(58), ...cols.map((c, i) => c.padStart([7, 9, 11, 3, 9, 8, 10, 10, 12][i])), fmt(s.rssMiB).padStart(7), fmt(s.heapMiB).padStart(8), fmt(s.heapTotalMiB).padStart(9), fmt(s.externalMiB).padStart(8), String(s.events).padStart(6), String(s.drops).padStart(5)].join('  '));
  }
  const b = r.snapshots[1];
  const last = r.snapshots[r.snapshots.length - 1];
  console.log(`  settled vs baseline: threads ${last.stats.threads.size - b.stats.threads.size >= 0 ? '+' : ''}${last.stats.threads.size - b.stats.threads.size}, ` +
    `fds ${last.stats.fds.size - b.stats.fds.size >= 0 ? '+' : ''}${last.stats.fds.size - b.stats.fds.size}, ` +
    `fd tables ${last.stats.fds.tables - b.stats.fds.tables >= 0 ? '+' : ''}${last.stats.fds.tables - b.stats.fds.tables}, ` +
    `RSS ${fmt(last.rssMiB - b.rssMiB)} MiB, heap ${fmt(last.heapMiB - b.heapMiB)} MiB` +
    ((globalThis as { gc?: unknown }).gc ? '' : ' (run with node --expose-gc for heap numbers after a full GC)'));
}
