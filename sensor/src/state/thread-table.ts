// Thread table: one ThreadInfo per known tid with every process fact Falco's proc.* / thread.* fields read,
// and the fd table shared by the threads of a process. Bounded LRU (lru-cache); size and evictions are metrics.
import { LRUCache } from 'lru-cache';
import { FdTable } from './fd-table.js';

/** What the last enter event of a thread said, for exit events that need it (old captures split params). */
export interface EnterState {
  /** Event type of the last enter event, or -1. */
  type: number;
  /** fd param of the enter event (-1 when none). */
  fd: number;
  /** socket(): domain, type, proto. open*(): flags; openat: dirfd; name: path. */
  domain: number;
  sockType: number;
  proto: number;
  flags: number;
  dirfd: number;
  name: string;
  /** sendto()/sendmsg(): the destination tuple (a copy). */
  tuple: Uint8Array | null;
}

/**
 * One thread as libsinsp's sinsp_threadinfo knows it. Process-wide facts (exe, args, env, cwd, fds, ...) are
 * copied into every thread of the process, as libsinsp does, so a field can read them from any thread; the
 * main thread is `state.threads.get(th.pid)`, the parent `state.threads.get(th.ptid)` (or `state.parent(th)`).
 * Numbers are plain JS numbers (pids, uids, sizes fit in 2^53); 64-bit identities and times are bigint.
 */
export interface ThreadInfo {
  /** Thread id (host pid namespace). thread.tid */
  tid: number;
  /** Process id = thread group id (host pid namespace). proc.pid */
  pid: number;
  /** Parent thread id (host pid namespace), -1 when unknown. proc.ppid reads the main thread's ptid. */
  ptid: number;
  /** Session id. proc.sid */
  sid: number;
  /** Process group id inside the thread's pid namespace. proc.vpgid */
  vpgid: number;
  /** Process group id in the host pid namespace. proc.pgid */
  pgid: number;
  /** Command name (task comm, ≤15 chars, or the exe basename for old events). proc.name */
  comm: string;
  /** argv[0] as the event gave it. proc.exe */
  exe: string;
  /** Trusted executable path (execve `trusted_exepath`, /proc/PID/exe). proc.exepath */
  exepath: string;
  /** argv[1..] (argv[0] is `exe`). proc.args / proc.cmdline */
  args: string[];
  /** Environment, "NAME=value" strings (empty unless the event or snapshot carried it). proc.env */
  env: string[];
  /** Current working directory, always ending in '/' once known (libsinsp keeps the trailing slash). proc.cwd */
  cwd: string;
  /** Effective user id (libsinsp m_uid: setresuid's euid updates it). user.uid; 0xffffffff unknown. */
  uid: number;
  /** Effective group id. group.gid; 0xffffffff unknown. */
  gid: number;
  /** Audit login uid (0xffffffff when unset). user.loginuid */
  loginuid: number;
  /** Controlling terminal (kernel dev number, 0 none). proc.tty */
  tty: number;
  /** thread.cap_inheritable / cap_permitted / cap_effective (kernel capability bit masks). */
  capInheritable: bigint;
  capPermitted: bigint;
  capEffective: bigint;
  /** Inode of the executable and its ctime/mtime (ns since epoch). proc.exe_ino, proc.exe_ino_ctime, ... */
  exeIno: bigint;
  exeInoCtime: bigint;
  exeInoMtime: bigint;
  /** The executable is writable by the process's user. proc.is_exe_writable */
  exeWritable: boolean;
  /** The executable lives in an overlayfs upper layer (written in the container). proc.is_exe_upper_layer */
  exeUpperLayer: boolean;
  /** The executable lives in an overlayfs lower layer (image). proc.is_exe_lower_layer */
  exeLowerLayer: boolean;
  /** The executable was run from a memfd (fileless). proc.is_exe_from_memfd */
  exeFromMemfd: boolean;
  /** Thread creation time (ns since epoch): the clone exit's event time, or /proc start time. */
  cloneTs: bigint;
  /** Start time of the pid namespace's init process (ns). proc.pidns_init_start_ts */
  pidnsInitStartTs: bigint;
  /** Time of the last successful execve (ns; 0 if none seen). */
  lastExecTs: bigint;
  /** "subsys=/path" strings (v2: one "=/path" or "name=/path" entry per controller). */
  cgroups: string[];
  /** Container id, first 12 hex chars (container.id); 'host' for host processes. */
  containerId: string;
  /** Full container id as found in the cgroup path (container.full_id); 'host' for host processes. */
  containerFullId: string;
  /** Root directory (chroot) when known, else ''. */
  root: string;
  /** PPM_CL_* flags (clone flags of creation; PPM_CL_IS_MAIN_THREAD etc. as libsinsp keeps them). */
  flags: number;
  /** RLIMIT_NOFILE soft limit (bigint: RLIM_INFINITY is 2^64-1). proc.fdlimit */
  fdlimit: bigint;
  /** Memory in KiB. thread.vmsize / thread.vmrss / proc.vmswap */
  vmsize: number;
  vmrss: number;
  vmswap: number;
  /** Page faults. thread.pfmajor / thread.pfminor */
  pfmajor: number;
  pfminor: number;
  /** tid/pid inside the thread's pid namespace (-1 when unknown). thread.vtid / proc.vpid */
  vtid: number;
  vpid: number;
  /** Created by clone() into a new pid namespace (PPM_CL_CHILD_IN_PIDNS), or descends from such a thread. */
  inPidNs: boolean;
  /** Shared by all threads of a process (and by CLONE_FILES children). */
  fds: FdTable;
  /** Last enter event's params, for old captures that split params between enter and exit. */
  enter: EnterState;
}

