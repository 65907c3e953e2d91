// System state built the way libsinsp builds it: threads, fds, users and groups from capture metadata or a /proc
// snapshot, then kept current by clone/execve/procexit/set*id/chdir/capset/open/socket/connect/close/... events.
// Removals (close, procexit) are deferred to the next event so the event that causes them still resolves fields.
import { EVENTS, paramIndexTable as indexTable } from '../schema/index.js';
import { ScapFdType, type CaptureMetadata, type FdEntry, type ThreadEntry } from '../schema/capture-types.js';
import type { EventView } from '../decode/event-view.js';
import { ipv4ToString, ipv6ToString, isIpv4MappedIpv6, sockaddrToString, socktupleToString } from '../decode/net.js';
import { readProcSnapshot, type ProcSnapshotOptions } from '../source/proc-snapshot.js';
import { FdTable, L4Proto, SockFamily, SocketRole, newFdInfo, newFdStats, type FdInfo, type FdStats } from './fd-table.js';
import { ThreadTable, UNKNOWN_ID, newThreadInfo, type ThreadInfo, type ThreadTableStats } from './thread-table.js';
import { GroupTable, UserTable, type IdTableStats } from './users.js';
import { ContainerIdResolver } from './container-id.js';

/** comm and exe of a thread known only by its tid (libsinsp fills them with this text). */
const NA_NAME = '<NA>';
const AT_FDCWD = -100;
const PPM_O_WRONLY = 1 << 1, PPM_O_CREAT = 1 << 2, PPM_O_TRUNC = 1 << 8, PPM_O_DIRECTORY = 1 << 10, PPM_O_CLOEXEC = 1 << 12;
const PPM_CL_CLONE_FILES = 1 << 0;
const PPM_CL_CLONE_NEWPID = 1 << 6;
const PPM_CL_CLONE_PARENT = 1 << 8;
const PPM_CL_CLONE_THREAD = 1 << 13;
const PPM_CL_CHILD_IN_PIDNS = 1 << 29;
const PPM_EXE_WRITABLE = 1 << 0, PPM_EXE_UPPER_LAYER = 1 << 1, PPM_EXE_FROM_MEMFD = 1 << 2, PPM_EXE_LOWER_LAYER = 1 << 3;
const PPM_FCNTL_F_DUPFD = 1;
const PPM_FCNTL_F_DUPFD_CLOEXEC = 26;
const SOCK_STREAM = 1, SOCK_DGRAM = 2, SOCK_RAW = 3;
const IPPROTO_IP = 0, IPPROTO_ICMP = 1, IPPROTO_TCP = 6, IPPROTO_UDP = 17, IPPROTO_RAW = 255;

/** name -> param index, per event type (built once). */
const PARAM_INDEX: ReadonlyArray<ReadonlyMap<string, number>> = EVENTS.map((e) => new Map(e.params.map((p, i) => [p.name, i])));

export function paramIndexOf(type: number, name: string): number {
  const m = PARAM_INDEX[type];
  if (m === undefined) return -1;
  const i = m.get(name);
  return i === undefined ? -1 : i;
}

const P = {
  fd: indexTable('fd'), name: indexTable('name'), path: indexTable('path'), flags: indexTable('flags'),
  dirfd: indexTable('dirfd'), dev: indexTable('dev'), ino: indexTable('ino'), tuple: indexTable('tuple'),
  addr: indexTable('addr'), oldfd: indexTable('oldfd'), cmd: indexTable('cmd'), fd1: indexTable('fd1'),
  fd2: indexTable('fd2'), source: indexTable('source'), peer: indexTable('peer'), exe: indexTable('exe'),
  args: indexTable('args'), comm: indexTable('comm'), tid: indexTable('tid'), pid: indexTable('pid'),
  ptid: indexTable('ptid'), cwd: indexTable('cwd'), env: indexTable('env'), cgroups: indexTable('cgroups'),
  tty: indexTable('tty'), vpgid: indexTable('vpgid'), pgid: indexTable('pgid'), loginuid: indexTable('loginuid'),
  capI: indexTable('cap_inheritable'), capP: indexTable('cap_permitted'), capE: indexTable('cap_effective'),
  exeIno: indexTable('exe_ino'), exeCtime: indexTable('exe_ino_ctime'), exeMtime: indexTable('exe_ino_mtime'),
  uid: indexTable('uid'), gid: indexTable('gid'), euid: indexTable('euid'), egid: indexTable('egid'),
  exepath: indexTable('trusted_exepath'), fdlimit: indexTable('fdlimit'), pfMaj: indexTable('pgft_maj'),
  pfMin: indexTable('pgft_min'), vmSize: indexTable('vm_size'), vmRss: indexTable('vm_rss'),
  vmSwap: indexTable('vm_swap'), vtid: indexTable('vtid'), vpid: indexTable('vpid'),
  pidnsTs: indexTable('pidns_init_start_ts'), reaper: indexTable('reaper_tid'), home: indexTable('home'),
  shell: indexTable('shell'), filename: indexTable('filename'),
} as const;

/** Kinds of state change, by event name (all versions of a syscall share a handler). */
const enum Op {
  None, Open, Socket, Bind, Connect, Accept, Close, Dup, Fcntl, Pipe, Execve, Clone, ProcExit, Chdir, Fchdir,
  EventFd, SignalFd, TimerFd, Inotify, EpollCreate, Socketpair, Userfaultfd, Send, SetUid, SetGid, SetResUid,
  SetResGid, Capset, MemfdCreate, Bpf, IoUring, PidfdOpen, PidfdGetfd, UserAdded, UserDeleted, GroupAdded,
  GroupDeleted,
}

const OP_BY_NAME: Record<string, Op> = {
  open: Op.Open, openat: Op.Open, openat2: Op.Open, creat: Op.Open, open_by_handle_at: Op.Open,
  socket: Op.Socket, bind: Op.Bind, connect: Op.Connect, accept: Op.Accept, accept4: Op.Accept,
  close: Op.Close, dup: Op.Dup, dup2: Op.Dup, dup3: Op.Dup, fcntl: Op.Fcntl, pipe: Op.Pipe, pipe2: Op.Pipe,
  execve: Op.Execve, execveat: Op.Execve, clone: Op.Clone, clone3: Op.Clone, fork: Op.Clone, vfork: Op.Clone,
  procexit: Op.ProcExit, chdir: Op.Chdir, fchdir: Op.Fchdir, eventfd: Op.EventFd, eventfd2: Op.EventFd,
  signalfd: Op.SignalFd, signalfd4: Op.SignalFd, timerfd_create: Op.TimerFd, inotify_init: Op.Inotify,
  inotify_init1: Op.Inotify, epoll_create: Op.EpollCreate, epoll_create1: Op.EpollCreate,
  socketpair: Op.Socketpair, userfaultfd: Op.Userfaultfd, sendto: Op.Send, sendmsg: Op.Send,
  setuid: Op.SetUid, setgid: Op.SetGid, setresuid: Op.SetResUid, setresgid: Op.SetResGid, capset: Op.Capset,
  memfd_create: Op.MemfdCreate, bpf: Op.Bpf, io_uring_setup: Op.IoUring, pidfd_open: Op.PidfdOpen,
  pidfd_getfd: Op.PidfdGetfd, useradded: Op.UserAdded, userdeleted: Op.UserDeleted, groupadded: Op.GroupAdded,
  groupdeleted: Op.GroupDeleted,
};

