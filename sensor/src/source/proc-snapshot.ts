// Snapshot of the machine's process table from /proc (plus /etc/passwd, /etc/group and the interface list) in
// the shared CaptureMetadata shape: what a .scap file carries before its events, and what the live sensor
// bootstraps its thread/fd state from. Mirrors what libscap's /proc scan collects (scap_procs.c, scap_fds.c).
//
// Cost model: synchronous reads into one reused buffer (open/read/close, no fstat), ~10 small reads per process
// and 1–3 per fd; socket tables (/proc/net/*) are parsed once per network namespace, and only when a socket
// fd is met. Processes or fds that vanish mid-read are skipped (or keep zero values), never an error.
import {
  closeSync, openSync, readdirSync, readFileSync, readlinkSync, readSync, statSync, type BigIntStats,
} from 'node:fs';
import os from 'node:os';
import {
  ScapFdType,
  type CaptureMetadata, type FdEntry, type GroupEntry, type InterfaceEntry, type MachineInfo, type ThreadEntry,
  type UserEntry,
} from '../schema/capture-types.js';

export interface ProcSnapshotOptions {
  /** Which processes (by pid = tgid) to include; default all. */
  pids?: Set<number> | ((pid: number) => boolean);
  /** Read /proc/PID/environ (default false: captures kept as fixtures must hold no environment of this machine). */
  includeEnv?: boolean;
  /** One entry per thread (all tids of each process) instead of one per process (default false). */
  includeThreads?: boolean;
  /** Read fd tables (default true). */
  includeFds?: boolean;
  /** Read users/groups from /etc/passwd and /etc/group (default true). */
  includeUsers?: boolean;
  /** Read the interface list (default true). */
  includeInterfaces?: boolean;
  /** /proc mount (default "/proc"; host root prefix for containers, e.g. "/host/proc"). */
  procRoot?: string;
  /** /etc directory for passwd/group (default "/etc"). */
  etcRoot?: string;
  /** Bounds. */
  maxProcesses?: number;
  maxThreadsPerProcess?: number;
  maxFdsPerProcess?: number;
}

export interface ProcSnapshot extends CaptureMetadata {
  machine: MachineInfo;
  /** Start time (ns since epoch, from /proc/PID/stat starttime; 10 ms resolution) per tid. */
  startTs: Map<number, bigint>;
  /** Processes that vanished or could not be read. */
  skipped: number;
  elapsedMs: number;
}

// scap_l4_proto
export const L4 = { Unknown: 0, NA: 1, TCP: 2, UDP: 3, ICMP: 4, RAW: 5 } as const;
// PPM clone flags used for threads.
const PPM_CL_CLONE_FILES = 1 << 0;
const PPM_CL_CLONE_THREAD = 1 << 13;
const CLK_TCK = 100n;

// ---------------------------------------------------------------------------------------------------------
// Low-level reads.

const BUF = Buffer.allocUnsafe(1 << 20);