/** A bounded thread table's default size (libsinsp's default max thread table size is 262144). */
export const DEFAULT_MAX_THREADS = 262144;
const ONE = (): number => 1;
export const UNKNOWN_ID = 0xffffffff;

export function newEnterState(): EnterState {
  return { type: -1, fd: -1, domain: 0, sockType: 0, proto: 0, flags: 0, dirfd: -100, name: '', tuple: null };
}

/** A thread with every fact unknown (what libsinsp shows as <NA>/0), sharing or owning `fds`. */
export function newThreadInfo(tid: number, fds: FdTable): ThreadInfo {
  return {
    tid, pid: tid, ptid: -1, sid: 0, vpgid: 0, pgid: 0, comm: '', exe: '', exepath: '', args: [], env: [], cwd: '',
    uid: UNKNOWN_ID, gid: UNKNOWN_ID, loginuid: UNKNOWN_ID, tty: 0,
    capInheritable: 0n, capPermitted: 0n, capEffective: 0n, exeIno: 0n, exeInoCtime: 0n, exeInoMtime: 0n,
    exeWritable: false, exeUpperLayer: false, exeLowerLayer: false, exeFromMemfd: false,
    cloneTs: 0n, pidnsInitStartTs: 0n, lastExecTs: 0n, cgroups: [], containerId: 'host', containerFullId: 'host',
    root: '', flags: 0, fdlimit: 0n, vmsize: 0, vmrss: 0, vmswap: 0, pfmajor: 0, pfminor: 0,
    vtid: -1, vpid: -1, inPidNs: false, fds, enter: newEnterState(),
  };
}

export interface ThreadTableStats {
  size: number;
  limit: number;
  /** Threads dropped because the table was full (least recently used first). */
  evictions: number;
  /** Threads removed by procexit. */
  removals: number;
}

export class ThreadTable {
  private readonly threads: LRUCache<number, ThreadInfo>;
  /** Threads dropped because the table was full (a metric, HOUSE-STYLE 12). */
  evicted = 0;
  removed = 0;
  /**
   * The last thread `get` returned: most events come in runs from one thread, and a repeated get of the most
   * recently used entry changes nothing in the LRU order. Forgotten on any add, removal or eviction.
   */
  private lastTid = -1;
  private last: ThreadInfo | undefined;

  constructor(readonly limit = DEFAULT_MAX_THREADS) {
    this.threads = new LRUCache<number, ThreadInfo>({
      // Bounded by count through maxSize (each entry weighs 1): unlike `max`, it does not preallocate the
      // whole capacity up front (~24 ms and several MB per table at Falco's 262144 threads).
      maxSize: limit,
      sizeCalculation: ONE,
      // Every way out (eviction, procexit, replacement) lets go of the thread's share of its fd table.
      dispose: (v, _k, reason) => { if (reason === 'evict') this.evicted++; v.fds.release(); if (v === this.last) this.forgetLast(); },
    });
  }

  get size(): number { return this.threads.size; }
  /** Looks a thread up and marks it recently used. */
  get(tid: number): ThreadInfo | undefined {
    if (tid === this.lastTid && this.last !== undefined) return this.last;
    const th = this.threads.get(tid);
    if (th !== undefined) { this.lastTid = tid; this.last = th; }
    return th;
  }
  /** Looks a thread up without touching its recency (ancestor walks, stats). */
  peek(tid: number): ThreadInfo | undefined { return this.threads.peek(tid); }
  has(tid: number): boolean { return this.threads.has(tid); }

  add(info: ThreadInfo): ThreadInfo {
    if (this.threads.peek(info.tid) === info) return info;
    this.forgetLast();
    info.fds.retain();
    this.threads.set(info.tid, info);
    return info;
  }

  remove(tid: number): boolean {
    if (tid === this.lastTid) this.forgetLast();
    const ok = this.threads.delete(tid);
    if (ok) this.removed++;
    return ok;
  }

  values(): IterableIterator<ThreadInfo> { return this.threads.values(); }
  clear(): void { this.threads.clear(); this.forgetLast(); }

  private forgetLast(): void { this.lastTid = -1; this.last = undefined; }

  stats(): ThreadTableStats {
    return { size: this.threads.size, limit: this.limit, evictions: this.evicted, removals: this.removed };
  }
}