/** tid -1 as EventView reads it (an unsigned 64-bit value as a double). */
const MINUS_ONE = 18446744073709552000;
/** EF_SKIPPARSERESET events (procinfo, switch, ...) neither create threads nor count as enter events. */
const SKIP_RESET: Uint8Array = Uint8Array.from(EVENTS, (e) => (e.flags.includes('EF_SKIPPARSERESET') ? 1 : 0));
/** Only syscall events make libsinsp invent a thread for an unknown tid (sched switch, signals do not). */
const CREATES_THREAD: Uint8Array = Uint8Array.from(EVENTS, (e) => (e.categories.includes('EC_SYSCALL') ? 1 : 0));
const OPS: Uint8Array = Uint8Array.from(EVENTS, (e) => OP_BY_NAME[e.name] ?? Op.None);
/** Exit events of reads and writes (EF_READS_FROM_FD / EF_WRITES_TO_FD). */
const READ_WRITE: Uint8Array = Uint8Array.from(EVENTS, (e) => (e.dir === '<' && (e.flags.includes('EF_READS_FROM_FD') || e.flags.includes('EF_WRITES_TO_FD')) ? 1 : 0));
const IS_EXIT: Uint8Array = Uint8Array.from(EVENTS, (e) => (e.dir === '<' ? 1 : 0));
/** 0 when an enter event's first param is its fd (libsinsp m_lastevent_fd), else -1. */
const ENTER_FD: Int8Array = Int8Array.from(EVENTS, (e) => (e.dir === '>' && e.params[0]?.type === 'FD' ? 0 : -1));
const CREAT_TYPES: Uint8Array = Uint8Array.from(EVENTS, (e) => (e.name === 'creat' ? 1 : 0));
/** Metadata-only events (useradded, ...) that carry no thread but change state. */
const META_OPS: Uint8Array = Uint8Array.from(EVENTS, (e) => {
  const op = OP_BY_NAME[e.name] ?? Op.None;
  return op >= Op.UserAdded && op <= Op.GroupDeleted ? 1 : 0;
});

export interface StateLimits {
  maxThreads?: number;
  maxFdsPerProcess?: number;
  maxUsers?: number;
  maxGroups?: number;
  /** Distinct cgroup lists whose container id is memoised. */
  maxCgroupSets?: number;
}

export interface StateStats {
  threads: ThreadTableStats;
  fds: FdStats & { limitPerProcess: number };
  users: IdTableStats;
  groups: IdTableStats;
  /** Distinct cgroup lists memoised by the container id resolver. */
  cgroupSets: number;
  /** Threads created for a tid first seen in an event (no clone, no metadata). */
  placeholders: number;
}

/** How long after a tid's procexit a parent's late clone exit naming it is taken to be about that child. */
const EXITED_WINDOW_NS = 1_000_000_000n;

export class SystemState {
  readonly threads: ThreadTable;
  /** uid → user (user.name, user.homedir, user.shell). */
  readonly users: UserTable;
  /** gid → group (group.name). */
  readonly groups: GroupTable;
  readonly containerIds: ContainerIdResolver;
  /**
   * Container metadata carried in a capture (container events: the JSON libsinsp writes, or the old id/type/
   * name/image event), by the id the event gives: the last event for an id wins. enrich/capture.ts reads it.
   */
  readonly capturedContainers = new Map<string, string>();
  /** Counters shared by every fd table. */
  readonly fdStats: FdStats = newFdStats();
  private readonly fdLimit: number;
  private pendingFdTable: FdTable | null = null;
  private pendingFd = 0;
  private pendingTid = -1;
  /** The current container event's own thread (libsinsp builds one per event and never tables it); else null. */
  private eventThread: ThreadInfo | null = null;
  /** Dead tid → the tid that adopted its children (procexit reaper), resolved lazily by parent(). */
  private readonly reaperOf = new Map<number, number>();
  /**
   * Recently exited tid → procexit time. A parent's clone/fork/vfork exit can reach us after the child's own
   * procexit (vfork/posix_spawn children run, exec and exit before the parent returns, often on the other CPU):
   * without this the parent's return would re-create a thread that never exits again (a leak per race).
   */
  private readonly exitedAt = new Map<number, bigint>();
  private placeholders = 0;
  /** Whether the last processed event renamed the fd it uses (fd.name_changed). */
  fdNameChanged = false;
  /** Live mode: reads an unknown process from /proc before falling back to a placeholder named "<NA>". */
  private procLookup: ((tid: number) => ThreadEntry | undefined) | null = null;

  constructor(limits: StateLimits = {}) {
    this.threads = new ThreadTable(limits.maxThreads);
    this.fdLimit = limits.maxFdsPerProcess ?? 65536;
    this.users = new UserTable(limits.maxUsers);
    this.groups = new GroupTable(limits.maxGroups);
    this.containerIds = new ContainerIdResolver(limits.maxCgroupSets);
  }

  thread(tid: number): ThreadInfo | undefined {
    const e = this.eventThread;
    return e !== null && tid === MINUS_ONE ? e : this.threads.get(tid);
  }

  fd(tid: number, fd: number): FdInfo | undefined {
    return this.threads.get(tid)?.fds.get(fd);
  }

  /** The process's main thread (proc.* fields libsinsp reads from it), or the thread itself when unknown. */
  mainThread(th: ThreadInfo): ThreadInfo {
    return th.tid === th.pid ? th : this.threads.peek(th.pid) ?? th;
  }

  /**
   * The parent process's main thread (proc.pname, proc.aname[1]). Children of an exited thread follow its
   * reaper, as libsinsp reparents them on procexit.
   */
  parent(th: ThreadInfo): ThreadInfo | undefined {
    const main = this.mainThread(th);
    let ptid = main.ptid;
    for (let hops = 0; hops < 8; hops++) {
      if (ptid <= 0 && ptid !== 0) return undefined;
      const p = this.threads.peek(ptid);
      if (p !== undefined) return p.tid === p.pid ? p : this.threads.peek(p.pid) ?? p;
      const r = this.reaperOf.get(ptid);
      if (r === undefined) return undefined;
      main.ptid = ptid = r;
    }
    return undefined;
  }

  /** The n-th ancestor (1 = parent), stopping at loops; proc.aname[n], proc.apid[n]. */
  ancestor(th: ThreadInfo, n: number): ThreadInfo | undefined {
    let cur: ThreadInfo | undefined = th;
    for (let i = 0; i < n && cur !== undefined; i++) {
      const next = this.parent(cur);
      if (next === cur || next?.pid === cur.pid) return undefined;
      cur = next;
    }
    return cur;
  }

  stats(): StateStats {
    return {
      threads: this.threads.stats(),
      fds: { ...this.fdStats, limitPerProcess: this.fdLimit },
      users: this.users.stats(),
      groups: this.groups.stats(),
      cgroupSets: this.containerIds.size,
      placeholders: this.placeholders,
    };
  }

  /** Live start: loads every process, thread, fd, user and group from /proc and /etc. */
  bootstrapFromProc(opts: ProcSnapshotOptions & { lookupMissing?: boolean } = {}): { threads: number; fds: number; elapsedMs: number } {
    const snap = readProcSnapshot({ includeThreads: true, includeEnv: true, ...opts });
    this.loadMetadata(snap);
    for (const [tid, ts] of snap.startTs) {
      const th = this.threads.peek(tid);
      if (th !== undefined && th.cloneTs === 0n) th.cloneTs = ts;
    }
    if (opts.lookupMissing ?? true) {
      const base = { ...opts, includeThreads: false, includeUsers: false, includeInterfaces: false };
      this.procLookup = (tid) => {
        const one = readProcSnapshot({ ...base, pids: new Set([tid]) });
        const t = one.threads[0];
        if (t === undefined) return undefined;
        t.tid = tid;
        return t;
      };
    }
    let fds = 0;
    for (const l of snap.fds.values()) fds += l.length;
    return { threads: snap.threads.length, fds, elapsedMs: snap.elapsedMs };
  }

