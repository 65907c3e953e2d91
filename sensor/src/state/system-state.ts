// Minimal system state built the way libsinsp (sysdig 0.29.3) builds it: threads and fds from capture
// metadata, then updated by clone/execve/procexit/open/socket/connect/close/... events. Removals (close,
// procexit) are deferred to the next event so the event that causes them still prints the fd / thread.
import { EVENTS } from '../schema/index.js';
import { ScapFdType, type CaptureMetadata, type FdEntry } from '../schema/capture-types.js';
import type { EventView } from '../decode/event-view.js';
import { ipv4ToString, ipv6ToString, isIpv4MappedIpv6, sockaddrToString, socktupleToString } from '../decode/net.js';
import { FdTable, L4Proto, SocketRole, newFdInfo, type FdInfo } from './fd-table.js';
import { ThreadTable, newEnterState, type ThreadInfo } from './thread-table.js';

const AT_FDCWD = -100;
const PPM_O_DIRECTORY = 1 << 10;
const PPM_CL_CLONE_THREAD = 1 << 13;
const PPM_CL_CLONE_FILES = 1 << 0;
const PPM_CL_CHILD_IN_PIDNS = 1 << 29;
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

/** Kinds of state change, by event name (all versions of a syscall share a handler). */
const enum Op {
  None, Open, Socket, Bind, Connect, Accept, Close, Dup, Fcntl, Pipe, Execve, Clone, ProcExit, Chdir, Fchdir,
  EventFd, SignalFd, TimerFd, Inotify, EpollCreate, Socketpair, Userfaultfd, Send,
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
};

/** tid -1 as EventView reads it (an unsigned 64-bit value as a double). */
const MINUS_ONE = 18446744073709552000;
/** EF_SKIPPARSERESET events (procinfo, switch, ...) neither create threads nor count as enter events. */
const SKIP_RESET: Uint8Array = Uint8Array.from(EVENTS, (e) => (e.flags.includes('EF_SKIPPARSERESET') ? 1 : 0));
/** Only syscall events make libsinsp invent a thread for an unknown tid (sched switch, signals do not). */
const CREATES_THREAD: Uint8Array = Uint8Array.from(EVENTS, (e) => (e.categories.includes('EC_SYSCALL') ? 1 : 0));
const OPS: Uint8Array = Uint8Array.from(EVENTS, (e) => OP_BY_NAME[e.name] ?? Op.None);
const IS_EXIT: Uint8Array = Uint8Array.from(EVENTS, (e) => (e.dir === '<' ? 1 : 0));
/** 0 when an enter event's first param is its fd (libsinsp m_lastevent_fd), else -1. */
const ENTER_FD: Int8Array = Int8Array.from(EVENTS, (e) => (e.dir === '>' && e.params[0]?.type === 'FD' ? 0 : -1));

export interface StateLimits { maxThreads?: number; maxFdsPerProcess?: number }

export class SystemState {
  readonly threads: ThreadTable;
  private readonly fdLimit: number;
  private pendingFdTable: FdTable | null = null;
  private pendingFd = 0;
  private pendingTid = -1;

  constructor(limits: StateLimits = {}) {
    this.threads = new ThreadTable(limits.maxThreads);
    this.fdLimit = limits.maxFdsPerProcess ?? 65536;
  }

  thread(tid: number): ThreadInfo | undefined { return this.threads.get(tid); }

  fd(tid: number, fd: number): FdInfo | undefined {
    return this.threads.get(tid)?.fds.get(fd);
  }

  /** Loads the threads and fds of a capture section (or a /proc snapshot). */
  loadMetadata(md: CaptureMetadata): void {
    const byPid = new Map<number, FdTable>();
    for (const t of md.threads) {
      let fds = byPid.get(t.pid);
      if (!fds) { fds = new FdTable(this.fdLimit); byPid.set(t.pid, fds); }
      this.threads.add({
        tid: t.tid, pid: t.pid, ptid: t.ptid, comm: t.comm, exe: t.exe, exepath: t.exepath, args: t.args.slice(),
        cwd: t.cwd, uid: t.uid, gid: t.gid, vtid: t.vtid, vpid: t.vpid, inPidNs: false, fds, enter: newEnterState(),
      });
    }
    const serverPorts = new Set<number>();
    for (const [tid, list] of md.fds) {
      const th = this.threads.get(tid);
      if (!th) continue;
      for (const e of list) {
        th.fds.set(e.fd, fdFromMetadata(e));
        if (e.type === ScapFdType.Ipv4ServSock && e.sport !== undefined) serverPorts.add(e.sport);
      }
    }
    // libsinsp fix_sockets_coming_from_proc: an IPv4 socket whose local port is a listening port is the
    // server side (printed client->server); any other is a client.
    for (const [tid, list] of md.fds) {
      const th = this.threads.get(tid);
      if (!th) continue;
      for (const e of list) {
        if (e.type !== ScapFdType.Ipv4Sock) continue;
        const info = th.fds.get(e.fd);
        if (!info) continue;
        if (serverPorts.has(e.sport ?? -1)) {
          info.name = `${ipv4ToString(e.dip!)}:${e.dport}->${ipv4ToString(e.sip!)}:${e.sport}`;
          info.role = SocketRole.Server;
        } else {
          info.role = SocketRole.Client;
        }
      }
    }
  }

