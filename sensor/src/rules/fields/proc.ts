// proc.* and thread.*: the process and thread of the event and its ancestors, from the state's thread table.
// Semantics follow libsinsp's sinsp_filter_check_thread: ancestors are walked from the main thread through
// each parent's m_ptid; a missing thread or ancestor gives no value (<NA>).
import type { FieldContext, ThreadView } from './context.js';
import { field, parseIndexArg, FieldError, type FieldDef, type FieldValue } from './types.js';

/** Linux capability names by bit (include/uapi/linux/capability.h), as libsinsp caps_to_string prints them. */
const CAP_NAMES = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_DAC_READ_SEARCH', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL', 'CAP_SETGID',
  'CAP_SETUID', 'CAP_SETPCAP', 'CAP_LINUX_IMMUTABLE', 'CAP_NET_BIND_SERVICE', 'CAP_NET_BROADCAST', 'CAP_NET_ADMIN',
  'CAP_NET_RAW', 'CAP_IPC_LOCK', 'CAP_IPC_OWNER', 'CAP_SYS_MODULE', 'CAP_SYS_RAWIO', 'CAP_SYS_CHROOT', 'CAP_SYS_PTRACE',
  'CAP_SYS_PACCT', 'CAP_SYS_ADMIN', 'CAP_SYS_BOOT', 'CAP_SYS_NICE', 'CAP_SYS_RESOURCE', 'CAP_SYS_TIME',
  'CAP_SYS_TTY_CONFIG', 'CAP_MKNOD', 'CAP_LEASE', 'CAP_AUDIT_WRITE', 'CAP_AUDIT_CONTROL', 'CAP_SETFCAP',
  'CAP_MAC_OVERRIDE', 'CAP_MAC_ADMIN', 'CAP_SYSLOG', 'CAP_WAKE_ALARM', 'CAP_BLOCK_SUSPEND', 'CAP_AUDIT_READ',
  'CAP_PERFMON', 'CAP_BPF', 'CAP_CHECKPOINT_RESTORE',
];

/** `CAP_CHOWN CAP_KILL ...` for the set bits of a capability mask (empty string for none). */
export function capsToString(mask: bigint): string {
  let out = '';
  for (let b = 0; b < CAP_NAMES.length; b++) {
    if ((mask >> BigInt(b)) & 1n) out += (out === '' ? '' : ' ') + CAP_NAMES[b];
  }
  return out;
}

/** libsinsp populate_cmdline: comm, then the args separated by spaces. */
export function cmdline(th: ThreadView): string {
  let s = th.comm;
  for (let j = 0; j < th.args.length; j++) s += ' ' + th.args[j];
  return s;
}

const xid = (v: number): number | undefined => (v >= -1 && v <= 0xffffffff ? v : undefined);
const nonZero = (v: bigint | undefined): bigint | undefined => (v === undefined || v === 0n ? undefined : v);

function inPidNs(th: ThreadView): boolean { return th.inPidNs || (th.vtid >= 0 && th.vtid !== th.tid); }

/**
 * The leader of the process's session (key 'sid') or process group (key 'vpgid'): the thread whose pid is that
 * id for host processes, else the eldest ancestor sharing the id (libsinsp TYPE_SNAME / TYPE_VPGID_NAME).
 */
function leader(c: FieldContext, key: 'sid' | 'vpgid'): ThreadView | undefined {
  const th = c.thread();
  if (th === undefined) return undefined;
  const id = th[key] ?? -1;
  if (!inPidNs(th)) {
    const direct = c.threadOf(id);
    if (direct !== undefined) return direct;
  }
  let best: ThreadView = th;
  for (let p = c.parentOf(th), guard = 0; p !== undefined && guard < 4096; p = c.parentOf(p), guard++) {
    if ((p[key] ?? -1) !== id) break;
    best = p;
  }
  return best;
}

/** proc.pname & co.: libsinsp looks up the thread's own m_ptid (for a secondary thread, its creator). */
function parent(c: FieldContext): ThreadView | undefined {
  const th = c.thread();
  if (th === undefined) return undefined;
  return th.tid === th.pid ? c.parentOf(th) : c.threadOf(th.ptid) ?? c.parentOf(th);
}

