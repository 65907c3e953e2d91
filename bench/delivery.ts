// Alert delivery over loopback mTLS to a `sensord collector` child process (certificates made with openssl at
// bench time):
//   (a) throughput: N alerts pushed straight into OutputQueue → GrpcOutput (spool, window, acks), timed until the
//       collector has acked the last one (it fsyncs its JSON lines before each ack);
//   (b) latency: `sensord run --grpc` (live probe, one rule on opening a marker file) while a paced C loop makes
//       ~100k open events/s the engine must judge; `cat` of a marker every ~20 ms, 200 times (the judged events/s are measured
//       from the sensor's /metrics and printed). Latency = the
//       collector's received_ns (stamped when it writes the line) minus the wall time before spawning cat, and
//       minus the event's kernel time (time_ns): the second leaves out cat's fork+exec.
// Loopback only (127.0.0.1). Part (b) needs root and gcc.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, existsSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { OutputQueue, type Alert } from '../sensor/src/output/index.js';
import { GrpcOutput } from '../sensor/src/output/grpc/index.js';
import { makeBenchCerts, type BenchCerts } from './certs.js';
import { REPO_ROOT, fmt } from './util.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';

const SENSORD = path.join(REPO_ROOT, 'bin', 'sensord.js');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const wallNs = () => BigInt(Math.round((performance.timeOrigin + performance.now()) * 1000)) * 1000n;

interface Child { proc: ChildProcess; stderr: () => string }

function startChild(args: string[], stdout: 'ignore' | 'pipe' = 'ignore'): Child {
  const proc = spawn(process.execPath, [SENSORD, ...args], { stdio: ['ignore', stdout, 'pipe'] });
  let err = '';
  proc.stderr?.on('data', (d) => { err += d; });
  return { proc, stderr: () => err };
}

async function stopChild(c: Child, signal: NodeJS.Signals = 'SIGINT'): Promise<void> {
  if (c.proc.exitCode !== null || c.proc.signalCode !== null) return;
  const done = new Promise((r) => c.proc.once('exit', r));
  c.proc.kill(signal);
  const t = setTimeout(() => c.proc.kill('SIGKILL'), 10_000);
  await done;
  clearTimeout(t);
}

async function until(cond: () => boolean, timeoutMs: number, stepMs = 20): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (!cond()) { if (Date.now() > end) return false; await sleep(stepMs); }
  return true;
}

/** A collector child on 127.0.0.1:<free port>; resolves once it listens. */
async function startCollector(certs: BenchCerts, out: string): Promise<{ child: Child; port: number }> {
  const child = startChild(['collector', '--listen', '127.0.0.1:0', '--out', out, '--tls-ca', certs.ca, '--tls-cert', certs.serverCert, '--tls-key', certs.serverKey]);
  let port = 0;
  const ok = await until(() => { const m = /\(port (\d+)\)/.exec(child.stderr()); if (m) port = Number(m[1]); return port > 0 || child.proc.exitCode !== null; }, 15_000);
  if (!ok || port === 0) throw new Error(`collector did not start: ${child.stderr()}`);
  return { child, port };
}

function countLines(file: string): number {
  if (!existsSync(file)) return 0;
  const b = readFileSync(file);
  let n = 0;
  for (let i = 0; i < b.length; i++) if (b[i] === 10) n++;
  return n;
}

function benchAlert(i: number): Alert {
  return {
    ts: 1_700_000_000_000_000_000n + BigInt(i) * 1000n, rule: 'Read sensitive file untrusted', priority: 'WARNING', source: 'syscall',
    tags: ['filesystem', 'mitre_credential_access', 'T1555'],
    output: `12:00:00.000000000: Warning Sensitive file opened for reading by non-trusted program (file=/etc/shadow proc=cat ${i})`,
    outputFields: `{"container.id":"abc123","container.name":"web","evt.num":${i},"fd.name":"/etc/shadow","k8s.ns.name":"prod","k8s.pod.name":"web-1","proc.name":"cat","user.name":"root"}`,
  };
}

export interface ThroughputResult { alerts: number; seconds: number; collected: number }