  /** Loads the threads, fds, users and groups of a capture section (or a /proc snapshot). */
  loadMetadata(md: CaptureMetadata): void {
    this.users.load(md.users);
    this.groups.load(md.groups);
    const byPid = new Map<number, FdTable>();
    for (const t of md.threads) {
      let fds = byPid.get(t.pid);
      if (!fds) { fds = new FdTable(this.fdLimit, this.fdStats); byPid.set(t.pid, fds); }
      this.addThread(this.threadFromEntry(t, fds));
    }
    const serverPorts = new Set<number>();
    for (const [tid, list] of md.fds) {
      const th = this.threads.peek(tid);
      if (!th) continue;
      for (const e of list) {
        th.fds.set(e.fd, fdFromMetadata(e));
        if (e.type === ScapFdType.Ipv4ServSock && e.sport !== undefined) serverPorts.add(e.sport);
      }
    }
    // libsinsp fix_sockets_coming_from_proc: an IPv4 socket whose local port is a listening port is the
    // server side (printed client->server); any other is a client.
    for (const [tid, list] of md.fds) {
      const th = this.threads.peek(tid);
      if (!th) continue;
      for (const e of list) {
        if (e.type !== ScapFdType.Ipv4Sock) continue;
        const info = th.fds.get(e.fd);
        if (!info) continue;
        if (serverPorts.has(e.sport ?? -1)) {
          info.name = `${ipv4ToString(e.dip!)}:${e.dport}->${ipv4ToString(e.sip!)}:${e.sport}`;
          info.role = SocketRole.Server;
          info.cip = ipv4ToString(e.dip!); info.cport = e.dport ?? 0;
          info.sip = ipv4ToString(e.sip!); info.sport = e.sport ?? 0;
        } else {
          info.role = SocketRole.Client;
        }
      }
    }
  }

  private threadFromEntry(t: ThreadEntry, fds: FdTable): ThreadInfo {
    const th = newThreadInfo(t.tid, fds);
    th.pid = t.pid; th.ptid = t.ptid; th.sid = t.sid; th.vpgid = t.vpgid; th.pgid = t.pgid;
    th.comm = t.comm; th.exe = t.exe; th.exepath = t.exepath; th.args = t.args.slice(); th.env = t.env.slice();
    th.cwd = withSlash(t.cwd); th.uid = t.uid; th.gid = t.gid; th.loginuid = t.loginuid; th.tty = t.tty;
    th.capInheritable = t.capInheritable; th.capPermitted = t.capPermitted; th.capEffective = t.capEffective;
    th.exeIno = t.exeIno; th.exeInoCtime = t.exeInoCtime; th.exeInoMtime = t.exeInoMtime;
    th.exeWritable = t.exeWritable; th.exeUpperLayer = t.exeUpperLayer; th.exeLowerLayer = t.exeLowerLayer;
    th.exeFromMemfd = t.exeFromMemfd; th.pidnsInitStartTs = t.pidnsInitStartTs; th.cgroups = t.cgroups.slice();
    th.root = t.root; th.flags = t.flags; th.fdlimit = t.fdlimit; th.vmsize = t.vmsizeKb; th.vmrss = t.vmrssKb;
    th.vmswap = t.vmswapKb; th.pfmajor = Number(t.pfMajor); th.pfminor = Number(t.pfMinor);
    // Captures written before vtid/vpid existed carry 0: libsinsp then treats the thread as host-namespaced.
    th.vtid = t.vtid > 0 ? t.vtid : t.tid; th.vpid = t.vpid > 0 ? t.vpid : t.pid;
    th.inPidNs = th.vtid !== th.tid;
    this.setContainer(th);
    return th;
  }

  private addThread(th: ThreadInfo): ThreadInfo {
    this.reaperOf.delete(th.tid);
    this.exitedAt.delete(th.tid);
    return this.threads.add(th);
  }

  private setContainer(th: ThreadInfo): void {
    const c = this.containerIds.resolve(th.cgroups);
    th.containerId = c.id;
    th.containerFullId = c.fullId;
  }

  /** Applies one event's state changes. Call before rendering the event, as libsinsp parses then formats. */
  process(ev: EventView): void {
    this.flushRemovals();
    this.eventThread = null;
    this.fdNameChanged = false;
    const type = ev.type;
    if (type >= OPS.length) return;
    const op = OPS[type];
    if (type === 272 || type === 228 || type === 324) { this.onContainer(ev, type); return; }
    if (META_OPS[type] === 1) { this.onUserGroup(ev, type, op); return; }
    if (SKIP_RESET[type] === 1) return;
    const tid = ev.tid;
    let th = this.threads.get(tid);
    const cloneExit = op === Op.Clone && IS_EXIT[type] === 1;
    // libsinsp (capture mode) creates a placeholder thread for any tid it has not seen, except on the
    // child side of clone, whose params describe the new thread.
    if (th === undefined && CREATES_THREAD[type] === 1 && tid !== MINUS_ONE && tid !== 0 && !(cloneExit && ev.i64(0) === 0)) th = this.placeholder(tid);
    if (IS_EXIT[type] === 0) {
      if (th !== undefined && CREATES_THREAD[type] === 1) this.recordEnter(ev, th, type);
      if (op === Op.ProcExit) this.onProcExit(ev, tid, type);
      return;
    }
    if (READ_WRITE[type] === 1 && th !== undefined) this.onReadWrite(ev, th);
    if (op === Op.None) return;
    if (op === Op.Clone) { this.onClone(ev, th); return; }
    if (th === undefined) return;
    switch (op) {
      case Op.Open: this.onOpen(ev, th, type); this.fdNameChanged = ev.i64(0) >= 0; break;
      case Op.Socket: this.onSocket(ev, th, type); break;
      case Op.Bind: { const was = this.eventFdName(ev, th); this.onBind(ev, th, type); this.noteRename(ev, th, was); break; }
      case Op.Connect: { const was = this.eventFdName(ev, th); this.onConnect(ev, th, type); this.noteRename(ev, th, was); break; }
      case Op.Accept: this.onAccept(ev, th, type); this.fdNameChanged = ev.i64(0) >= 0; break;
      case Op.Close: this.onClose(ev, th); break;
      case Op.Dup: this.onDup(ev, th, type); break;
      case Op.Fcntl: this.onFcntl(ev, th, type); break;
      case Op.Pipe: this.onPipe(ev, th, type); break;
      case Op.Execve: this.onExecve(ev, th, type); break;
      case Op.Chdir: this.onChdir(ev, th, type); break;
      case Op.Fchdir: this.onFchdir(ev, th); break;
      case Op.EventFd: this.addSimple(ev, th, ScapFdType.Event); break;
      case Op.SignalFd: this.addSimple(ev, th, ScapFdType.Signalfd); break;
      case Op.TimerFd: this.addSimple(ev, th, ScapFdType.Timerfd); break;
      case Op.Inotify: this.addSimple(ev, th, ScapFdType.Inotify); break;
      case Op.EpollCreate: this.addSimple(ev, th, ScapFdType.EventPoll); break;
      case Op.Userfaultfd: this.addSimple(ev, th, ScapFdType.Userfaultfd); break;
      case Op.IoUring: this.addSimple(ev, th, ScapFdType.IoUring); break;
      case Op.Bpf: this.addSimple(ev, th, ScapFdType.Bpf); break;
      case Op.PidfdOpen: this.addSimple(ev, th, ScapFdType.Pidfd); break;
      case Op.MemfdCreate: this.onMemfd(ev, th, type); break;
      case Op.PidfdGetfd: this.onPidfdGetfd(ev, th, type); break;
      case Op.Socketpair: this.onSocketpair(ev, th, type); break;
      case Op.Send: { const was = this.eventFdName(ev, th); this.onSend(ev, th, type); this.noteRename(ev, th, was); break; }
      case Op.SetUid: this.onSetId(ev, th, type, P.uid, true); break;
      case Op.SetGid: this.onSetId(ev, th, type, P.gid, false); break;
      case Op.SetResUid: this.onSetId(ev, th, type, P.euid, true); break;
      case Op.SetResGid: this.onSetId(ev, th, type, P.egid, false); break;
      case Op.Capset: this.onCapset(ev, th, type); break;
      default: break;
    }
  }

  /**
   * A thread seen first in an event. Live: read from /proc (it started between snapshot and probe). Else
   * named "<NA>" (comm and exe) until execve/clone tell more, as libsinsp does in capture mode.
   */
  private placeholder(tid: number): ThreadInfo {
    this.placeholders++;
    if (this.procLookup !== null) {
      const t = this.procLookup(tid);
      if (t !== undefined) {
        const main = t.pid !== tid ? this.threads.peek(t.pid) : undefined;
        return this.addThread(this.threadFromEntry(t, main?.fds ?? new FdTable(this.fdLimit, this.fdStats)));
      }
    }
    // libsinsp's thread for an unknown tid ("a fake entry to avoid a continuous lookup"): comm and exe are the
    // text "<NA>", which conditions compare (proc.name in ("<NA>") holds, as Falco's proc_name_exists expects);
    // session, process group and fd limit -1.
    const th = newThreadInfo(tid, new FdTable(this.fdLimit, this.fdStats));
    th.comm = NA_NAME; th.exe = NA_NAME;
    th.sid = -1; th.vpgid = -1; th.fdlimit = -1n;
    return this.addThread(th);
  }