/** `proc.aname` without [N] is the process itself when printed (libsinsp argid -1 walks no levels). */
const ancestorLevel = (a: number | undefined): number => (a === undefined ? 0 : a);
const ANCESTOR_ARG = { kind: 'index', required: false } as const;

/** Values of every ancestor from the parent up (conditions on proc.aname etc. without [N]); undefined if none. */
function everyAncestor(pick: (t: ThreadView) => string | undefined) {
  return (c: FieldContext): FieldValue => {
    const out: string[] = [];
    for (let level = 1; level <= 64; level++) {
      const t = c.ancestor(level);
      if (t === undefined) break;
      const v = pick(t);
      if (v !== undefined && v !== '') out.push(v);
    }
    return out.length === 0 ? undefined : out;
  };
}

function envArg(text: string): string {
  if (!/^[^\s=\]]+$/.test(text)) throw new FieldError('EFIELD_ARG', `proc.env: bad variable name ${JSON.stringify(text)}`);
  return text;
}

function getEnv(th: ThreadView, name: string): string {
  const env = th.env ?? [];
  const prefix = name + '=';
  for (let j = 0; j < env.length; j++) if (env[j].startsWith(prefix)) return env[j].slice(prefix.length);
  return '';
}

function countThreads(c: FieldContext, pid: number): number {
  let n = 0;
  for (const t of c.state.threads.values()) if (t.pid === pid) n++;
  return n;
}

const thr = (f: (th: ThreadView, c: FieldContext) => FieldValue) => (c: FieldContext): FieldValue => {
  const th = c.thread();
  return th === undefined ? undefined : f(th, c);
};

/**
 * Trailing empty entries are not printed (libsinsp keeps the environment block up to its last variable: one
 * overwritten with NULs, as nginx does for its title, prints as nothing); empty entries before a variable are.
 */
function joinEnv(env: readonly string[]): string {
  let n = env.length;
  while (n > 0 && env[n - 1] === '') n--;
  return n === env.length ? env.join(' ') : env.slice(0, n).join(' ');
}

/** libsinsp (set_cgroups) names the kernel's `io` controller by its cgroup v1 name, `blkio`. */
function v1Name(entry: string): string { return entry.startsWith('io=') ? 'blkio' + entry.slice(2) : entry; }