  /** Applies one event's state changes. Call before rendering the event, as libsinsp parses then formats. */
  process(ev: EventView): void {
    this.flushRemovals();
    const type = ev.type;
    if (type >= OPS.length) return;
    const op = OPS[type];
    if (type === 272 || type === 228 || type === 324) { this.onContainer(ev, type); return; }
    if (SKIP_RESET[type] === 1) return;
    const tid = ev.tid;
    let th = this.threads.get(tid);
    const cloneExit = op === Op.Clone && IS_EXIT[type] === 1;
    // libsinsp (capture mode) creates a placeholder thread for any tid it has not seen, except on the
    // child side of clone, whose params describe the new thread.
    if (th === undefined && CREATES_THREAD[type] === 1 && tid !== MINUS_ONE && tid !== 0 && !(cloneExit && ev.i64(0) === 0)) th = this.placeholder(tid);
    if (IS_EXIT[type] === 0) {
      if (th !== undefined && CREATES_THREAD[type] === 1) this.recordEnter(ev, th, type);
      if (op === Op.ProcExit) this.pendingTid = tid;
      return;
    }
    if (op === Op.None) return;
    if (op === Op.Clone) { this.onClone(ev, th); return; }
    if (th === undefined) return;
    switch (op) {
      case Op.Open: this.onOpen(ev, th, type); break;
      case Op.Socket: this.onSocket(ev, th, type); break;
      case Op.Bind: this.onBind(ev, th, type); break;
      case Op.Connect: this.onConnect(ev, th, type); break;
      case Op.Accept: this.onAccept(ev, th, type); break;
      case Op.Close: this.onClose(ev, th, type); break;
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
      case Op.Socketpair: this.onSocketpair(ev, th, type); break;
      case Op.Send: this.onSend(ev, th, type); break;
      default: break;
    }
  }

  /** A thread seen first in an event: no name (printed `<NA>`) until execve/clone tell more. */
  private placeholder(tid: number): ThreadInfo {
    return this.threads.add({
      tid, pid: tid, ptid: -1, comm: '', exe: '', exepath: '', args: [], cwd: '', uid: 0xffffffff,
      gid: 0xffffffff, vtid: -1, vpid: -1, inPidNs: false, fds: new FdTable(this.fdLimit), enter: newEnterState(),
    });
  }