export async function deliveryThroughput(n = 50_000): Promise<ThroughputResult> {
  const certs = makeBenchCerts();
  const dir = mkdtempSync(path.join(tmpdir(), 'sensord-bench-delivery-'));
  const out = path.join(dir, 'collected.jsonl');
  const { child, port } = await startCollector(certs, out);
  const g = new GrpcOutput({ address: `127.0.0.1:${port}`, tls: { ca: certs.ca, cert: certs.clientCert, key: certs.clientKey }, spoolDir: path.join(dir, 'spool'), hostname: 'bench', closeTimeoutMs: 10_000 });
  const queue = new OutputQueue([g], { hostname: 'bench', policy: 'block' });
  try {
    await queue.init();
    await until(() => g.stats().connected, 10_000);
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) { const p = queue.push(benchAlert(i)); if (p) await p; }
    await queue.flush();
    const ok = await g.drained(300_000);
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    if (!ok) throw new Error(`not all alerts acked: ${JSON.stringify(g.stats())}`);
    return { alerts: n, seconds, collected: countLines(out) };
  } finally {
    await queue.close();
    await stopChild(child);
  }
}

export function printThroughput(r: ThroughputResult): void {
  console.log(`delivery throughput: ${r.alerts} alerts OutputQueue → GrpcOutput (spool fsync interval, window 2000) → collector child over loopback mTLS (fsync per batch)`);
  console.log(`  ${fmt(r.alerts / r.seconds, 0)} alerts/s acked (${fmt(r.seconds, 2)} s until the last ack; collector wrote ${r.collected} lines)`);
}

/** Paced load: `load DIR RATE SECONDS` opens DIR/none (ENOENT) RATE times a second (open events the engine judges). */
const LOAD_C = String.raw`
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec / 1e9; }
int main(int argc, char **argv) {
  if (argc < 4) return 2;
  char p[4096]; snprintf(p, sizeof p, "%s/none", argv[1]);
  double rate = atof(argv[2]), secs = atof(argv[3]), t0 = now();
  long done = 0;
  for (;;) {
    double el = now() - t0;
    if (el >= secs) break;
    long due = (long)(el * rate);
    while (done < due) { int fd = open(p, O_RDONLY); if (fd >= 0) close(fd); done++; }
    struct timespec ts = {0, 500000}; nanosleep(&ts, NULL);
  }
  printf("%ld\n", done);
  return 0;
}
`;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => { const a = s.address(); s.close(() => resolve(typeof a === 'object' && a ? a.port : 0)); });
    s.on('error', reject);
  });
}

async function scrape(port: number, name: string): Promise<number> {
  try {
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    let sum = 0;
    for (const l of text.split('\n')) if (l.startsWith(name + ' ') || l.startsWith(name + '{')) sum += Number(l.slice(l.lastIndexOf(' ') + 1));
    return sum;
  } catch { return NaN; }
}

export interface LatencyResult { samples: number; sent: number; fromCatMs: number[]; fromEventMs: number[]; eventsPerSec: number; kernelDrops: number; outputDrops: number }

