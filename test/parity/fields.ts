// Field-by-field parity of `sensord events -p` with `sysdig -p` (sysdig 0.29.3) on the corpus captures.
//
// The compared fields are every proc.*, thread.*, fd.*, user.* and group.* field that BOTH sysdig (`sysdig -l`)
// and our field registry know, printable in a -p format (sysdig refuses its FILTER ONLY fields there), with
// argument fields expanded (proc.aname[0..N], proc.apid[0..N], thread.cgroup.SUBSYS). Names are taken from
// `sysdig -l` only: in -p formats sysdig prefix-matches unknown names (`%fd.nameraw` prints fd.name + "raw"), so
// a field sysdig does not list would be compared against a different field.
//
// Each run prints `*<RS>%evt.num<US>%f1<US>%f2...` (RS = 0x1e starts a record, US = 0x1f separates values; no
// value contains either, while some contain newlines — proc.env) so that every event prints one record; records
// are joined by evt.num and compared value by value.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { REPO_ROOT } from '../helpers/shared.js';

export const SEP = '\x1f';
export const RS = '\x1e';
const CLASSES = /^(proc|thread|fd|user|group)\./;

/** Ancestor levels compared for proc.aname[N] / proc.apid[N]. */
export const ANCESTOR_LEVELS = [0, 1, 2, 3, 4, 5];
/** cgroup v1 subsystems seen in the corpus (thread.cgroups), compared as thread.cgroup.SUBSYS. */
export const CGROUP_SUBSYSTEMS = ['cpuset', 'cpu', 'cpuacct', 'blkio', 'memory', 'devices', 'freezer', 'net_cls', 'perf_event', 'net_prio', 'hugetlb', 'pids', 'rdma'];

/**
 * Fields both know that are left out of the comparison, with the reason (printed by the test and listed in
 * test/parity/README.md).
 */
export const NOT_COMPARED: Record<string, string> = {
  'proc.aname': 'sysdig 0.29.3 misparses it without [N] in -p (prints proc.name followed by the text "proc.aname"); compared as proc.aname[0..5]',
  'proc.apid': 'without [N] sysdig 0.29.3 extracts proc.apid[0] (the pid itself) where we follow libs (any ancestor: filter only); compared as proc.apid[0..5]',
  'thread.cgroup': 'needs a subsystem argument (thread.cgroup.SUBSYS); compared for every subsystem of the corpus',
};

export interface SysdigField { name: string; filterOnly: boolean }

/** `sysdig -l`: the fields of the compared classes, with sysdig's FILTER ONLY mark. */
export function sysdigFields(): SysdigField[] {
  const r = spawnSync('sysdig', ['-l'], { encoding: 'utf8', maxBuffer: 1 << 24 });
  const out: SysdigField[] = [];
  for (const line of r.stdout.split('\n')) {
    const m = /^(\S+)\s+(.*)$/.exec(line) ?? /^(\S+)$/.exec(line);
    if (!m || !CLASSES.test(m[1])) continue;
    out.push({ name: m[1], filterOnly: (m[2] ?? '').includes('(FILTER ONLY)') });
  }
  return out;
}

/** The field references to compare, in sysdig -l order, plus the fields of sysdig's list left out and why. */
export function comparedFields(sd: SysdigField[], ours: (name: string) => boolean): { fields: string[]; skipped: Record<string, string> } {
  const fields: string[] = [];
  const skipped: Record<string, string> = {};
  for (const f of sd) {
    if (!ours(f.name)) { skipped[f.name] = 'not in our registry (sysdig-only field)'; continue; }
    if (f.filterOnly) { skipped[f.name] = 'FILTER ONLY in sysdig: refused in -p formats'; continue; }
    if (f.name === 'proc.aname' || f.name === 'proc.apid') {
      for (const n of ANCESTOR_LEVELS) fields.push(`${f.name}[${n}]`);
      skipped[f.name] = NOT_COMPARED[f.name];
      continue;
    }
    if (f.name === 'thread.cgroup') {
      for (const s of CGROUP_SUBSYSTEMS) fields.push(`thread.cgroup.${s}`);
      skipped[f.name] = NOT_COMPARED[f.name];
      continue;
    }
    fields.push(f.name);
  }
  return { fields, skipped };
}

/** Splits fields into groups so that each -p line stays short. */
export function groups(fields: string[], size = 24): string[][] {
  const out: string[][] = [];
  for (let i = 0; i < fields.length; i += size) out.push(fields.slice(i, i + size));
  return out;
}

/** Context printed before the compared fields in every run: the event number (join key) and sysdig's fd type. */
const CONTEXT = ['evt.num', 'fd.type'];
const formatOf = (fields: string[]) => '*' + RS + CONTEXT.map((f) => '%' + f).join(SEP) + fields.map((f) => SEP + '%' + f).join('');

/**
 * Values sysdig 0.29.3 makes up, not compared: fd.dev/fd.dev.major/fd.dev.minor of fds that are neither files nor
 * directories print sinsp_fdinfo::m_dev, which libsinsp never initialises for them (values like 557B or 5632 are
 * the high bits of heap pointers and change from run to run). Returns true when the value is not compared.
 */