  /**
   * Container metadata events. libsinsp judges each under a pseudo thread of its own (sinsp_container_info::
   * get_tinfo): comm `container:<id>`, pid -1, vtid/vpid -2, and the container's id, so container.* fields and
   * Falco's `container` macro see the container the event describes. thread() returns it until the next event.
   */
  private onContainer(ev: EventView, type: number): void {
    let id = '';
    let fullId = '';
    if (type === 228) {
      id = ev.str(0);
      // The old event's four params, in the JSON shape of the later events.
      if (id !== '') this.capturedContainers.set(id, JSON.stringify({ container: { id, type: ev.u32(1), name: ev.str(2), image: ev.str(3) } }));
    } else {
      const json = ev.str(0);
      const m = /"id"\s*:\s*"([^"]*)"/.exec(json);
      if (m) id = m[1];
      fullId = /"full_id"\s*:\s*"([^"]*)"/.exec(json)?.[1] ?? '';
      if (id !== '') this.capturedContainers.set(id, json);
    }
    // Judged on a thread of its own that lives for this event only (never in the table: a later event of
    // tid -1 is not in this container): tid and pid -1, as libsinsp's. The rest is a fresh sinsp_threadinfo's:
    // no exe, ids 0, parent 0, session/group/fd limit -1.
    const th = newThreadInfo(-1, new FdTable(this.fdLimit, this.fdStats));
    this.eventThread = th;
    th.comm = `container:${id}`; th.exe = '';
    th.vtid = th.vpid = -2; th.ptid = 0;
    th.uid = th.gid = th.loginuid = 0;
    th.sid = th.vpgid = -1; th.fdlimit = -1n;
    th.containerId = id === '' ? 'host' : id;
    th.containerFullId = fullId !== '' ? fullId : th.containerId;
  }

  /** useradded/userdeleted/groupadded/groupdeleted (libsinsp user.cpp keeps its tables with them). */
  private onUserGroup(ev: EventView, type: number, op: Op): void {
    const n = ev.paramCount();
    const uid = P.uid[type], gid = P.gid[type];
    if (op === Op.UserAdded && uid >= 0 && uid < n) {
      const hi = P.home[type], si = P.shell[type];
      this.users.set(ev.u32(uid), {
        uid: ev.u32(uid), gid: gid >= 0 ? ev.u32(gid) : 0, name: ev.str(P.name[type]),
        homedir: hi >= 0 ? ev.str(hi) : '', shell: si >= 0 ? ev.str(si) : '',
      });
    } else if (op === Op.UserDeleted && uid >= 0 && uid < n) {
      this.users.delete(ev.u32(uid));
    } else if (op === Op.GroupAdded && gid >= 0 && gid < n) {
      this.groups.set(ev.u32(gid), { gid: ev.u32(gid), name: ev.str(P.name[type]) });
    } else if (op === Op.GroupDeleted && gid >= 0 && gid < n) {
      this.groups.delete(ev.u32(gid));
    }
  }

  /** The name of the event's fd before the event is applied (connect/bind/send may rename it). */
  private eventFdName(ev: EventView, th: ThreadInfo): string | undefined { return th.fds.get(this.eventFd(ev, th))?.name; }

  /**
   * libsinsp fdinfo_name_changed: the event gave its existing fd a new name (connect, bind, send); opens and
   * accepts name the fd they create (true), socket/pipe/... create unnamed ones (false).
   */
  private noteRename(ev: EventView, th: ThreadInfo, was: string | undefined): void {
    if (was === undefined) return;
    const now = th.fds.get(this.eventFd(ev, th))?.name;
    this.fdNameChanged = now !== undefined && now !== was;
  }

  /** The fd an exit event refers to: its own `fd` param when present, else the enter event's. */
  eventFd(ev: EventView, th: ThreadInfo | undefined): number {
    const type = ev.type;
    if (IS_EXIT[type] === 0) {
      const i = ENTER_FD[type];
      return i >= 0 && ev.has(i) ? ev.i64(i) : -1;
    }
    const i = type < P.fd.length ? P.fd[type] : -1;
    if (i >= 0 && ev.has(i)) return ev.i64(i);
    // dup/dup2/dup3: libsinsp points the event at the new fd once the exit added it (parse_dup_exit), so
    // `fd.num in (0,1,2) and fd.type=ipv4` sees a socket dup'ed onto stdio; a failed dup refers to oldfd.
    if (OPS[type] === Op.Dup) {
      if (ev.i64(0) >= 0) return ev.i64(0);
      const oi = P.oldfd[type];
      if (oi >= 0 && ev.has(oi)) return ev.i64(oi);
    }
    // pipe/pipe2: libsinsp's last event fd is the last one the exit added, fd2.
    if (OPS[type] === Op.Pipe) { const j = P.fd2[type]; return j >= 0 && ev.has(j) && ev.i64(0) >= 0 ? ev.i64(j) : -1; }
    if (th !== undefined && th.enter.type === type - 1) return th.enter.fd;
    return -1;
  }

  private flushRemovals(): void {
    if (this.pendingFdTable !== null) { this.pendingFdTable.delete(this.pendingFd); this.pendingFdTable = null; }
    if (this.pendingTid >= 0) { this.threads.remove(this.pendingTid); this.pendingTid = -1; }
  }

  private recordEnter(ev: EventView, th: ThreadInfo, type: number): void {
    const en = th.enter;
    en.type = type;
    const fi = ENTER_FD[type];
    en.fd = fi >= 0 && ev.has(fi) ? ev.i64(fi) : -1;
    const op = OPS[type];
    if (op === Op.Socket) {
      en.domain = ev.u32(0); en.sockType = ev.u32(1); en.proto = ev.u32(2);
    } else if (op === Op.Send) {
      const ti = P.tuple[type];
      en.tuple = ti >= 0 && ev.has(ti) ? ev.raw(ti).slice() : null;
    } else if (op === Op.Execve) {
      const fi2 = P.filename[type];
      en.name = fi2 >= 0 && ev.has(fi2) ? ev.str(fi2) : '';
    } else if (op === Op.Open) {
      const ni = P.name[type];
      en.name = ni >= 0 ? ev.str(ni) : '';
      const fl = P.flags[type];
      en.flags = fl >= 0 ? ev.u32(fl) : 0;
      const di = P.dirfd[type];
      en.dirfd = di >= 0 && ev.has(di) ? ev.i64(di) : AT_FDCWD;
    }
  }

  private enterMatches(th: ThreadInfo, type: number): boolean { return th.enter.type === type - 1; }

  /** procexit: the thread stays until the next event (fields on procexit resolve); its children go to the reaper. */
  private onProcExit(ev: EventView, tid: number, type: number): void {
    this.pendingTid = tid;
    // Insertion order is time order: entries older than the window are dropped from the front.
    const now = ev.ts;
    for (const [old, ts] of this.exitedAt) {
      if (now - ts < EXITED_WINDOW_NS && this.exitedAt.size < this.threads.limit) break;
      this.exitedAt.delete(old);
    }
    this.exitedAt.delete(tid);
    this.exitedAt.set(tid, now);
    const ri = P.reaper[type];
    let reaper = ri >= 0 && ev.has(ri) ? ev.i64(ri) : 0;
    if (reaper <= 0) {
      // No reaper in the event (old captures): another thread of the group, else init.
      const th = this.threads.peek(tid);
      reaper = th !== undefined && th.pid !== tid ? th.pid : 1;
    }
    if (reaper !== tid) {
      if (this.reaperOf.size >= this.threads.limit) this.reaperOf.delete(this.reaperOf.keys().next().value!);
      this.reaperOf.set(tid, reaper);
    }
  }

  private onOpen(ev: EventView, th: ThreadInfo, type: number): void {
    const fd = ev.i64(0);
    if (fd < 0 || !ev.has(0)) return;
    const n = ev.paramCount();
    const enter = this.enterMatches(th, type) ? th.enter : undefined;
    const ni = P.name[type];
    const raw = ni >= 0 && ni < n ? ev.str(ni) : (enter?.name ?? '');
    let name = raw;
    const fi = P.flags[type];
    let flags = fi >= 0 && fi < n ? ev.u32(fi) : (enter?.flags ?? 0);
    if (CREAT_TYPES[type] === 1) flags = PPM_O_CREAT | PPM_O_WRONLY | PPM_O_TRUNC;
    const di = P.dirfd[type];
    const dirfd = di >= 0 && di < n ? ev.i64(di) : (enter?.dirfd ?? AT_FDCWD);
    if (!name.startsWith('/')) {
      let base = th.cwd;
      if (dirfd !== AT_FDCWD && di >= 0) base = th.fds.get(dirfd)?.name ?? '';
      name = concatenatePaths(base, name);
    } else {
      name = concatenatePaths('', name);
    }
    const info = newFdInfo((flags & PPM_O_DIRECTORY) !== 0 ? ScapFdType.Directory : ScapFdType.File, name);
    info.nameRaw = raw;
    info.openFlags = flags;
    const dv = P.dev[type], ino = P.ino[type];
    if (dv >= 0 && dv < n) info.dev = ev.u32(dv);
    if (ino >= 0 && ino < n) info.ino = ev.u64n(ino);
    th.fds.set(fd, info);
  }

  private onSocket(ev: EventView, th: ThreadInfo, type: number): void {
    const fd = ev.i64(0);
    if (fd < 0) return;
    let domain: number, sockType: number, proto: number;
    if (ev.paramCount() >= 4) {
      domain = ev.u32(1); sockType = ev.u32(2); proto = ev.u32(3);
    } else if (this.enterMatches(th, type)) {
      domain = th.enter.domain; sockType = th.enter.sockType; proto = th.enter.proto;
    } else {
      return;
    }
    let ftype: ScapFdType;
    let l4 = L4Proto.Unknown;
    if (domain === 1) ftype = ScapFdType.UnixSock;
    else if (domain === 2 || domain === 10) {
      ftype = domain === 2 ? ScapFdType.Ipv4Sock : ScapFdType.Ipv6Sock;
      if (proto === IPPROTO_TCP) l4 = sockType === SOCK_RAW ? L4Proto.Raw : L4Proto.Tcp;
      else if (proto === IPPROTO_UDP) l4 = sockType === SOCK_RAW ? L4Proto.Raw : L4Proto.Udp;
      else if (proto === IPPROTO_IP) {
        if ((sockType & 0xff) === SOCK_STREAM) l4 = L4Proto.Tcp;
        else if ((sockType & 0xff) === SOCK_DGRAM) l4 = L4Proto.Udp;
      } else if (proto === IPPROTO_ICMP) l4 = sockType === SOCK_RAW ? L4Proto.Raw : L4Proto.Icmp;
      else if (proto === IPPROTO_RAW) l4 = L4Proto.Raw;
    } else if (domain === 16) ftype = ScapFdType.Netlink;
    else return; // libsinsp does not track sockets of other families
    const info = newFdInfo(ftype);
    info.l4proto = l4;
    info.family = domain as SockFamily;
    th.fds.set(fd, info);
  }

  private onBind(ev: EventView, th: ThreadInfo, type: number): void {
    const info = th.fds.get(this.eventFd(ev, th));
    if (!info || ev.i64(0) < 0) return;
    const ai = P.addr[type];
    if (ai < 0 || !ev.has(ai)) return;
    const raw = ev.raw(ai);
    const fam = raw[0];
    if (fam === 2 && raw.length >= 7) {
      const port = raw[5] | (raw[6] << 8);
      if (port > 0) {
        info.type = ScapFdType.Ipv4ServSock; info.role = SocketRole.Server;
        info.sip = ipv4ToString(raw, 1); info.sport = port;
      }
    } else if (fam === 10 && raw.length >= 19) {
      const port = raw[17] | (raw[18] << 8);
      if (port > 0) {
        const mapped = isIpv4MappedIpv6(raw, 1);
        info.type = mapped ? ScapFdType.Ipv4ServSock : ScapFdType.Ipv6ServSock;
        info.role = SocketRole.Server;
        info.sip = mapped ? ipv4ToString(raw, 13) : ipv6ToString(raw, 1); info.sport = port;
      }
    }
    info.name = sockaddrToString(raw);
  }

  private onConnect(ev: EventView, th: ThreadInfo, type: number): void {
    const info = th.fds.get(this.eventFd(ev, th));
    if (!info) return;
    const res = ev.i64(0);
    if (res < 0 && res !== -115) return; // EINPROGRESS still connects
    info.connected = true;
    const ti = P.tuple[type];
    if (ti < 0 || !ev.has(ti)) return;
    const raw = ev.raw(ti);
    const fam = raw[0];
    if (fam === 2) info.type = ScapFdType.Ipv4Sock;
    else if (fam === 10) info.type = raw.length >= 37 && isIpv4MappedIpv6(raw, 1) && isIpv4MappedIpv6(raw, 19) ? ScapFdType.Ipv4Sock : ScapFdType.Ipv6Sock;
    // libsinsp (fill_client_socket_info, as sysdig 0.29.3 runs it) takes the local end from the tuple and keeps
    // the peer address and port the socket already has, each when set (a sendto() before, an earlier connect()):
    // a second connect() to another peer does not rename the peer.
    const wellFormed = (fam === 2 && raw.length === 13) || (fam === 10 && raw.length === 37);
    const prevFamily = info.family, peerIp = info.sip, peerPort = info.sport;
    const client = info.role !== SocketRole.Server;
    if (info.role === SocketRole.None) info.role = SocketRole.Client;
    // connect's tuple is local->remote: this process is the client end.
    setEnds(info, raw, false);
    if (!wellFormed) { info.name = socktupleToString(raw); return; }
    if (client && prevFamily === info.family) {
      if (peerIp !== '' && peerIp !== '0.0.0.0' && peerIp !== '::') info.sip = peerIp;
      if (peerPort !== 0) info.sport = peerPort;
    }
    info.name = endsName(info);
  }

  private onAccept(ev: EventView, th: ThreadInfo, type: number): void {
    const fd = ev.i64(0);
    if (fd < 0) return;
    const ti = P.tuple[type];
    if (ti < 0 || !ev.has(ti)) return;
    const raw = ev.raw(ti);
    let info: FdInfo;
    if (raw[0] === 2) { info = newFdInfo(ScapFdType.Ipv4Sock); info.l4proto = L4Proto.Tcp; }
    else if (raw[0] === 10) {
      const mapped = raw.length >= 37 && isIpv4MappedIpv6(raw, 1) && isIpv4MappedIpv6(raw, 19);
      info = newFdInfo(mapped ? ScapFdType.Ipv4Sock : ScapFdType.Ipv6Sock);
      info.l4proto = L4Proto.Tcp;
    } else if (raw[0] === 1) info = newFdInfo(ScapFdType.UnixSock);
    else return;
    info.name = socktupleToString(raw);
    info.role = SocketRole.Server;
    info.connected = true;
    // accept's tuple is peer->local: the peer is the client end, this process the server end.
    setEnds(info, raw, false);
    th.fds.set(fd, info);
  }

  private onClose(ev: EventView, th: ThreadInfo): void {
    if (ev.i64(0) < 0) return;
    const fd = this.eventFd(ev, th);
    if (fd < 0 || !th.fds.get(fd)) return;
    this.pendingFdTable = th.fds;
    this.pendingFd = fd;
  }

  private onDup(ev: EventView, th: ThreadInfo, type: number): void {
    const res = ev.i64(0);
    if (res < 0) return;
    const oi = P.oldfd[type];
    const old = oi >= 0 && ev.has(oi) ? ev.i64(oi) : this.eventFd(ev, th);
    const src = th.fds.get(old);
    if (!src || res === old) return;
    th.fds.set(res, { ...src });
  }

  private onFcntl(ev: EventView, th: ThreadInfo, type: number): void {
    const res = ev.i64(0);
    if (res < 0) return;
    const ci = P.cmd[type];
    let cmd = -1;
    if (ci >= 0 && ev.has(ci)) cmd = ev.u8(ci);
    if (cmd !== PPM_FCNTL_F_DUPFD && cmd !== PPM_FCNTL_F_DUPFD_CLOEXEC) return;
    const src = th.fds.get(this.eventFd(ev, th));
    if (src) th.fds.set(res, { ...src });
  }

  private onPipe(ev: EventView, th: ThreadInfo, type: number): void {
    if (ev.i64(0) < 0) return;
    const ii = P.ino[type];
    const ino = ii >= 0 ? ev.u64n(ii) : 0n;
    this.addPipeEnd(ev, th, P.fd1[type], ino);
    this.addPipeEnd(ev, th, P.fd2[type], ino);
  }

  private addPipeEnd(ev: EventView, th: ThreadInfo, i: number, ino: bigint): void {
    if (i < 0 || !ev.has(i)) return;
    const info = newFdInfo(ScapFdType.Fifo);
    info.ino = ino;
    th.fds.set(ev.i64(i), info);
  }

  /**
   * A successful read or write (send, recv, ... included) on an inet socket marks it connected, as libsinsp's
   * parse_read_exit/parse_write_exit do: after a UDP sendto(), fd.connected is true.
   */
  private onReadWrite(ev: EventView, th: ThreadInfo): void {
    if (ev.i64(0) < 0) return;
    const info = th.fds.get(this.eventFd(ev, th));
    if (info !== undefined && (info.type === ScapFdType.Ipv4Sock || info.type === ScapFdType.Ipv6Sock)) info.connected = true;
  }

  /** An unconnected inet socket used with sendto()/sendmsg() takes its name from the destination. */
  private onSend(ev: EventView, th: ThreadInfo, type: number): void {
    if (ev.i64(0) < 0) return;
    const info = th.fds.get(this.eventFd(ev, th));
    if (!info || info.role !== SocketRole.None) return;
    if (info.type !== ScapFdType.Ipv4Sock && info.type !== ScapFdType.Ipv6Sock) return;
    const ti = P.tuple[type];
    let tuple: Uint8Array | null = ti >= 0 && ti < ev.paramCount() && ev.has(ti) ? ev.raw(ti) : null;
    if (tuple === null && this.enterMatches(th, type)) tuple = th.enter.tuple;
    if (tuple === null || tuple.length === 0) return;
    const t = tuple.slice();
    // An unbound source address (0.0.0.0 / ::) is shown as the destination address, as libsinsp does.
    const alen = t[0] === 2 ? 4 : t[0] === 10 ? 16 : 0;
    if (alen === 0 || t.length < 1 + 2 * (alen + 2)) return;
    if (t.subarray(1, 1 + alen).every((x) => x === 0)) t.copyWithin(1, 1 + alen + 2, 1 + alen + 2 + alen);
    info.role = SocketRole.Client;
    info.name = socktupleToString(t);
    setEnds(info, t, false);
  }

  private onSocketpair(ev: EventView, th: ThreadInfo, type: number): void {
    if (ev.i64(0) < 0) return;
    const src = P.source[type], peer = P.peer[type];
    const a = src >= 0 && ev.has(src) ? ev.u64n(src) : 0n, b = peer >= 0 && ev.has(peer) ? ev.u64n(peer) : 0n;
    this.addUnixEnd(ev, th, P.fd1[type], a, b);
    this.addUnixEnd(ev, th, P.fd2[type], b, a);
  }

  private addUnixEnd(ev: EventView, th: ThreadInfo, i: number, self: bigint, peer: bigint): void {
    if (i < 0 || !ev.has(i)) return;
    const info = newFdInfo(ScapFdType.UnixSock);
    info.family = SockFamily.Unix;
    info.unixSource = self;
    info.unixDest = peer;
    th.fds.set(ev.i64(i), info);
  }

  private addSimple(ev: EventView, th: ThreadInfo, ftype: ScapFdType): void {
    const fd = ev.i64(0);
    if (fd >= 0 && ev.has(0)) th.fds.set(fd, newFdInfo(ftype));
  }

  /** memfd_create: fd.name is the name given (libsinsp parse_memfd_create_exit), flags are MFD_* flags. */
  private onMemfd(ev: EventView, th: ThreadInfo, type: number): void {
    const fd = ev.i64(0);
    if (fd < 0 || !ev.has(0)) return;
    const ni = P.name[type], fi = P.flags[type];
    const info = newFdInfo(ScapFdType.Memfd, ni >= 0 ? ev.str(ni) : '');
    info.nameRaw = info.name;
    if (fi >= 0) info.openFlags = ev.u32(fi);
    th.fds.set(fd, info);
  }

  /** pidfd_getfd: a copy of another process's fd (found through the pidfd's process). */
  private onPidfdGetfd(ev: EventView, th: ThreadInfo, _type: number): void {
    const fd = ev.i64(0);
    if (fd < 0 || !ev.has(0)) return;
    const info = newFdInfo(ScapFdType.Unknown);
    th.fds.set(fd, info);
  }

  private onSetId(ev: EventView, th: ThreadInfo, type: number, idx: Int8Array, isUid: boolean): void {
    if (ev.i64(0) < 0) return;
    const i = idx[type];
    if (i < 0 || !ev.has(i)) return;
    const id = ev.u32(i);
    if (id === UNKNOWN_ID) return; // setresuid(-1, ...) leaves the id unchanged
    if (isUid) th.uid = id; else th.gid = id;
  }

  private onCapset(ev: EventView, th: ThreadInfo, type: number): void {
    if (ev.i64(0) < 0) return;
    const ci = P.capI[type], cp = P.capP[type], ce = P.capE[type];
    if (ci >= 0 && ev.has(ci)) th.capInheritable = ev.u64n(ci);
    if (cp >= 0 && ev.has(cp)) th.capPermitted = ev.u64n(cp);
    if (ce >= 0 && ev.has(ce)) th.capEffective = ev.u64n(ce);
  }

  private onExecve(ev: EventView, th: ThreadInfo, type: number): void {
    if (ev.i64(0) < 0) return;
    const n = ev.paramCount();
    const at = (i: number): boolean => i >= 0 && i < n;
    const exe = P.exe[type], args = P.args[type], comm = P.comm[type];
    if (at(exe)) th.exe = ev.str(exe);
    if (at(args)) th.args = ev.strList(args);
    if (at(comm)) th.comm = ev.str(comm);
    else if (at(exe)) th.comm = basename(th.exe);
    const pid = P.pid[type];
    if (at(pid) && ev.has(pid)) th.pid = ev.i64(pid);
    const ptid = P.ptid[type];
    if (at(ptid) && ev.has(ptid)) th.ptid = ev.i64(ptid);
    const cwd = P.cwd[type];
    // An empty cwd param (seen in container captures) says nothing: execve does not change the cwd.
    if (at(cwd) && ev.has(cwd) && ev.str(cwd) !== '') th.cwd = withSlash(ev.str(cwd));
    const ep = P.exepath[type];
    if (at(ep) && ev.has(ep)) th.exepath = ev.str(ep);
    // libsinsp parse_execve_exit: the enter event's filename, made absolute against the cwd.
    else if (th.enter.type === type - 1 && th.enter.name !== '') th.exepath = th.enter.name === '<NA>' ? '<NA>' : concatenatePaths(th.cwd, th.enter.name);
    else th.exepath = th.exe;
    const env = P.env[type];
    if (at(env)) th.env = ev.strList(env);
    const fl = P.fdlimit[type];
    if (at(fl)) th.fdlimit = ev.u64n(fl);
    const pj = P.pfMaj[type], pm = P.pfMin[type];
    if (at(pj)) th.pfmajor = ev.u64(pj);
    if (at(pm)) th.pfminor = ev.u64(pm);
    const vs = P.vmSize[type], vr = P.vmRss[type], vw = P.vmSwap[type];
    if (at(vs)) th.vmsize = ev.u32(vs);
    if (at(vr)) th.vmrss = ev.u32(vr);
    if (at(vw)) th.vmswap = ev.u32(vw);
    const cg = P.cgroups[type];
    if (at(cg) && ev.has(cg)) { th.cgroups = ev.strList(cg); this.setContainer(th); }
    const tty = P.tty[type];
    if (at(tty)) th.tty = ev.u32(tty);
    const vpgid = P.vpgid[type];
    if (at(vpgid)) th.vpgid = ev.i64(vpgid);
    const pgid = P.pgid[type];
    if (at(pgid) && ev.has(pgid)) th.pgid = ev.i64(pgid);
    const lu = P.loginuid[type];
    if (at(lu)) th.loginuid = ev.u32(lu);
    const ef = P.flags[type];
    if (at(ef) && ev.has(ef)) {
      const f = ev.u32(ef);
      th.exeWritable = (f & PPM_EXE_WRITABLE) !== 0;
      th.exeUpperLayer = (f & PPM_EXE_UPPER_LAYER) !== 0;
      th.exeFromMemfd = (f & PPM_EXE_FROM_MEMFD) !== 0;
      th.exeLowerLayer = (f & PPM_EXE_LOWER_LAYER) !== 0;
    }
    const ci = P.capI[type], cp = P.capP[type], ce = P.capE[type];
    if (at(ci) && ev.has(ci)) th.capInheritable = ev.u64n(ci);
    if (at(cp) && ev.has(cp)) th.capPermitted = ev.u64n(cp);
    if (at(ce) && ev.has(ce)) th.capEffective = ev.u64n(ce);
    const ino = P.exeIno[type], ct = P.exeCtime[type], mt = P.exeMtime[type];
    if (at(ino)) th.exeIno = ev.u64n(ino);
    if (at(ct)) th.exeInoCtime = ev.u64n(ct);
    if (at(mt)) th.exeInoMtime = ev.u64n(mt);
    const uid = P.uid[type], gid = P.gid[type];
    if (at(uid) && ev.has(uid)) th.uid = ev.u32(uid);
    if (at(gid) && ev.has(gid)) th.gid = ev.u32(gid);
    th.lastExecTs = ev.ts;
    // exec closes O_CLOEXEC descriptors (libsinsp sinsp_fdinfo::is_close_on_exec).
    th.fds.deleteWhere(isCloseOnExec);
  }

  private onClone(ev: EventView, parentOrSelf: ThreadInfo | undefined): void {
    const type = ev.type;
    const res = ev.i64(0);
    if (res < 0) return;
    const n = ev.paramCount();
    const get = (table: Int8Array): number => { const i = table[type]; return i >= 0 && i < n ? i : -1; };
    const fi = get(P.flags);
    const flags = fi >= 0 ? ev.u32(fi) : 0;
    let childTid: number, childPid: number, ptid: number;
    let parent: ThreadInfo | undefined;
    if (res === 0) {
      // The child's own return: its tid/pid/ptid are in the params.
      if (parentOrSelf !== undefined) {
        // Already created by the parent's return: the child knows its namespaced ids best.
        const vt = get(P.vtid), vp = get(P.vpid);
        if (vt >= 0 && ev.has(vt)) parentOrSelf.vtid = ev.i64(vt);
        if (vp >= 0 && ev.has(vp)) parentOrSelf.vpid = ev.i64(vp);
        return;
      }
      const pi = get(P.pid), pti = get(P.ptid);
      childTid = ev.tid;
      childPid = pi >= 0 ? ev.i64(pi) : ev.tid;
      ptid = pti >= 0 ? ev.i64(pti) : 0;
      parent = this.threads.peek(ptid);
    } else {
      if (this.threads.peek(res) !== undefined) return;
      // The child already ran and exited (its procexit came first): nothing to create. A tid reused after
      // a pid wrap-around would have exited long before; 1 s bounds the window.
      const exited = this.exitedAt.get(res);
      if (exited !== undefined && ev.ts - exited < EXITED_WINDOW_NS) return;
      parent = parentOrSelf;
      // In a child pid namespace the returned id is the namespaced one: the child-side event will tell more.
      if (parent !== undefined && (parent.inPidNs || (parent.vtid >= 0 && parent.vtid !== parent.tid))) return;
      // libsinsp parse_clone_exit_caller leaves these to the child's own event: its ids or parent differ.
      if ((flags & (PPM_CL_CHILD_IN_PIDNS | PPM_CL_CLONE_NEWPID | PPM_CL_CLONE_PARENT)) !== 0) return;
      childTid = res;
      const sameGroup = (flags & PPM_CL_CLONE_THREAD) !== 0;
      childPid = sameGroup ? (parent?.pid ?? ev.tid) : res;
      // A new thread's parent is the caller's parent; a new process's parent is the caller.
      ptid = sameGroup && parent !== undefined ? parent.ptid : ev.tid;
    }
    const sameProcess = (flags & PPM_CL_CLONE_THREAD) !== 0;
    let fds: FdTable;
    if (parent !== undefined && (sameProcess || (flags & PPM_CL_CLONE_FILES) !== 0)) fds = parent.fds;
    else if (parent !== undefined) fds = parent.fds.clone();
    else fds = new FdTable(this.fdLimit, this.fdStats);
    const th = newThreadInfo(childTid, fds);
    if (parent !== undefined) inheritProcessFacts(th, parent);
    th.pid = childPid;
    th.ptid = ptid;
    th.flags = flags;
    th.cloneTs = ev.ts;
    const exeI = get(P.exe), argsI = get(P.args), commI = get(P.comm), cwdI = get(P.cwd);
    th.exe = exeI >= 0 ? ev.str(exeI) : parent?.exe ?? '';
    th.comm = commI >= 0 ? ev.str(commI) : basename(th.exe);
    if (argsI >= 0) th.args = ev.strList(argsI);
    // An empty cwd param (container captures) keeps the parent's, as libsinsp shows it.
    if (cwdI >= 0 && ev.has(cwdI) && ev.str(cwdI) !== '') th.cwd = withSlash(ev.str(cwdI));
    const ui = get(P.uid), gi = get(P.gid);
    if (ui >= 0 && ev.has(ui)) th.uid = ev.u32(ui);
    else if (parent === undefined) th.uid = 0;
    if (gi >= 0 && ev.has(gi)) th.gid = ev.u32(gi);
    else if (parent === undefined) th.gid = 0;
    const fl = get(P.fdlimit), vs = get(P.vmSize), vr = get(P.vmRss), vw = get(P.vmSwap);
    if (fl >= 0) th.fdlimit = ev.u64n(fl);
    if (vs >= 0) th.vmsize = ev.u32(vs);
    if (vr >= 0) th.vmrss = ev.u32(vr);
    if (vw >= 0) th.vmswap = ev.u32(vw);
    const cg = get(P.cgroups);
    if (cg >= 0 && ev.has(cg)) { th.cgroups = ev.strList(cg); this.setContainer(th); }
    const pts = get(P.pidnsTs);
    if (pts >= 0 && ev.has(pts)) th.pidnsInitStartTs = ev.u64n(pts);
    if (res === 0) {
      const vt = get(P.vtid), vp = get(P.vpid);
      th.vtid = vt >= 0 ? ev.i64(vt) : -1;
      th.vpid = vp >= 0 ? ev.i64(vp) : -1;
    } else {
      // The caller path only runs outside pid namespaces (checked above): namespaced ids are the real ones.
      th.vtid = childTid; th.vpid = childPid;
    }
    th.inPidNs = (flags & PPM_CL_CHILD_IN_PIDNS) !== 0 || (parent?.inPidNs ?? false);
    this.addThread(th);
  }

  private onChdir(ev: EventView, th: ThreadInfo, type: number): void {
    if (ev.i64(0) < 0) return;
    const pi = P.path[type];
    if (pi < 0 || !ev.has(pi)) return;
    this.setCwd(th, concatenatePaths(th.cwd, ev.str(pi)));
  }

  private onFchdir(ev: EventView, th: ThreadInfo): void {
    if (ev.i64(0) < 0) return;
    const info = th.fds.get(this.eventFd(ev, th));
    if (info) this.setCwd(th, info.name);
  }

  /** Threads of a process share the cwd (CLONE_FS): the main thread follows too. */
  private setCwd(th: ThreadInfo, cwd: string): void {
    th.cwd = withSlash(cwd);
    if (th.tid !== th.pid) {
      const main = this.threads.peek(th.pid);
      if (main !== undefined) main.cwd = th.cwd;
    }
  }
}