/** Reads a (small) /proc file into a string; null if it cannot be read (e.g. the process is gone). */
function readText(path: string, enc: BufferEncoding = 'utf8'): string | null {
  let fd: number;
  try { fd = openSync(path, 'r'); } catch { return null; }
  try {
    let n = 0;
    for (;;) {
      const r = readSync(fd, BUF, n, BUF.length - n, null);
      if (r <= 0) break;
      n += r;
      if (n >= BUF.length) break;
    }
    return BUF.toString(enc, 0, n);
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}

function readLink(path: string): string | null {
  try { return readlinkSync(path); } catch { return null; }
}

function statBig(path: string): BigIntStats | undefined {
  try { return statSync(path, { bigint: true, throwIfNoEntry: false }); } catch { return undefined; }
}

function listDir(path: string): string[] {
  try { return readdirSync(path); } catch { return []; }
}

function lastNum(s: string | undefined): number {
  if (!s) return 0;
  const parts = s.trim().split(/\s+/);
  return Number(parts[parts.length - 1]) || 0;
}

// ---------------------------------------------------------------------------------------------------------
// /proc/PID/stat and status.

interface StatFields {
  comm: string; ppid: number; pgrp: number; session: number; tty: number; minflt: bigint; majflt: bigint;
  starttime: bigint; kthread: boolean;
}
const PF_KTHREAD = 0x00200000;

function parseStat(s: string): StatFields | null {
  const open = s.indexOf('(');
  const close = s.lastIndexOf(')');
  if (open < 0 || close < open) return null;
  const f = s.slice(close + 2).split(' ');
  // f[0] state, 1 ppid, 2 pgrp, 3 session, 4 tty_nr, 5 tpgid, 6 flags, 7 minflt, 8 cminflt, 9 majflt, …, 19 starttime
  return {
    comm: s.slice(open + 1, close),
    ppid: Number(f[1]) || 0,
    pgrp: Number(f[2]) || 0,
    session: Number(f[3]) || 0,
    tty: Number(f[4]) || 0,
    minflt: BigInt(f[7] ?? 0),
    majflt: BigInt(f[9] ?? 0),
    starttime: BigInt(f[19] ?? 0),
    kthread: ((Number(f[6]) || 0) & PF_KTHREAD) !== 0,
  };
}

interface StatusFields {
  name: string; ppid: number; uid: number; gid: number; nspid: number; nspgid: number;
  vmsize: number; vmrss: number; vmswap: number; capInh: bigint; capPrm: bigint; capEff: bigint;
}

function parseStatus(s: string): StatusFields {
  const r: StatusFields = {
    name: '', ppid: 0, uid: 0, gid: 0, nspid: 0, nspgid: 0, vmsize: 0, vmrss: 0, vmswap: 0,
    capInh: 0n, capPrm: 0n, capEff: 0n,
  };
  let start = 0;
  while (start < s.length) {
    let end = s.indexOf('\n', start);
    if (end < 0) end = s.length;
    const colon = s.indexOf(':', start);
    if (colon > start && colon < end) {
      const key = s.slice(start, colon);
      const val = s.slice(colon + 1, end).trim();
      switch (key) {
        case 'Name': r.name = val; break;
        case 'PPid': r.ppid = Number(val) || 0; break;
        // effective ids (second column), as libscap
        case 'Uid': r.uid = Number(val.split(/\s+/)[1]) || 0; break;
        case 'Gid': r.gid = Number(val.split(/\s+/)[1]) || 0; break;
        case 'NSpid': r.nspid = lastNum(val); break;
        case 'NSpgid': r.nspgid = lastNum(val); break;
        case 'VmSize': r.vmsize = parseInt(val, 10) || 0; break;
        case 'VmRSS': r.vmrss = parseInt(val, 10) || 0; break;
        case 'VmSwap': r.vmswap = parseInt(val, 10) || 0; break;
        case 'CapInh': r.capInh = BigInt('0x' + (val || '0')); break;
        case 'CapPrm': r.capPrm = BigInt('0x' + (val || '0')); break;
        case 'CapEff': r.capEff = BigInt('0x' + (val || '0')); break;
        default: break;
      }
    }
    start = end + 1;
  }
  return r;
}

function parseFdLimit(s: string | null): bigint {
  if (!s) return 0n;
  const i = s.indexOf('Max open files');
  if (i < 0) return 0n;
  const soft = s.slice(i + 14).trim().split(/\s+/)[0];
  return soft === 'unlimited' ? 0xffffffffffffffffn : BigInt(Number(soft) || 0);
}

/** libscap cgroup strings: "subsys=/path" per controller; cgroup v2 ("0::/path") once per enabled controller. */
function parseCgroups(s: string | null, v2Controllers: () => string[]): string[] {
  if (!s) return [];
  const out: string[] = [];
  for (const line of s.split('\n')) {
    if (!line) continue;
    const a = line.indexOf(':');
    const b = line.indexOf(':', a + 1);
    if (a < 0 || b < 0) continue;
    const subsys = line.slice(a + 1, b);
    const path = line.slice(b + 1);
    if (subsys === '') {
      for (const c of v2Controllers()) out.push(`${c}=${path}`);
    } else {
      for (const c of subsys.split(',')) out.push(`${c}=${path}`);
    }
  }
  return out;
}

function splitNul(s: string): string[] {
  if (!s) return [];
  const parts = s.split('\0');
  if (parts[parts.length - 1] === '') parts.pop();
  return parts;
}

// ---------------------------------------------------------------------------------------------------------
// Sockets from /proc/net.

interface SockInfo {
  type: ScapFdType;
  sip?: Uint8Array; dip?: Uint8Array; sport?: number; dport?: number; l4proto?: number;
  unixSource?: bigint; name: string;
}

/** "0100007F" (a u32 in host = little-endian order) → network-order bytes; IPv6: four such words. */
function hexAddr(h: string): Uint8Array {
  const out = new Uint8Array(h.length / 2);
  for (let w = 0; w < h.length / 8; w++) {
    for (let k = 0; k < 4; k++) out[w * 4 + k] = parseInt(h.slice(w * 8 + (3 - k) * 2, w * 8 + (3 - k) * 2 + 2), 16);
  }
  return out;
}

function isZero(b: Uint8Array): boolean {
  for (let i = 0; i < b.length; i++) if (b[i] !== 0) return false;
  return true;
}

function parseInetTable(text: string | null, v6: boolean, l4proto: number, into: Map<string, SockInfo>): void {
  if (!text) return;
  const lines = text.split('\n');
  for (let i = 1; i < lines.length; i++) {
    const f = lines[i].trim().split(/\s+/);
    if (f.length < 10) continue;
    const [lip, lport] = f[1].split(':');
    const [rip, rport] = f[2].split(':');
    const inode = f[9];
    if (inode === '0') continue;
    const sip = hexAddr(lip);
    const dip = hexAddr(rip);
    const sport = parseInt(lport, 16);
    const dport = parseInt(rport, 16);
    // libscap: a socket with no remote end is a server socket (listening TCP, bound UDP).
    if (isZero(dip) && dport === 0) {
      into.set(inode, { type: v6 ? ScapFdType.Ipv6ServSock : ScapFdType.Ipv4ServSock, sip, sport, l4proto, name: '' });
    } else {
      into.set(inode, { type: v6 ? ScapFdType.Ipv6Sock : ScapFdType.Ipv4Sock, sip, dip, sport, dport, l4proto, name: '' });
    }
  }
}

function parseUnixTable(text: string | null, into: Map<string, SockInfo>): void {
  if (!text) return;
  const lines = text.split('\n');
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i];
    if (!line) continue;
    const f = line.trim().split(/\s+/);
    if (f.length < 7) continue;
    const num = f[0].endsWith(':') ? f[0].slice(0, -1) : f[0];
    const name = f.length > 7 ? f.slice(7).join(' ') : '';
    let src = 0n;
    try { src = BigInt('0x' + num); } catch { /* keep 0 */ }
    into.set(f[6], { type: ScapFdType.UnixSock, unixSource: src, name });
  }
}