export function madeUp(field: string, sysdigFdType: string): boolean {
  return field.startsWith('fd.dev') && sysdigFdType !== 'file' && sysdigFdType !== 'directory';
}

/**
 * sysdig's value as it was meant: group.gid is declared PT_UINT64 in sysdig 0.29.3 but extracted from the 32-bit
 * gid (RETURN_EXTRACT_VAR of a uint32_t), so its upper 32 bits are whatever follows in memory
 * (12884901888 = 3<<32 for gid 0). Compared modulo 2^32.
 */
export function normalizeSysdig(field: string, value: string): string {
  if (field === 'group.gid' && /^\d+$/.test(value)) return String(BigInt(value) & 0xffffffffn);
  return value;
}

/** evt.num → [fd.type, ...values], from one tool's output. */
function parse(out: string, n: number): Map<string, string[]> {
  const m = new Map<string, string[]>();
  const k = CONTEXT.length;
  for (const rec of out.split(RS)) {
    if (rec === '') continue;
    const parts = (rec.endsWith('\n') ? rec.slice(0, -1) : rec).split(SEP);
    if (parts.length !== n + k) throw new Error(`malformed record (${parts.length - k} values, expected ${n}): ${JSON.stringify(rec.slice(0, 200))}`);
    m.set(parts[0], parts.slice(1));
  }
  return m;
}

export interface ToolRun { stdout: string; stderr: string; status: number | null }

const ENV = { ...process.env, TZ: 'UTC' };

export function runSysdig(file: string, fields: string[]): ToolRun {
  const r = spawnSync('sysdig', ['-r', file, '-p', formatOf(fields)], { env: ENV, maxBuffer: 1 << 28 });
  return { stdout: r.stdout.toString('utf8'), stderr: r.stderr.toString('utf8'), status: r.status };
}

export function runSensord(file: string, fields: string[]): ToolRun {
  const r = spawnSync(process.execPath, [path.join(REPO_ROOT, 'bin', 'sensord.js'), 'events', '-r', file, '-p', formatOf(fields)], { env: ENV, maxBuffer: 1 << 28 });
  return { stdout: r.stdout.toString('utf8'), stderr: r.stderr.toString('utf8'), status: r.status };
}

export interface FieldTally { agree: number; total: number; samples: string[] }

/** Per field: events where both printed a line, how many agree, and a few disagreeing samples. */
export function compareCapture(file: string, fields: string[], samplesPerField = 3): { tally: Map<string, FieldTally>; lines: { sysdig: number; ours: number; joined: number }; errors: string[] } {
  const tally = new Map<string, FieldTally>(fields.map((f) => [f, { agree: 0, total: 0, samples: [] }]));
  const errors: string[] = [];
  let sdLines = 0, ourLines = 0, joined = 0;
  for (const g of groups(fields)) {
    const sd = runSysdig(file, g);
    const us = runSensord(file, g);
    if (sd.status !== 0) errors.push(`sysdig exited ${sd.status}: ${sd.stderr.trim()}`);
    if (us.status !== 0) errors.push(`sensord exited ${us.status}: ${us.stderr.trim()}`);
    const a = parse(sd.stdout, g.length);
    const b = parse(us.stdout, g.length);
    sdLines = Math.max(sdLines, a.size);
    ourLines = Math.max(ourLines, b.size);
    let j = 0;
    for (const [num, va] of a) {
      const vb = b.get(num);
      if (vb === undefined) continue;
      j++;
      const fdType = va[0];
      g.forEach((f, i) => {
        if (madeUp(f, fdType)) return;
        const t = tally.get(f)!;
        t.total++;
        va[i + 1] = normalizeSysdig(f, va[i + 1]);
        if (va[i + 1] === vb[i + 1]) t.agree++;
        else if (t.samples.length < samplesPerField) t.samples.push(`#${num} sysdig=${JSON.stringify(va[i + 1])} ours=${JSON.stringify(vb[i + 1])}`);
      });
    }
    joined = Math.max(joined, j);
    if (a.size !== b.size || j !== a.size) errors.push(`fields ${g[0]}..${g[g.length - 1]}: sysdig printed ${a.size} events, sensord ${b.size}, ${j} in common`);
  }
  return { tally, lines: { sysdig: sdLines, ours: ourLines, joined }, errors };
}

export function table(rows: { field: string; agree: number; total: number }[]): string {
  const w = Math.max(5, ...rows.map((r) => r.field.length));
  const lines = [`${'field'.padEnd(w)}  ${'agree'.padStart(7)}  ${'total'.padStart(7)}  ${'%'.padStart(7)}`];
  for (const r of rows) {
    const pct = r.total === 0 ? '-' : ((100 * r.agree) / r.total).toFixed(2);
    lines.push(`${r.field.padEnd(w)}  ${String(r.agree).padStart(7)}  ${String(r.total).padStart(7)}  ${pct.padStart(7)}`);
  }
  return lines.join('\n');
}
