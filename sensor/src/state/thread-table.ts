// Thread table: one entry per known tid with the process facts sysdig prints (comm, exe, args, cwd) and the
// fd table shared by the threads of a process. Bounded: past `limit` threads the oldest-inserted is dropped.
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

export interface ThreadInfo {
  tid: number;
  pid: number;
  ptid: number;
  comm: string;
  exe: string;
  exepath: string;
  args: string[];
  cwd: string;
  uid: number;
  gid: number;
  /** tid/pid inside the thread's pid namespace (-1 when unknown). */
  vtid: number;
  vpid: number;
  /** Created by clone() into a new pid namespace (PPM_CL_CHILD_IN_PIDNS). */
  inPidNs: boolean;
  /** Shared by all threads of a process. */
  fds: FdTable;
  enter: EnterState;
}

export const DEFAULT_MAX_THREADS = 262144;

export function newEnterState(): EnterState {
  return { type: -1, fd: -1, domain: 0, sockType: 0, proto: 0, flags: 0, dirfd: -100, name: '', tuple: null };
}

export class ThreadTable {
  private readonly threads = new Map<number, ThreadInfo>();
  /** Threads dropped because the table was full (a metric, HOUSE-STYLE 12). */
  evicted = 0;

  constructor(readonly limit = DEFAULT_MAX_THREADS) {}

  get size(): number { return this.threads.size; }
  get(tid: number): ThreadInfo | undefined { return this.threads.get(tid); }

  add(info: ThreadInfo): ThreadInfo {
    if (!this.threads.has(info.tid) && this.threads.size >= this.limit) {
      const oldest = this.threads.keys().next();
      if (!oldest.done) { this.threads.delete(oldest.value); this.evicted++; }
    }
    this.threads.set(info.tid, info);
    return info;
  }

  remove(tid: number): boolean { return this.threads.delete(tid); }
  values(): IterableIterator<ThreadInfo> { return this.threads.values(); }
}