function parseNetlinkTable(text: string | null, into: Map<string, SockInfo>): void {
  if (!text) return;
  const lines = text.split('\n');
  for (let i = 1; i < lines.length; i++) {
    const f = lines[i].trim().split(/\s+/);
    if (f.length < 10) continue;
    into.set(f[f.length - 1], { type: ScapFdType.Netlink, name: '' });
  }
}

function readBig(path: string): string | null {
  try { return readFileSync(path, 'latin1'); } catch { return null; }
}

function loadSocketTables(netDir: string, into: Map<string, SockInfo>): void {
  parseInetTable(readBig(`${netDir}/tcp`), false, L4.TCP, into);
  parseInetTable(readBig(`${netDir}/tcp6`), true, L4.TCP, into);
  parseInetTable(readBig(`${netDir}/udp`), false, L4.UDP, into);
  parseInetTable(readBig(`${netDir}/udp6`), true, L4.UDP, into);
  parseInetTable(readBig(`${netDir}/raw`), false, L4.RAW, into);
  parseInetTable(readBig(`${netDir}/raw6`), true, L4.RAW, into);
  parseUnixTable(readBig(`${netDir}/unix`), into);
  parseNetlinkTable(readBig(`${netDir}/netlink`), into);
}

// ---------------------------------------------------------------------------------------------------------
// fds.

