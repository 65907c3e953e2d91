// Decode throughput on a ≥1M-event capture recorded here by our probe, against sysdig 0.29.3 on the same
// file in the same run. Two comparisons:
//   decode:  our reader + EventView touching every parameter of every event, vs `sysdig -r F <no-match filter>`
//            (sysdig parses every event and updates its state, prints nothing);
//   print:   `sensord events -r F -p FMT` vs `sysdig -r F -p FMT`, both to /dev/null.
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import path from 'node:path';
import { spawn, execFileSync } from 'node:child_process';
import { openScap } from '../sensor/src/source/scap-reader.js';
import { EventView } from '../sensor/src/decode/event-view.js';
import { REPO_ROOT, TOOL_ENV, fmt, median, run } from './util.js';

const SENSORD = path.join(REPO_ROOT, 'bin', 'sensord.js');

/** Records `count` events of a busy loopback/file/fork workload (bench/workload.c) with `sensord capture`. */
export async function recordCapture(file: string, count = 1_100_000): Promise<void> {
  mkdirSync(path.dirname(file), { recursive: true });
  const workload = path.join(path.dirname(file), 'workload');
  execFileSync('gcc', ['-O2', '-o', workload, path.join(REPO_ROOT, 'bench', 'workload.c')]);
  const capture = spawn(process.execPath, [SENSORD, 'capture', '-w', file, '--count', String(count)], { stdio: ['ignore', 'ignore', 'inherit'] });
  const done = new Promise<number>((resolve) => capture.on('close', (code) => resolve(code ?? -1)));
  await new Promise((r) => setTimeout(r, 1500)); // probe load + /proc snapshot
  let finished = false;
  void done.then(() => { finished = true; });
  while (!finished) await run(workload, ['50000']).catch(() => undefined);
  if ((await done) !== 0) throw new Error('sensord capture failed');
}

export interface DecodeResult {
  events: number;
  /** sensord: reader + every parameter of every event (gzip, plain copy). */
  oursDecodeS: number; oursPlainS: number;
  /** sysdig -r F with its default output to /dev/null (gzip, plain). */
  sysdigDefaultS: number; sysdigDefaultPlainS: number;
  /** sysdig -r F 'evt.num=0': reads, parses and tracks state, prints nothing (gzip, plain). */
  sysdigQuietS: number; sysdigQuietPlainS: number;
  /** Both CLIs printing the same lines to /dev/null: default format, and a short -p format. */
  oursEventsS: number; sysdigEventsS: number;
  oursPrintS: number; sysdigPrintS: number;
}

async function timeIt(fn: () => Promise<unknown>, rounds: number): Promise<number> {
  const xs: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const t0 = process.hrtime.bigint();
    await fn();
    xs.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }
  return median(xs);
}

/** Reads the whole capture and touches every parameter of every event; returns the event count. */
export async function decodeAll(file: string): Promise<number> {
  const reader = await openScap(file, { streaming: true });
  const view = new EventView();
  let events = 0;
  let checksum = 0;
  for await (const item of reader) {
    if (item.kind !== 'events') continue;
    const b = item.batch;
    for (let i = 0; i < b.count; i++) {
      view.set(b.bytes, b.view, b.offsets[i], b.cpus[i], ++events);
      const n = view.paramCount();
      checksum += view.type + view.tid;
      for (let p = 0; p < n; p++) checksum += view.paramLen(p);
    }
  }
  if (checksum === -1) console.log('unreachable');
  return events;
}

/** The same capture without gzip: separates decoding from zlib's inflate, which both tools pay alike. */
function plainCopy(file: string): string {
  const plain = file.replace(/\.scap$/, '') + '.plain.scap';
  if (!existsSync(plain)) writeFileSync(plain, gunzipSync(readFileSync(file), { chunkSize: 1 << 20 }));
  return plain;
}

export async function decodeBench(file: string, rounds = 5): Promise<DecodeResult> {
  let events = 0;
  const sysdig = (args: string[]) => () => run('sysdig', args, { stdout: 'ignore', env: TOOL_ENV });
  const sensord = (args: string[]) => () => run(process.execPath, [SENSORD, ...args], { stdout: 'ignore', env: TOOL_ENV });
  const plain = plainCopy(file);
  const FMT = '%evt.num %evt.type %evt.dir %evt.rawres';
  return {
    oursDecodeS: await timeIt(async () => { events = await decodeAll(file); }, rounds),
    oursPlainS: await timeIt(() => decodeAll(plain), rounds),
    sysdigDefaultS: await timeIt(sysdig(['-r', file]), rounds),
    sysdigDefaultPlainS: await timeIt(sysdig(['-r', plain]), rounds),
    sysdigQuietS: await timeIt(sysdig(['-r', file, 'evt.num=0']), rounds),
    sysdigQuietPlainS: await timeIt(sysdig(['-r', plain, 'evt.num=0']), rounds),
    oursEventsS: await timeIt(sensord(['events', '-r', file]), rounds),
    sysdigEventsS: await timeIt(sysdig(['-r', file]), rounds),
    oursPrintS: await timeIt(sensord(['events', '-r', file, '-p', FMT]), rounds),
    sysdigPrintS: await timeIt(sysdig(['-r', file, '-p', FMT]), rounds),
    events,
  };
}

export function printDecode(r: DecodeResult, file: string): void {
  const mb = statSync(file).size / 1e6;
  const rate = (s: number) => `${fmt(r.events / s / 1e6, 2)} M ev/s`;
  const line = (what: string, ours: number, theirs: number, target = '') =>
    console.log(`  ${what.padEnd(58)} sensord ${fmt(ours, 3)} s (${rate(ours)})  sysdig ${fmt(theirs, 3)} s  → ${fmt(theirs / ours, 2)}×${target}`);
  console.log(`decode: ${r.events} events, ${fmt(mb)} MB gzip capture recorded by our probe (${file}); medians`);
  console.log('  sensord decode = read every block and every parameter of every event');
  line('decode vs `sysdig -r F` (default output → /dev/null), gzip', r.oursDecodeS, r.sysdigDefaultS, ' (target ≥3×)');
  line('decode vs `sysdig -r F` (default output → /dev/null), plain', r.oursPlainS, r.sysdigDefaultPlainS, ' (target ≥3×)');
  line("decode vs `sysdig -r F 'evt.num=0'` (no output), gzip", r.oursDecodeS, r.sysdigQuietS);
  line("decode vs `sysdig -r F 'evt.num=0'` (no output), plain", r.oursPlainS, r.sysdigQuietPlainS);
  line('`sensord events -r F` vs `sysdig -r F` (same lines)', r.oursEventsS, r.sysdigEventsS);
  line("`events -p '%evt.num %evt.type %evt.dir %evt.rawres'`", r.oursPrintS, r.sysdigPrintS);
}

export async function ensureCapture(file: string): Promise<void> {
  if (existsSync(file)) return;
  console.log(`recording ${file} with sensord capture (bench/workload.c)…`);
  await recordCapture(file);
}