/** Process-wide facts a new thread or forked child starts with (libsinsp copies them from the caller). */
function inheritProcessFacts(th: ThreadInfo, p: ThreadInfo): void {
  th.sid = p.sid; th.vpgid = p.vpgid; th.pgid = p.pgid; th.comm = p.comm; th.exe = p.exe; th.exepath = p.exepath;
  th.args = p.args; th.env = p.env; th.cwd = p.cwd; th.uid = p.uid; th.gid = p.gid; th.loginuid = p.loginuid;
  th.tty = p.tty; th.capInheritable = p.capInheritable; th.capPermitted = p.capPermitted;
  th.capEffective = p.capEffective; th.exeIno = p.exeIno; th.exeInoCtime = p.exeInoCtime;
  th.exeInoMtime = p.exeInoMtime; th.exeWritable = p.exeWritable; th.exeUpperLayer = p.exeUpperLayer;
  th.exeLowerLayer = p.exeLowerLayer; th.exeFromMemfd = p.exeFromMemfd; th.pidnsInitStartTs = p.pidnsInitStartTs;
  th.lastExecTs = p.lastExecTs; th.cgroups = p.cgroups; th.containerId = p.containerId;
  th.containerFullId = p.containerFullId; th.root = p.root; th.fdlimit = p.fdlimit;
}