const O_ACCMODE = 0o3;
const LINUX_O = {
  CREAT: 0o100, EXCL: 0o200, TRUNC: 0o1000, APPEND: 0o2000, NONBLOCK: 0o4000, DSYNC: 0o10000,
  DIRECT: 0o40000, LARGEFILE: 0o100000, DIRECTORY: 0o200000, CLOEXEC: 0o2000000, SYNC: 0o4010000,
  TMPFILE: 0o20200000,
};

/** Linux open flags (as in fdinfo, octal) → PPM_O_* flags (libscap open_flags_to_scap). */
export function openFlagsToPpm(f: number): number {
  let r = 0;
  const acc = f & O_ACCMODE;
  r |= acc === 0 ? 1 : acc === 1 ? 2 : 3;
  if (f & LINUX_O.CREAT) r |= 1 << 2;
  if (f & LINUX_O.APPEND) r |= 1 << 3;
  if ((f & LINUX_O.DSYNC) && (f & LINUX_O.SYNC) !== LINUX_O.SYNC) r |= 1 << 4;
  if (f & LINUX_O.EXCL) r |= 1 << 5;
  if (f & LINUX_O.NONBLOCK) r |= 1 << 6;
  if ((f & LINUX_O.SYNC) === LINUX_O.SYNC) r |= 1 << 7;
  if (f & LINUX_O.TRUNC) r |= 1 << 8;
  if (f & LINUX_O.DIRECT) r |= 1 << 9;
  if ((f & LINUX_O.DIRECTORY) && (f & LINUX_O.TMPFILE) !== LINUX_O.TMPFILE) r |= 1 << 10;
  if (f & LINUX_O.LARGEFILE) r |= 1 << 11;
  if (f & LINUX_O.CLOEXEC) r |= 1 << 12;
  if ((f & LINUX_O.TMPFILE) === LINUX_O.TMPFILE) r |= 1 << 13;
  return r;
}

/** Userspace dev_t (glibc encoding) → the kernel's internal encoding (major << 20 | minor) used in events. */
export function kernelDev(dev: bigint): number {
  const major = Number(((dev >> 8n) & 0xfffn) | ((dev >> 32n) & ~0xfffn));
  const minor = Number((dev & 0xffn) | ((dev >> 12n) & ~0xffn));
  return ((major << 20) | (minor & 0xfffff)) >>> 0;
}

function anonType(link: string): ScapFdType {
  // "anon_inode:[eventfd]", "anon_inode:inotify", "anon_inode:bpf-map", ...
  const k = link.slice(11).replace(/^\[|\]$/g, '');
  switch (k) {
    case 'eventfd': return ScapFdType.Event;
    case 'eventpoll': return ScapFdType.EventPoll;
    case 'signalfd': return ScapFdType.Signalfd;
    case 'timerfd': return ScapFdType.Timerfd;
    case 'inotify': return ScapFdType.Inotify;
    case 'userfaultfd': return ScapFdType.Userfaultfd;
    case 'io_uring': return ScapFdType.IoUring;
    case 'pidfd': return ScapFdType.Pidfd;
    default:
      if (k.startsWith('bpf')) return ScapFdType.Bpf;
      return ScapFdType.Unsupported;
  }
}