export const PROC_FIELDS: readonly FieldDef<any>[] = [
  field({ name: 'proc.name', type: 'charbuf', desc: 'process name (task->comm, up to 16 characters)', extract: thr((t) => t.comm || undefined) }),
  field({ name: 'proc.exe', type: 'charbuf', desc: 'first command line argument argv[0] (usually the executable name)', extract: thr((t) => t.exe) }),  // a known thread's exe, even empty (libsinsp m_exe; unknown threads have "<NA>")
  field({ name: 'proc.exepath', type: 'charbuf', desc: 'full executable path (symlinks resolved)', extract: thr((t) => t.exepath) }),
  field({ name: 'proc.args', type: 'charbuf', desc: 'command line arguments, argv[1..], separated by spaces', extract: thr((t) => t.args.join(' ')) }),
  field({ name: 'proc.cmdline', type: 'charbuf', desc: 'proc.name followed by proc.args', extract: thr((t) => (t.comm === '' ? undefined : cmdline(t))) }),
  field({ name: 'proc.exeline', type: 'charbuf', desc: 'proc.exe followed by proc.args', extract: thr((t) => t.exe + ' ' + t.args.join(' ')) }),
  field({ name: 'proc.cmdnargs', type: 'uint64', desc: 'number of command line arguments (proc.args)', extract: thr((t) => t.args.length) }),
  field({ name: 'proc.cmdlenargs', type: 'uint64', desc: 'total characters of the command line arguments, separators excluded', extract: thr((t) => t.args.reduce((n, a) => n + a.length, 0)) }),
  field<string | undefined>({
    name: 'proc.env', type: 'charbuf', arg: { kind: 'key', required: false }, parseArg: envArg,
    desc: "environment as 'NAME=value NAME1=value1'; proc.env[NAME] gives one variable's value (empty until the state records env)",
    extract: (c, a) => { const t = c.thread(); if (t === undefined) return undefined; return a === undefined ? joinEnv(t.env ?? []) : getEnv(t, a); },
  }),
  field({ name: 'proc.cwd', type: 'charbuf', desc: 'current working directory', extract: thr((t) => t.cwd) }),
  field({ name: 'proc.pid', type: 'int64', desc: 'process id', extract: thr((t) => xid(t.pid)) }),
  field({ name: 'proc.ppid', type: 'int64', desc: 'parent process id (of the main thread)', extract: thr((t, c) => { const m = c.mainThread(t); return m === undefined ? undefined : xid(m.ptid); }) }),
  field({ name: 'proc.vpid', type: 'int64', desc: 'process id as seen from its pid namespace', extract: thr((t) => (t.vpid === -1 ? undefined : t.vpid)) }),
  field({ name: 'proc.pvpid', type: 'int64', desc: 'parent process id as seen from its pid namespace', extract: (c) => parent(c)?.vpid }),
  field({ name: 'proc.sid', type: 'int64', desc: 'session id', extract: thr((t) => t.sid ?? -1) }),
  field({ name: 'proc.sname', type: 'charbuf', desc: 'name of the session leader (the process with pid=proc.sid, or the eldest ancestor with the same sid)', extract: (c) => leader(c, 'sid')?.comm || undefined }),
  field({ name: 'proc.sid.exe', type: 'charbuf', desc: 'proc.exe of the session leader', extract: (c) => leader(c, 'sid')?.exe }),
  field({ name: 'proc.sid.exepath', type: 'charbuf', desc: 'proc.exepath of the session leader', extract: (c) => leader(c, 'sid')?.exepath }),
  field({ name: 'proc.vpgid', type: 'int64', desc: 'process group id as seen from its pid namespace', extract: thr((t) => t.vpgid ?? -1) }),
  field({ name: 'proc.vpgid.name', type: 'charbuf', desc: 'name of the process group leader', extract: (c) => leader(c, 'vpgid')?.comm }),
  field({ name: 'proc.vpgid.exe', type: 'charbuf', desc: 'proc.exe of the process group leader', extract: (c) => leader(c, 'vpgid')?.exe }),
  field({ name: 'proc.vpgid.exepath', type: 'charbuf', desc: 'proc.exepath of the process group leader', extract: (c) => leader(c, 'vpgid')?.exepath }),
  field({ name: 'proc.is_sid_leader', type: 'bool', desc: "'true' if proc.sid == proc.vpid", extract: thr((t) => (t.sid ?? -1) === t.vpid) }),
  field({ name: 'proc.is_vpgid_leader', type: 'bool', desc: "'true' if proc.vpgid == proc.vpid (the process leads its process group)", extract: thr((t) => (t.vpgid ?? -1) === t.vpid) }),
  field({ name: 'proc.tty', type: 'uint32', desc: 'controlling terminal (0 for none)', extract: thr((t) => t.tty ?? 0) }),
  field({ name: 'proc.pname', type: 'charbuf', desc: 'name of the parent process', extract: (c) => parent(c)?.comm }),
  field({ name: 'proc.pcmdline', type: 'charbuf', desc: 'proc.cmdline of the parent process', extract: (c) => { const p = parent(c); return p === undefined ? undefined : cmdline(p); } }),
  field({ name: 'proc.pexe', type: 'charbuf', desc: 'proc.exe of the parent process', extract: (c) => parent(c)?.exe }),
  field({ name: 'proc.pexepath', type: 'charbuf', desc: 'proc.exepath of the parent process', extract: (c) => parent(c)?.exepath }),
  field<number | undefined>({ name: 'proc.aname', type: 'charbuf', arg: ANCESTOR_ARG, parseArg: parseIndexArg('proc.aname'), desc: 'name of an ancestor: proc.aname[1] parent, [2] grandparent, [0] the process; without [N] in conditions: any ancestor', extract: (c, a) => c.ancestor(ancestorLevel(a))?.comm || undefined, anyOfWithoutArg: everyAncestor((t) => t.comm) }),
  field<number | undefined>({ name: 'proc.apid', type: 'int64', arg: ANCESTOR_ARG, parseArg: parseIndexArg('proc.apid'), desc: 'pid of an ancestor (proc.apid[1] = parent pid)', extract: (c, a) => { const t = c.ancestor(ancestorLevel(a)); return t === undefined ? undefined : xid(t.pid); } }),
  field<number | undefined>({ name: 'proc.aexe', type: 'charbuf', arg: ANCESTOR_ARG, parseArg: parseIndexArg('proc.aexe'), desc: 'proc.exe of an ancestor (proc.aexe[1] = parent)', extract: (c, a) => c.ancestor(ancestorLevel(a))?.exe, anyOfWithoutArg: everyAncestor((t) => t.exe) }),
  field<number | undefined>({ name: 'proc.aexepath', type: 'charbuf', arg: ANCESTOR_ARG, parseArg: parseIndexArg('proc.aexepath'), desc: 'proc.exepath of an ancestor (proc.aexepath[2] = grandparent)', extract: (c, a) => c.ancestor(ancestorLevel(a))?.exepath, anyOfWithoutArg: everyAncestor((t) => t.exepath) }),
  field<number | undefined>({ name: 'proc.acmdline', type: 'charbuf', arg: ANCESTOR_ARG, parseArg: parseIndexArg('proc.acmdline'), desc: 'proc.cmdline of an ancestor', extract: (c, a) => { const t = c.ancestor(ancestorLevel(a)); return t === undefined ? undefined : cmdline(t); } }),
  field({
    name: 'proc.loginshellid', type: 'int64', desc: 'pid of the eldest ancestor shell (name ending in "sh"), if any',
    extract: (c) => {
      let t = c.ancestor(0);
      let res: number | undefined;
      for (let guard = 0; t !== undefined && guard < 4096; t = c.parentOf(t), guard++) if (t.comm.endsWith('sh')) res = t.pid;
      return res;
    },
  }),
  field({ name: 'proc.duration', type: 'reltime', desc: 'ns since the process started (needs its clone time; <NA> for processes found in /proc or a capture without one)', extract: thr((t, c) => { const s = nonZero(t.cloneTs); return s === undefined ? undefined : c.ev.ts - s; }) }),
  field({ name: 'proc.pid.ts', type: 'reltime', desc: 'process start time, ns since the epoch', extract: thr((t) => nonZero(t.cloneTs)) }),
  field({ name: 'proc.ppid.ts', type: 'reltime', desc: 'parent process start time, ns since the epoch', extract: (c) => { const p = parent(c); return p === undefined ? undefined : p.cloneTs ?? 0n; } }),
  field({ name: 'proc.ppid.duration', type: 'reltime', desc: 'ns since the parent process started', extract: (c) => { const s = nonZero(parent(c)?.cloneTs); return s === undefined ? undefined : c.ev.ts - s; } }),
  field({ name: 'proc.exe_ino', type: 'int64', desc: 'inode number of the executable file (<NA> when unknown)', extract: thr((t) => nonZero(t.exeIno)) }),
  field({ name: 'proc.exe_ino.ctime', type: 'abstime', desc: 'last status change time (ctime) of the executable file, ns since the epoch', extract: thr((t) => nonZero(t.exeInoCtime)) }),
  field({ name: 'proc.exe_ino.mtime', type: 'abstime', desc: 'last modification time (mtime) of the executable file, ns since the epoch', extract: thr((t) => nonZero(t.exeInoMtime)) }),
  field({
    name: 'proc.exe_ino.ctime_duration_proc_start', type: 'abstime', desc: 'ns between the executable\'s ctime and the process start (clone) time',
    extract: thr((t) => { const s = nonZero(t.cloneTs), ct = nonZero(t.exeInoCtime); return s === undefined || ct === undefined ? undefined : nonZero(s - ct); }),
  }),
  field({
    name: 'proc.exe_ino.ctime_duration_pidns_start', type: 'abstime', desc: 'ns between the pid namespace start and the executable\'s ctime, when the namespace is older',
    extract: thr((t) => { const p = nonZero(t.pidnsInitStartTs), ct = nonZero(t.exeInoCtime); return p === undefined || ct === undefined || ct <= p ? undefined : ct - p; }),
  }),
  field({ name: 'proc.pidns_init_start_ts', type: 'uint64', desc: 'start time of the process\'s pid namespace, ns since the epoch', extract: thr((t) => nonZero(t.pidnsInitStartTs)) }),
  field({ name: 'proc.is_exe_writable', type: 'bool', desc: "'true' if the executable file is writable by the user that started the process", extract: thr((t) => t.exeWritable ?? false) }),
  field({ name: 'proc.is_exe_upper_layer', type: 'bool', desc: "'true' if the executable file is in an overlayfs upper layer", extract: thr((t) => t.exeUpperLayer ?? false) }),
  field({ name: 'proc.is_exe_from_memfd', type: 'bool', desc: "'true' if the executable is a memfd_create() file executed through its fd", extract: thr((t) => t.exeFromMemfd ?? false) }),
  field({ name: 'proc.is_container_healthcheck', type: 'bool', desc: "'true' if the process runs a container health check (false until container enrichment)", extract: thr(() => false) }),
  field({ name: 'proc.is_container_liveness_probe', type: 'bool', desc: "'true' if the process runs a container liveness probe (false until container enrichment)", extract: thr(() => false) }),
  field({ name: 'proc.is_container_readiness_probe', type: 'bool', desc: "'true' if the process runs a container readiness probe (false until container enrichment)", extract: thr(() => false) }),
  field({ name: 'proc.fdopencount', type: 'uint64', desc: 'number of open fds of the process', extract: thr((t) => t.fds.size) }),
  field({ name: 'proc.fdlimit', type: 'int64', desc: 'maximum number of fds the process can open (<NA> when unknown)', extract: thr((t) => (t.fdlimit === undefined ? undefined : Number(t.fdlimit))) }),
  // A thread judged outside the table (a container event's own) counts itself.
  field({ name: 'proc.nthreads', type: 'uint64', desc: 'number of live threads of the process', extract: thr((t, c) => countThreads(c, t.pid) + (c.state.threads.peek(t.tid) === t ? 0 : 1)) }),
  field({ name: 'proc.nchilds', type: 'uint64', desc: 'number of live threads of the process other than its main thread', extract: thr((t, c) => { if (t.tid !== t.pid) return 0; const n = countThreads(c, t.pid); return c.threadOf(t.pid) !== undefined ? n - 1 : n; }) }),  // libsinsp counts on the main thread (m_nchilds): other threads say 0
  field({
    name: 'thread.tid', type: 'int64', desc: 'thread id',
    extract: (c) => { const ev = c.ev; return ev.tid >= 2 ** 63 ? Number(ev.view.getBigInt64(ev.base + 8, true)) : ev.tid; },
  }),
  field({ name: 'thread.vtid', type: 'int64', desc: 'thread id as seen from its pid namespace', extract: thr((t) => (t.vtid === -1 ? undefined : t.vtid)) }),
  field({ name: 'thread.ismain', type: 'bool', desc: "'true' for the main thread of the process", extract: thr((t) => t.tid === t.pid) }),
  field({ name: 'thread.cap_effective', type: 'charbuf', desc: 'effective capabilities (CAP_X CAP_Y ...)', extract: thr((t) => (t.capEffective === undefined ? undefined : capsToString(t.capEffective))) }),
  field({ name: 'thread.cap_permitted', type: 'charbuf', desc: 'permitted capabilities', extract: thr((t) => (t.capPermitted === undefined ? undefined : capsToString(t.capPermitted))) }),
  field({ name: 'thread.cap_inheritable', type: 'charbuf', desc: 'inheritable capabilities', extract: thr((t) => (t.capInheritable === undefined ? undefined : capsToString(t.capInheritable))) }),
  field({ name: 'thread.cgroups', type: 'charbuf', desc: "all cgroups of the thread as 'subsys=/path ...'", extract: thr((t) => (t.cgroups === undefined || t.cgroups.length === 0 ? undefined : t.cgroups.map(v1Name).join(' '))) }),
  field<string>({
    name: 'thread.cgroup', type: 'charbuf', arg: { kind: 'name', required: true }, parseArg: (s) => s,
    desc: 'the cgroup of one subsystem, e.g. thread.cgroup.cpuacct',
    extract: (c, sub) => {
      const cg = c.thread()?.cgroups;
      if (cg === undefined) return undefined;
      const prefix = sub + '=';
      for (let j = 0; j < cg.length; j++) { const e = v1Name(cg[j]); if (e.startsWith(prefix)) return e.slice(prefix.length); }
      return undefined;
    },
  }),
];