  /** Container metadata events: sysdig shows them under a pseudo process `container:<id>`. */
  private onContainer(ev: EventView, type: number): void {
    let id = '';
    if (type === 228) id = ev.str(0);
    else {
      const m = /"id"\s*:\s*"([^"]*)"/.exec(ev.str(0));
      if (m) id = m[1];
    }
    const tid = ev.tid;
    const th = this.threads.get(tid);
    const comm = `container:${id}`;
    if (th) { th.comm = comm; return; }
    this.threads.add({
      tid, pid: tid, ptid: -1, comm, exe: comm, exepath: '', args: [], cwd: '', uid: 0xffffffff, gid: 0xffffffff,
      vtid: -1, vpid: -1, inPidNs: false, fds: new FdTable(this.fdLimit), enter: newEnterState(),
    });
  }

  /** The fd an exit event refers to: its own `fd` param when present, else the enter event's. */
  eventFd(ev: EventView, th: ThreadInfo | undefined): number {
    const type = ev.type;
    if (IS_EXIT[type] === 0) {
      const i = ENTER_FD[type];
      return i >= 0 && ev.has(i) ? ev.i64(i) : -1;
    }
    const i = paramIndexOf(type, 'fd');
    if (i >= 0 && ev.has(i)) return ev.i64(i);
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
      const ti = paramIndexOf(type, 'tuple');
      en.tuple = ti >= 0 && ev.has(ti) ? ev.raw(ti).slice() : null;
    } else if (op === Op.Open) {
      const ni = paramIndexOf(type, 'name');
      en.name = ni >= 0 ? ev.str(ni) : '';
      const fl = paramIndexOf(type, 'flags');
      en.flags = fl >= 0 ? ev.u32(fl) : 0;
      const di = paramIndexOf(type, 'dirfd');
      en.dirfd = di >= 0 && ev.has(di) ? ev.i64(di) : AT_FDCWD;
    }
  }

  private enterMatches(th: ThreadInfo, type: number): boolean { return th.enter.type === type - 1; }

  private onOpen(ev: EventView, th: ThreadInfo, type: number): void {
    const fd = ev.i64(0);
    if (fd < 0 || !ev.has(0)) return;
    const enter = this.enterMatches(th, type) ? th.enter : undefined;
    const ni = paramIndexOf(type, 'name');
    let name = ni >= 0 && ni < ev.paramCount() ? ev.str(ni) : (enter?.name ?? '');
    const fi = paramIndexOf(type, 'flags');
    const flags = fi >= 0 && fi < ev.paramCount() ? ev.u32(fi) : (enter?.flags ?? 0);
    const di = paramIndexOf(type, 'dirfd');
    const dirfd = di >= 0 && di < ev.paramCount() ? ev.i64(di) : (enter?.dirfd ?? AT_FDCWD);
    if (!name.startsWith('/')) {
      let base = th.cwd;
      if (dirfd !== AT_FDCWD && di >= 0) base = th.fds.get(dirfd)?.name ?? '';
      name = concatenatePaths(base, name);
    } else {
      name = concatenatePaths('', name);
    }
    const info = newFdInfo((flags & PPM_O_DIRECTORY) !== 0 ? ScapFdType.Directory : ScapFdType.File, name);
    info.openFlags = flags;
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
    th.fds.set(fd, info);
  }

  private onBind(ev: EventView, th: ThreadInfo, type: number): void {
    const info = th.fds.get(this.eventFd(ev, th));
    if (!info || ev.i64(0) < 0) return;
    const ai = paramIndexOf(type, 'addr');
    if (ai < 0 || !ev.has(ai)) return;
    const raw = ev.raw(ai);
    const fam = raw[0];
    if (fam === 2 && raw.length >= 7) {
      const port = raw[5] | (raw[6] << 8);
      if (port > 0) { info.type = ScapFdType.Ipv4ServSock; info.role = SocketRole.Server; }
    } else if (fam === 10 && raw.length >= 19) {
      const port = raw[17] | (raw[18] << 8);
      if (port > 0) {
        info.type = isIpv4MappedIpv6(raw, 1) ? ScapFdType.Ipv4ServSock : ScapFdType.Ipv6ServSock;
        info.role = SocketRole.Server;
      }
    }
    info.name = sockaddrToString(raw);
  }

  private onConnect(ev: EventView, th: ThreadInfo, type: number): void {
    const info = th.fds.get(this.eventFd(ev, th));
    if (!info) return;
    const res = ev.i64(0);
    if (res < 0 && res !== -115) return; // EINPROGRESS still connects
    // sysdig 0.29.3 keeps the first peer of a socket: a second connect() does not rename it.
    if (info.connected) return;
    info.connected = true;
    const ti = paramIndexOf(type, 'tuple');
    if (ti < 0 || !ev.has(ti)) return;
    const raw = ev.raw(ti);
    const fam = raw[0];
    if (fam === 2) info.type = ScapFdType.Ipv4Sock;
    else if (fam === 10) info.type = raw.length >= 37 && isIpv4MappedIpv6(raw, 1) && isIpv4MappedIpv6(raw, 19) ? ScapFdType.Ipv4Sock : ScapFdType.Ipv6Sock;
    info.name = socktupleToString(raw);
    if (info.role === SocketRole.None) info.role = SocketRole.Client;
  }

  private onAccept(ev: EventView, th: ThreadInfo, type: number): void {
    const fd = ev.i64(0);
    if (fd < 0) return;
    const ti = paramIndexOf(type, 'tuple');
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
    th.fds.set(fd, info);
  }

  private onClose(ev: EventView, th: ThreadInfo, _type: number): void {
    if (ev.i64(0) < 0) return;
    const fd = this.eventFd(ev, th);
    if (fd < 0 || !th.fds.get(fd)) return;
    this.pendingFdTable = th.fds;
    this.pendingFd = fd;
  }

  private onDup(ev: EventView, th: ThreadInfo, type: number): void {
    const res = ev.i64(0);
    if (res < 0) return;
    const oi = paramIndexOf(type, 'oldfd');
    const old = oi >= 0 && ev.has(oi) ? ev.i64(oi) : this.eventFd(ev, th);
    const src = th.fds.get(old);
    if (!src || res === old) return;
    th.fds.set(res, { ...src });
  }

  private onFcntl(ev: EventView, th: ThreadInfo, type: number): void {
    const res = ev.i64(0);
    if (res < 0) return;
    const ci = paramIndexOf(type, 'cmd');
    let cmd = -1;
    if (ci >= 0 && ev.has(ci)) cmd = ev.u8(ci);
    if (cmd !== PPM_FCNTL_F_DUPFD && cmd !== PPM_FCNTL_F_DUPFD_CLOEXEC) return;
    const src = th.fds.get(this.eventFd(ev, th));
    if (src) th.fds.set(res, { ...src });
  }

  private onPipe(ev: EventView, th: ThreadInfo, type: number): void {
    if (ev.i64(0) < 0) return;
    const f1 = paramIndexOf(type, 'fd1'), f2 = paramIndexOf(type, 'fd2'), ii = paramIndexOf(type, 'ino');
    const ino = ii >= 0 ? ev.u64n(ii) : 0n;
    for (const i of [f1, f2]) {
      if (i < 0 || !ev.has(i)) continue;
      const info = newFdInfo(ScapFdType.Fifo);
      info.ino = ino;
      th.fds.set(ev.i64(i), info);
    }
  }

  /** An unconnected inet socket used with sendto()/sendmsg() takes its name from the destination. */
  private onSend(ev: EventView, th: ThreadInfo, type: number): void {
    if (ev.i64(0) < 0) return;
    const info = th.fds.get(this.eventFd(ev, th));
    if (!info || info.role !== SocketRole.None) return;
    if (info.type !== ScapFdType.Ipv4Sock && info.type !== ScapFdType.Ipv6Sock) return;
    const ti = paramIndexOf(type, 'tuple');
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
  }

  private onSocketpair(ev: EventView, th: ThreadInfo, type: number): void {
    if (ev.i64(0) < 0) return;
    for (const n of ['fd1', 'fd2']) {
      const i = paramIndexOf(type, n);
      if (i >= 0 && ev.has(i)) th.fds.set(ev.i64(i), newFdInfo(ScapFdType.UnixSock));
    }
  }

  private addSimple(ev: EventView, th: ThreadInfo, ftype: ScapFdType): void {
    const fd = ev.i64(0);
    if (fd >= 0 && ev.has(0)) th.fds.set(fd, newFdInfo(ftype));
  }

  private onExecve(ev: EventView, th: ThreadInfo, type: number): void {
    if (ev.i64(0) < 0) return;
    const n = ev.paramCount();
    const exe = paramIndexOf(type, 'exe'), args = paramIndexOf(type, 'args'), comm = paramIndexOf(type, 'comm');
    if (exe >= 0 && exe < n) th.exe = ev.str(exe);
    if (args >= 0 && args < n) th.args = ev.strList(args);
    if (comm >= 0 && comm < n) th.comm = ev.str(comm);
    else if (exe >= 0 && exe < n) th.comm = basename(th.exe);
    const pid = paramIndexOf(type, 'pid');
    if (pid >= 0 && pid < n && ev.has(pid)) th.pid = ev.i64(pid);
    const ptid = paramIndexOf(type, 'ptid');
    if (ptid >= 0 && ptid < n && ev.has(ptid)) th.ptid = ev.i64(ptid);
    const cwd = paramIndexOf(type, 'cwd');
    if (cwd >= 0 && cwd < n && ev.has(cwd)) th.cwd = ev.str(cwd);
  }

  private onClone(ev: EventView, parentOrSelf: ThreadInfo | undefined): void {
    const type = ev.type;
    const res = ev.i64(0);
    if (res < 0) return;
    const n = ev.paramCount();
    const get = (name: string) => { const i = paramIndexOf(type, name); return i >= 0 && i < n ? i : -1; };
    const fi = get('flags');
    const flags = fi >= 0 ? ev.u32(fi) : 0;
    const exeI = get('exe'), argsI = get('args'), commI = get('comm'), cwdI = get('cwd');
    const vtidI = res === 0 ? get('vtid') : -1, vpidI = res === 0 ? get('vpid') : -1;
    let childTid: number, childPid: number, ptid: number;
    let parent: ThreadInfo | undefined;
    if (res === 0) {
      // The child's own return: its tid/pid/ptid are in the params.
      if (parentOrSelf !== undefined) return;
      const pi = get('pid'), pti = get('ptid');
      childTid = ev.tid;
      childPid = pi >= 0 ? ev.i64(pi) : ev.tid;
      ptid = pti >= 0 ? ev.i64(pti) : 0;
      parent = this.threads.get(ptid);
    } else {
      if (this.threads.get(res) !== undefined) return;
      parent = parentOrSelf;
      // In a child pid namespace the returned id is the namespaced one: the child-side event will tell more.
      if (parent !== undefined && (parent.inPidNs || (parent.vtid >= 0 && parent.vtid !== parent.tid))) return;
      childTid = res;
      childPid = (flags & PPM_CL_CLONE_THREAD) !== 0 ? (parent?.pid ?? ev.tid) : res;
      ptid = ev.tid;
    }
    const sameProcess = (flags & PPM_CL_CLONE_THREAD) !== 0;
    let fds: FdTable;
    if (parent !== undefined && (sameProcess || (flags & PPM_CL_CLONE_FILES) !== 0)) fds = parent.fds;
    else if (parent !== undefined) fds = parent.fds.clone();
    else fds = new FdTable(this.fdLimit);
    const exe = exeI >= 0 ? ev.str(exeI) : parent?.exe ?? '';
    this.threads.add({
      tid: childTid, pid: childPid, ptid,
      comm: commI >= 0 ? ev.str(commI) : basename(exe),
      exe, exepath: parent?.exepath ?? '',
      args: argsI >= 0 ? ev.strList(argsI) : parent?.args.slice() ?? [],
      cwd: cwdI >= 0 ? ev.str(cwdI) : parent?.cwd ?? '',
      uid: parent?.uid ?? 0, gid: parent?.gid ?? 0,
      vtid: vtidI >= 0 ? ev.i64(vtidI) : -1, vpid: vpidI >= 0 ? ev.i64(vpidI) : -1,
      inPidNs: (flags & PPM_CL_CHILD_IN_PIDNS) !== 0 || (parent?.inPidNs ?? false),
      fds, enter: newEnterState(),
    });
  }

  private onChdir(ev: EventView, th: ThreadInfo, type: number): void {
    if (ev.i64(0) < 0) return;
    const pi = paramIndexOf(type, 'path');
    if (pi < 0 || !ev.has(pi)) return;
    th.cwd = concatenatePaths(th.cwd, ev.str(pi));
  }

  private onFchdir(ev: EventView, th: ThreadInfo): void {
    if (ev.i64(0) < 0) return;
    const info = th.fds.get(this.eventFd(ev, th));
    if (info) th.cwd = info.name;
  }
}