function fdinfoFlags(path: string): number {
  const s = readText(path, 'latin1');
  if (!s) return 0;
  const i = s.indexOf('flags:');
  if (i < 0) return 0;
  return parseInt(s.slice(i + 6, s.indexOf('\n', i)).trim(), 8) || 0;
}

// ---------------------------------------------------------------------------------------------------------
// Users, groups, interfaces, machine.

export function readUsers(etc = '/etc'): { users: UserEntry[]; groups: GroupEntry[] } {
  const users: UserEntry[] = [];
  const groups: GroupEntry[] = [];
  for (const line of (readBig(`${etc}/passwd`) ?? '').split('\n')) {
    const f = line.split(':');
    if (f.length < 7 || line.startsWith('#')) continue;
    users.push({ name: f[0], uid: Number(f[2]) >>> 0, gid: Number(f[3]) >>> 0, homedir: f[5], shell: f[6] });
  }
  for (const line of (readBig(`${etc}/group`) ?? '').split('\n')) {
    const f = line.split(':');
    if (f.length < 3 || line.startsWith('#')) continue;
    groups.push({ name: f[0], gid: Number(f[2]) >>> 0 });
  }
  return { users, groups };
}

function ipv4Bytes(s: string): Uint8Array {
  return Uint8Array.from(s.split('.').map((x) => Number(x) & 0xff));
}

export function ipv6Bytes(s: string): Uint8Array {
  const out = new Uint8Array(16);
  const pct = s.indexOf('%');
  if (pct >= 0) s = s.slice(0, pct);
  let tail4: Uint8Array | undefined;
  const lastColon = s.lastIndexOf(':');
  if (s.indexOf('.', lastColon) >= 0) { tail4 = ipv4Bytes(s.slice(lastColon + 1)); s = s.slice(0, lastColon + 1) + '0:0'; }
  const [head, tail] = s.includes('::') ? s.split('::') : [s, undefined];
  const h = head ? head.split(':') : [];
  const t = tail !== undefined && tail !== '' ? tail.split(':') : [];
  const words = tail === undefined ? h : [...h, ...new Array<string>(8 - h.length - t.length).fill('0'), ...t];
  for (let i = 0; i < 8; i++) {
    const v = parseInt(words[i] ?? '0', 16) || 0;
    out[i * 2] = v >> 8;
    out[i * 2 + 1] = v & 0xff;
  }
  if (tail4) out.set(tail4, 12);
  return out;
}

export function readInterfaces(): InterfaceEntry[] {
  const out: InterfaceEntry[] = [];
  let ifs: NodeJS.Dict<os.NetworkInterfaceInfo[]>;
  try { ifs = os.networkInterfaces(); } catch { return out; }
  for (const [name, list] of Object.entries(ifs)) {
    for (const a of list ?? []) {
      if (a.family === 'IPv4') {
        const addr = ipv4Bytes(a.address);
        const netmask = ipv4Bytes(a.netmask);
        const bcast = addr.map((b, i) => b | (~netmask[i] & 0xff));
        out.push({ family: 'ipv4', name, addr, netmask, bcast, linkspeed: 0n });
      } else {
        out.push({ family: 'ipv6', name, addr: ipv6Bytes(a.address), netmask: ipv6Bytes(a.netmask), bcast: new Uint8Array(16), linkspeed: 0n });
      }
    }
  }
  return out;
}

/** Boot time in ns since the epoch (now − /proc/uptime; 10 ms resolution). */
export function bootTimeNs(procRoot = '/proc'): bigint {
  const up = readText(`${procRoot}/uptime`, 'latin1');
  const nowNs = BigInt(Date.now()) * 1_000_000n;
  if (!up) return 0n;
  const [sec, frac = '0'] = up.split(' ')[0].split('.');
  const upNs = BigInt(sec) * 1_000_000_000n + BigInt(frac.padEnd(2, '0').slice(0, 2)) * 10_000_000n;
  return nowNs - upNs;
}