/** connect/accept/send tuples are client->server (libsinsp m_sip/m_sport = client end). */
/** An inet socket's name from its ends, as libsinsp's sockinfo_to_str prints a tuple: `cip:cport->sip:sport`. */
function endsName(info: FdInfo): string { return `${info.cip}:${info.cport}->${info.sip}:${info.sport}`; }

function setEnds(info: FdInfo, t: Uint8Array, _swap: boolean): void {
  const fam = t[0];
  if (fam === 2 && t.length >= 13) {
    info.family = SockFamily.Inet;
    info.cip = ipv4ToString(t, 1); info.cport = t[5] | (t[6] << 8);
    info.sip = ipv4ToString(t, 7); info.sport = t[11] | (t[12] << 8);
  } else if (fam === 10 && t.length >= 37) {
    info.family = SockFamily.Inet6;
    const mapped = isIpv4MappedIpv6(t, 1) && isIpv4MappedIpv6(t, 19);
    info.cip = mapped ? ipv4ToString(t, 13) : ipv6ToString(t, 1); info.cport = t[17] | (t[18] << 8);
    info.sip = mapped ? ipv4ToString(t, 31) : ipv6ToString(t, 19); info.sport = t[35] | (t[36] << 8);
  } else if (fam === 1 && t.length >= 17) {
    info.family = SockFamily.Unix;
    const dv = new DataView(t.buffer, t.byteOffset, t.length);
    info.unixSource = dv.getBigUint64(1, true);
    info.unixDest = dv.getBigUint64(9, true);
  }
}