function basename(p: string): string {
  const i = p.lastIndexOf('/');
  return i >= 0 ? p.slice(i + 1) : p;
}

/** libsinsp concatenate_paths: join a relative path to a base and normalise `.`, `..` and `//`. */
export function concatenatePaths(base: string, path: string): string {
  const full = path.startsWith('/') ? path : (base.endsWith('/') || base === '' ? base : base + '/') + path;
  const parts: string[] = [];
  for (const seg of full.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') { parts.pop(); continue; }
    parts.push(seg);
  }
  return '/' + parts.join('/');
}

/** The fd name libsinsp derives from a metadata fd entry. */
export function fdFromMetadata(e: FdEntry): FdInfo {
  let type = e.type;
  if (type === ScapFdType.FileV2) type = ScapFdType.File;
  const info = newFdInfo(type, e.name);
  info.openFlags = e.openFlags;
  info.ino = e.ino;
  info.dev = e.dev;
  switch (e.type) {
    case ScapFdType.Ipv4Sock:
      info.l4proto = (e.l4proto ?? 0) as L4Proto;
      info.name = `${ipv4ToString(e.sip!)}:${e.sport}->${ipv4ToString(e.dip!)}:${e.dport}`;
      break;
    case ScapFdType.Ipv6Sock:
      info.l4proto = (e.l4proto ?? 0) as L4Proto;
      info.name = isIpv4MappedIpv6(e.sip!) && isIpv4MappedIpv6(e.dip!)
        ? `${ipv4ToString(e.sip!, 12)}:${e.sport}->${ipv4ToString(e.dip!, 12)}:${e.dport}`
        : `${ipv6ToString(e.sip!)}:${e.sport}->${ipv6ToString(e.dip!)}:${e.dport}`;
      break;
    case ScapFdType.Ipv4ServSock:
      info.l4proto = (e.l4proto ?? 0) as L4Proto;
      info.name = `${ipv4ToString(e.sip!)}:${e.sport}`;
      info.role = SocketRole.Server;
      break;
    case ScapFdType.Ipv6ServSock:
      info.l4proto = (e.l4proto ?? 0) as L4Proto;
      info.name = `${ipv6ToString(e.sip!)}:${e.sport}`;
      info.role = SocketRole.Server;
      break;
    default:
      break;
  }
  return info;
}