export function readMachineInfo(procRoot = '/proc', bootTs = bootTimeNs(procRoot)): MachineInfo {
  const pidMax = Number((readText(`${procRoot}/sys/kernel/pid_max`, 'latin1') ?? '').trim()) || 32768;
  let numCpus = 0;
  try { numCpus = os.cpus().length; } catch { /* keep 0 */ }
  return {
    numCpus, memorySizeBytes: BigInt(os.totalmem()), maxPid: BigInt(pidMax), hostname: os.hostname(),
    bootTsEpoch: bootTs, flags: 0n,
  };
}

// ---------------------------------------------------------------------------------------------------------
// The snapshot.

function emptyThread(): ThreadEntry {
  return {
    tid: 0, pid: 0, ptid: 0, sid: 0, vpgid: 0, pgid: 0, comm: '', exe: '', exepath: '', args: [], cwd: '',
    fdlimit: 0n, flags: 0, uid: 0, gid: 0, vmsizeKb: 0, vmrssKb: 0, vmswapKb: 0, pfMajor: 0n, pfMinor: 0n,
    env: [], vtid: 0, vpid: 0, cgroups: [], root: '', pidnsInitStartTs: 0n, tty: 0, loginuid: 0xffffffff,
    exeWritable: false, capInheritable: 0n, capPermitted: 0n, capEffective: 0n, exeUpperLayer: false,
    exeLowerLayer: false, exeFromMemfd: false, exeIno: 0n, exeInoCtime: 0n, exeInoMtime: 0n,
  };
}