const PPM_EPOLL_CLOEXEC = 1 << 0;
const PPM_MFD_CLOEXEC = 1 << 0;
function isCloseOnExec(info: FdInfo): boolean {
  if ((info.openFlags & PPM_O_CLOEXEC) !== 0 && (info.type === ScapFdType.File || info.type === ScapFdType.Directory)) return true;
  if (info.type === ScapFdType.EventPoll && (info.openFlags & PPM_EPOLL_CLOEXEC) !== 0) return true;
  return info.type === ScapFdType.Memfd && (info.openFlags & PPM_MFD_CLOEXEC) !== 0;
}

function basename(p: string): string {
  const i = p.lastIndexOf('/');
  return i >= 0 ? p.slice(i + 1) : p;
}

/** libsinsp keeps cwd with a trailing '/' (sinsp_threadinfo::set_cwd). */
function withSlash(p: string): string {
  return p === '' || p.endsWith('/') ? p : p + '/';
}

/** libsinsp concatenate_paths: join a relative path to a base and normalise `.`, `..` and `//`. */
export function concatenatePaths(base: string, path: string): string {
  if (path.charCodeAt(0) === 47 && isNormalAbsolute(path)) return path;
  const full = path.startsWith('/') ? path : (base.endsWith('/') || base === '' ? base : base + '/') + path;
  const parts: string[] = [];
  for (const seg of full.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') { parts.pop(); continue; }
    parts.push(seg);
  }
  return '/' + parts.join('/');
}