export async function deliveryLatency(count = 200, everyMs = 20, loadEventsPerSec = 100_000): Promise<LatencyResult> {
  const certs = makeBenchCerts();
  const dir = mkdtempSync(path.join(tmpdir(), 'sensord-bench-latency-'));
  const out = path.join(dir, 'collected.jsonl');
  const rules = path.join(dir, 'marker.yaml');
  writeFileSync(rules, `- rule: Bench marker read
  desc: the delivery benchmark's marker files
  condition: evt.type in (open, openat) and evt.dir=< and fd.name startswith ${dir}/m-
  output: "bench marker opened (file=%fd.name proc=%proc.name)"
  priority: WARNING
  tags: [bench]
`);
  for (let i = -1; i < count; i++) writeFileSync(path.join(dir, `m-${i}`), 'x\n');
  const load = path.join(dir, 'load');
  writeFileSync(load + '.c', LOAD_C);
  execFileSync('gcc', ['-O2', '-o', load, load + '.c']);
  mkdirSync(path.join(dir, 'spool'));

  const { child: collector, port } = await startCollector(certs, out);
  const mport = await freePort();
  const sensor = startChild(['run', '--rules', rules, '--json', '--grpc', `127.0.0.1:${port}`, '--tls-ca', certs.ca, '--tls-cert', certs.clientCert,
    '--tls-key', certs.clientKey, '--spool', path.join(dir, 'spool'), '--metrics-listen', `127.0.0.1:${mport}`, '--log-level', 'warn']);
  let loader: ChildProcess | undefined;
  try {
    const markerLines = () => (existsSync(out) ? readFileSync(out, 'utf8').split('\n').filter((l) => l.includes('bench marker')) : []);
    // Ready: a warm-up marker read goes all the way to the collector.
    const ready = await until(() => {
      if (sensor.proc.exitCode !== null) return true;
      if (markerLines().length > 0) return true;
      spawn('cat', [path.join(dir, 'm--1')], { stdio: 'ignore' });
      return false;
    }, 30_000, 250);
    if (!ready || sensor.proc.exitCode !== null) throw new Error(`sensord run did not deliver the warm-up alert: ${sensor.stderr()}`);

    const seconds = (count * everyMs) / 1000 + 3;
    loader = spawn(load, [dir, String(loadEventsPerSec), String(seconds)], { stdio: 'ignore' });
    await sleep(1000); // the load is running
    const ev0 = await scrape(mport, 'sensord_events_total');
    const kd0 = await scrape(mport, 'sensord_kernel_drops_total');
    const tStart = Date.now();
    const before = new Map<number, bigint>();
    for (let i = 0; i < count; i++) {
      before.set(i, wallNs());
      spawn('cat', [path.join(dir, `m-${i}`)], { stdio: 'ignore' });
      await sleep(everyMs);
    }
    const ev1 = await scrape(mport, 'sensord_events_total');
    const kd1 = await scrape(mport, 'sensord_kernel_drops_total');
    const eventsPerSec = (ev1 - ev0) / ((Date.now() - tStart) / 1000);
    const outputDrops = await scrape(mport, 'sensord_output_queue_drops_total');
    await until(() => markerLines().length >= count + 1, 15_000, 100);

    const fromCat: number[] = [];
    const fromEvent: number[] = [];
    const seen = new Set<number>();
    for (const l of markerLines()) {
      const o = JSON.parse(l) as { output?: string; time_ns?: string; received_ns?: string };
      const m = /m-(\d+)\b/.exec(o.output ?? '');
      if (!m || !o.received_ns) continue;
      const i = Number(m[1]);
      if (seen.has(i) || !before.has(i)) continue;
      seen.add(i);
      const rx = BigInt(o.received_ns);
      fromCat.push(Number(rx - before.get(i)!) / 1e6);
      if (o.time_ns) fromEvent.push(Number(rx - BigInt(o.time_ns)) / 1e6);
    }
    return { samples: seen.size, sent: count, fromCatMs: fromCat, fromEventMs: fromEvent, eventsPerSec, kernelDrops: kd1 - kd0, outputDrops };
  } finally {
    if (loader && loader.exitCode === null) loader.kill('SIGKILL');
    await stopChild(sensor);
    await stopChild(collector);
  }
}

function pct(xs: number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
}

export function printLatency(r: LatencyResult): void {
  const line = (xs: number[]) => `p50 ${fmt(pct(xs, 50), 2)} ms, p99 ${fmt(pct(xs, 99), 2)} ms, max ${fmt(Math.max(...xs), 2)} ms`;
  console.log(`delivery latency: live syscall → collector's write, ${r.samples}/${r.sent} marker alerts, background load ${fmt(r.eventsPerSec, 0)} events/s judged ` +
    `(kernel drops ${r.kernelDrops}, output-queue drops ${r.outputDrops})`);
  // The latency runs from the syscall: the event's kernel timestamp (boot time + CLOCK_BOOTTIME, the same
  // clock the collector stamps with). The spawn-based figure adds fork+exec of cat from Node (several ms).
  console.log(`  from the syscall (event's kernel time): ${line(r.fromEventMs)}  (target p99 ≤ 10 ms: ${pct(r.fromEventMs, 99) <= 10 ? 'met' : 'NOT met'})`);
  console.log(`  from before spawning cat (adds Node's fork+exec of cat): ${line(r.fromCatMs)}`);
}