export function readProcSnapshot(opts: ProcSnapshotOptions = {}): ProcSnapshot {
  const t0 = performance.now();
  const proc = opts.procRoot ?? '/proc';
  const maxProcs = opts.maxProcesses ?? 65536;
  const maxThreads = opts.maxThreadsPerProcess ?? 8192;
  const maxFds = opts.maxFdsPerProcess ?? 16384;
  const includeFds = opts.includeFds ?? true;
  const filter = opts.pids;
  const want = filter === undefined ? () => true
    : typeof filter === 'function' ? filter : (pid: number) => filter.has(pid);

  const bootTs = bootTimeNs(proc);
  const startOf = (ticks: bigint): bigint => bootTs + (ticks * 1_000_000_000n) / CLK_TCK;

  let v2ctl: string[] | undefined;
  const v2Controllers = (): string[] => {
    if (!v2ctl) {
      const s = readText('/sys/fs/cgroup/cgroup.controllers', 'latin1');
      v2ctl = s ? s.trim().split(/\s+/).filter(Boolean) : [];
    }
    return v2ctl;
  };

  const sockets = new Map<string, SockInfo>();
  const loadedNetns = new Set<string>();
  let selfNetns: string | undefined;
  const ensureSelfSockets = (): void => {
    if (selfNetns !== undefined) return;
    selfNetns = readLink(`${proc}/self/ns/net`) ?? '';
    loadedNetns.add(selfNetns);
    loadSocketTables(`${proc}/net`, sockets);
  };

  const threads: ThreadEntry[] = [];
  const fds = new Map<number, FdEntry[]>();
  const startTs = new Map<number, bigint>();
  let skipped = 0;

  const pids: number[] = [];
  for (const name of listDir(proc)) {
    const c = name.charCodeAt(0);
    if (c < 48 || c > 57) continue;
    const pid = Number(name);
    if (Number.isInteger(pid) && want(pid)) pids.push(pid);
  }
  pids.sort((a, b) => a - b);
  if (pids.length > maxProcs) pids.length = maxProcs;

  for (const pid of pids) {
    const dir = `${proc}/${pid}`;
    const statText = readText(`${dir}/stat`, 'utf8');
    const st = statText ? parseStat(statText) : null;
    const statusText = st ? readText(`${dir}/status`) : null;
    if (!st || !statusText) { skipped++; continue; }
    const status = parseStatus(statusText);
    const t = emptyThread();
    t.tid = pid;
    t.pid = pid;
    t.ptid = status.ppid || st.ppid;
    t.sid = st.session;
    t.pgid = st.pgrp;
    t.vpgid = status.nspgid || st.pgrp;
    t.comm = st.comm;
    t.uid = status.uid;
    t.gid = status.gid;
    t.vmsizeKb = status.vmsize;
    t.vmrssKb = status.vmrss;
    t.vmswapKb = status.vmswap;
    t.pfMajor = st.majflt;
    t.pfMinor = st.minflt;
    t.vtid = status.nspid || pid;
    t.vpid = status.nspid || pid;
    t.tty = st.tty;
    t.capInheritable = status.capInh;
    t.capPermitted = status.capPrm;
    t.capEffective = status.capEff;

    // Kernel threads have no cmdline, exe or fds: skip those reads (each would fail or come back empty).
    const argv = st.kthread ? [] : splitNul(readText(`${dir}/cmdline`) ?? '');
    t.exe = argv.length > 0 ? argv[0] : st.comm;
    t.args = argv.slice(1);
    t.exepath = st.kthread ? '' : readLink(`${dir}/exe`) ?? '';
    t.cwd = readLink(`${dir}/cwd`) ?? '';
    t.root = readLink(`${dir}/root`) ?? '';
    t.cgroups = parseCgroups(readText(`${dir}/cgroup`), v2Controllers);
    const lu = readText(`${dir}/loginuid`, 'latin1');
    t.loginuid = lu ? Number(lu.trim()) >>> 0 : 0xffffffff;
    t.fdlimit = parseFdLimit(readText(`${dir}/limits`, 'latin1'));
    if (opts.includeEnv) t.env = splitNul(readText(`${dir}/environ`) ?? '');
    t.exeFromMemfd = t.exepath.startsWith('/memfd:');
    if (t.exepath) {
      const es = statBig(`${dir}/exe`);
      if (es) {
        t.exeIno = es.ino;
        t.exeInoCtime = es.ctimeNs;
        t.exeInoMtime = es.mtimeNs;
        const mode = Number(es.mode);
        t.exeWritable = t.uid === 0 ? (mode & 0o222) !== 0
          : BigInt(t.uid) === es.uid ? (mode & 0o200) !== 0
            : BigInt(t.gid) === es.gid ? (mode & 0o020) !== 0 : (mode & 0o002) !== 0;
      }
    }
    threads.push(t);
    startTs.set(pid, startOf(st.starttime));

    if (opts.includeThreads) {
      const tids = listDir(`${dir}/task`).map(Number).filter((x) => Number.isInteger(x) && x !== pid).sort((a, b) => a - b);
      for (const tid of tids.slice(0, maxThreads)) {
        const tdir = `${dir}/task/${tid}`;
        const ts = readText(`${tdir}/stat`);
        const tst = ts ? parseStat(ts) : null;
        if (!tst) continue;
        const tstatus = parseStatus(readText(`${tdir}/status`) ?? '');
        const th: ThreadEntry = { ...t, tid, comm: tst.comm, vtid: tstatus.nspid || tid };
        th.flags = PPM_CL_CLONE_THREAD | PPM_CL_CLONE_FILES;
        th.pfMajor = tst.majflt;
        th.pfMinor = tst.minflt;
        threads.push(th);
        startTs.set(tid, startOf(tst.starttime));
      }
    }

    if (includeFds && !st.kthread) {
      const list: FdEntry[] = [];
      const names = listDir(`${dir}/fd`);
      let count = 0;
      for (const name of names) {
        if (count >= maxFds) break;
        const fd = Number(name);
        const link = readLink(`${dir}/fd/${name}`);
        if (link === null || !Number.isInteger(fd)) continue;
        const e = fdEntry(fd, link, `${dir}`, name);
        if (e) { list.push(e); count++; }
      }
      list.sort((a, b) => a.fd - b.fd);
      fds.set(pid, list);
    }
  }

  function fdEntry(fd: number, link: string, dir: string, name: string): FdEntry | undefined {
    const base: FdEntry = { fd, ino: 0n, type: ScapFdType.Unknown, name: link, openFlags: 0, dev: 0 };
    if (link.startsWith('socket:[')) {
      const inode = link.slice(8, -1);
      base.ino = BigInt(inode);
      ensureSelfSockets();
      let s = sockets.get(inode);
      if (!s) {
        // The socket may live in another network namespace: load that namespace's tables once.
        const ns = readLink(`${dir}/ns/net`);
        if (ns && !loadedNetns.has(ns)) {
          loadedNetns.add(ns);
          loadSocketTables(`${dir}/net`, sockets);
          s = sockets.get(inode);
        }
      }
      if (!s) { base.type = ScapFdType.Unsupported; return base; }
      base.type = s.type;
      base.name = s.name;
      if (s.sip) base.sip = s.sip;
      if (s.dip) base.dip = s.dip;
      if (s.sport !== undefined) base.sport = s.sport;
      if (s.dport !== undefined) base.dport = s.dport;
      if (s.l4proto !== undefined) base.l4proto = s.l4proto;
      if (s.unixSource !== undefined) { base.unixSource = s.unixSource; base.unixDest = 0n; }
      return base;
    }
    if (link.startsWith('pipe:[')) {
      base.type = ScapFdType.Fifo;
      base.ino = BigInt(link.slice(6, -1));
      return base;
    }
    if (link.startsWith('anon_inode:')) {
      base.type = anonType(link);
      return base;
    }
    // A path (file, directory, device, memfd, deleted file, ...).
    const st = statBig(`${dir}/fd/${name}`);
    if (st) {
      base.ino = st.ino;
      base.dev = kernelDev(st.dev);
    }
    if (link.startsWith('/memfd:')) base.type = ScapFdType.Memfd;
    else if (st && st.isDirectory()) base.type = ScapFdType.Directory;
    else base.type = ScapFdType.FileV2;
    base.openFlags = openFlagsToPpm(fdinfoFlags(`${dir}/fdinfo/${name}`));
    return base;
  }

  // pidns init start time: the start of the nearest ancestor that is its namespace's init (vpid 1), else pid 1.
  const byTid = new Map<number, ThreadEntry>();
  for (const t of threads) if (t.tid === t.pid) byTid.set(t.tid, t);
  let hostInit = startTs.get(1);
  if (hostInit === undefined) {
    const s = readText(`${proc}/1/stat`);
    const p = s ? parseStat(s) : null;
    hostInit = p ? startOf(p.starttime) : bootTs;
  }
  for (const t of threads) {
    let cur: ThreadEntry | undefined = byTid.get(t.pid);
    let init = hostInit;
    for (let hops = 0; cur && hops < 64; hops++) {
      if (cur.vpid === 1 && cur.pid !== 1) { init = startTs.get(cur.pid) ?? init; break; }
      if (cur.vpid === cur.pid) break; // host namespace
      cur = byTid.get(cur.ptid);
    }
    t.pidnsInitStartTs = init;
  }

  const { users, groups } = (opts.includeUsers ?? true) ? readUsers(opts.etcRoot) : { users: [], groups: [] };
  const interfaces = (opts.includeInterfaces ?? true) ? readInterfaces() : [];
  return {
    machine: readMachineInfo(proc, bootTs),
    threads, fds, users, groups, interfaces, startTs, skipped, elapsedMs: performance.now() - t0,
  };
}