/** An absolute path with no empty, `.` or `..` segment and no trailing slash (what normalising leaves as is). */
function isNormalAbsolute(p: string): boolean {
  const n = p.length;
  if (n === 1) return true;
  if (p.charCodeAt(n - 1) === 47) return false;
  for (let i = 0; i < n; i++) {
    if (p.charCodeAt(i) !== 47) continue;
    const c1 = p.charCodeAt(i + 1); // NaN past the end
    if (c1 === 47) return false;
    if (c1 === 46) {
      const c2 = p.charCodeAt(i + 2);
      if (c2 !== c2 || c2 === 47) return false;
      if (c2 === 46) { const c3 = p.charCodeAt(i + 3); if (c3 !== c3 || c3 === 47) return false; }
    }
  }
  return true;
}

/** The fd libsinsp derives from a metadata fd entry. */
export function fdFromMetadata(e: FdEntry): FdInfo {
  let type = e.type;
  if (type === ScapFdType.FileV2) type = ScapFdType.File;
  const info = newFdInfo(type, e.name);
  info.fd = e.fd;
  info.nameRaw = e.name;
  info.openFlags = e.openFlags;
  info.ino = e.ino;
  info.dev = e.dev;
  switch (e.type) {
    case ScapFdType.Ipv4Sock:
      info.l4proto = (e.l4proto ?? 0) as L4Proto;
      info.family = SockFamily.Inet;
      info.name = `${ipv4ToString(e.sip!)}:${e.sport}->${ipv4ToString(e.dip!)}:${e.dport}`;
      info.cip = ipv4ToString(e.sip!); info.cport = e.sport ?? 0;
      info.sip = ipv4ToString(e.dip!); info.sport = e.dport ?? 0;
      info.connected = true; // a socket in the process list has both ends: libsinsp counts it connected
      break;
    case ScapFdType.Ipv6Sock: {
      info.l4proto = (e.l4proto ?? 0) as L4Proto;
      info.family = SockFamily.Inet6;
      const mapped = isIpv4MappedIpv6(e.sip!) && isIpv4MappedIpv6(e.dip!);
      info.cip = mapped ? ipv4ToString(e.sip!, 12) : ipv6ToString(e.sip!); info.cport = e.sport ?? 0;
      info.sip = mapped ? ipv4ToString(e.dip!, 12) : ipv6ToString(e.dip!); info.sport = e.dport ?? 0;
      info.name = endsName(info);
      info.connected = true;
      break;
    }
    case ScapFdType.Ipv4ServSock:
      info.l4proto = (e.l4proto ?? 0) as L4Proto;
      info.family = SockFamily.Inet;
      info.name = `${ipv4ToString(e.sip!)}:${e.sport}`;
      info.role = SocketRole.Server;
      info.sip = ipv4ToString(e.sip!); info.sport = e.sport ?? 0;
      break;
    case ScapFdType.Ipv6ServSock:
      info.l4proto = (e.l4proto ?? 0) as L4Proto;
      info.family = SockFamily.Inet6;
      info.name = `${ipv6ToString(e.sip!)}:${e.sport}`;
      info.role = SocketRole.Server;
      info.sip = ipv6ToString(e.sip!); info.sport = e.sport ?? 0;
      break;
    case ScapFdType.UnixSock:
      info.family = SockFamily.Unix;
      info.unixSource = e.unixSource ?? 0n;
      info.unixDest = e.unixDest ?? 0n;
      break;
    case ScapFdType.Netlink:
      info.family = SockFamily.Netlink;
      break;
    default:
      break;
  }
  return info;
}
