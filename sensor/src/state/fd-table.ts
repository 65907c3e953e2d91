// Per-process file descriptor table: what each open fd is (type, name, socket role) so events can print
// `fd=3(<f>/etc/passwd)` as sysdig does and fd.* fields read. Bounded per process; counters shared per state.
import { ScapFdType } from '../schema/capture-types.js';

/** scap_l4_proto values (libscap scap.h). */
export const enum L4Proto { Unknown = 0, Na = 1, Tcp = 2, Udp = 3, Icmp = 4, Raw = 5 }

/** Socket role as libsinsp tracks it: the l4 protocol letter is only shown once a role is known. */
export const enum SocketRole { None = 0, Client = 1, Server = 2 }

/** PPM_AF_* socket families as events carry them (fd.family reads these). */
export const enum SockFamily { None = 0, Unix = 1, Inet = 2, Inet6 = 10, Netlink = 16 }

/**
 * One open file descriptor as libsinsp's sinsp_fdinfo knows it. Socket ends follow libsinsp's tuple
 * orientation: the client end is `cip:cport`, the server end `sip:sport`, whichever side this process is on
 * (connect() makes it the client, accept() the server); `role` says which, so fd.lip/fd.rip pick the right one.
 */
export interface FdInfo {
  /** The fd number. fd.num */
  fd: number;
  /** scap fd type. fd.type; fd.typechar is `fdTypeChar(type)`. */
  type: ScapFdType;
  /**
   * fd.name: the resolved absolute path for files and directories (dirfd/cwd + relative path, normalised);
   * `cip:cport->sip:sport` for connected inet sockets; `ip:port` for bound ones; the path for unix sockets.
   */
  name: string;
  /** fd.nameraw: the path exactly as the opening event gave it (before resolution); '' when unknown. */
  nameRaw: string;
  /** PPM_O_* open flags (open/openat/creat/memfd_create; from /proc fdinfo for snapshot fds). */
  openFlags: number;
  /** L4 protocol of sockets (scap_l4_proto). fd.l4proto */
  l4proto: L4Proto;
  /** Client or server side (None until connect/accept/bind/listen/send says). fd.is_server etc. */
  role: SocketRole;
  /** Inode number (files, pipes, memfd). fd.ino */
  ino: bigint;
  /** Device number, kernel encoding (major << 20 | minor). fd.dev */
  dev: number;
  /** Connected: a connect() succeeded (or is in progress), accept() made it, or a read/write on it succeeded. fd.connected */
  connected: boolean;
  /** Socket family (SockFamily; 0 for non-sockets). */
  family: SockFamily;
  /** Client end of an inet socket: textual IP ('' unknown) and port (0). fd.cip / fd.cport */
  cip: string;
  cport: number;
  /** Server end of an inet socket (for a listening socket, its bound address). fd.sip / fd.sport */
  sip: string;
  sport: number;
  /** Unix sockets: kernel addresses of this end and of the peer (0n unknown). */
  unixSource: bigint;
  unixDest: bigint;
}

export const DEFAULT_FDS_PER_PROCESS = 65536;

/** Counters shared by every fd table of one SystemState (HOUSE-STYLE 12). */
export interface FdStats {
  /** Open fds across all live tables. */
  size: number;
  /** fds dropped because a process's table was full (oldest-opened first). */
  evictions: number;
  /** fds removed by close (and failed-later cleanups). */
  removals: number;
  /** Live fd tables (one per process, or per CLONE_FILES group). */
  tables: number;
}

export function newFdStats(): FdStats { return { size: 0, evictions: 0, removals: 0, tables: 0 }; }

/** fds below this live in an array slot (fds are small, dense integers); larger ones in a Map. */
const DENSE_FDS = 1024;

/**
 * One process's fd table (shared by its threads). Bounded per process: past `limit` fds the oldest-opened is
 * dropped (processes hold few fds and churn them in order, so opening order is a fine stand-in for LRU and
 * costs nothing per lookup). Reference-counted by the threads sharing it so the global size stays exact.
 * Storage: an array indexed by fd for fds < 1024 (an open/close pair costs a store each, where a Map's
 * set+delete cost ~65 ns) and a Map above; `opened` numbers each fd's opening for the eviction order.
 */
export class FdTable {
  private dense: (FdInfo | undefined)[] = new Array(16);
  private opened: number[] = new Array(16).fill(0);
  private big: Map<number, FdInfo> | null = null;
  private bigOpened: Map<number, number> | null = null;
  private count = 0;
  private seq = 0;
  /** Threads using this table; when it drops to 0 its fds leave the global count. */
  refs = 0;

  constructor(readonly limit = DEFAULT_FDS_PER_PROCESS, readonly stats: FdStats = newFdStats()) {}

  get size(): number { return this.count; }

  get(fd: number): FdInfo | undefined {
    if (fd >= 0 && fd < DENSE_FDS) return fd < this.dense.length ? this.dense[fd] : undefined;
    return this.big === null ? undefined : this.big.get(fd);
  }

  has(fd: number): boolean { return this.get(fd) !== undefined; }

  set(fd: number, info: FdInfo): FdInfo {
    info.fd = fd;
    if (fd >= 0 && fd < DENSE_FDS) {
      if (fd >= this.dense.length) this.grow(fd);
      if (this.dense[fd] === undefined) { this.added(); this.opened[fd] = ++this.seq; }
      this.dense[fd] = info;
      return info;
    }
    if (this.big === null) { this.big = new Map(); this.bigOpened = new Map(); }
    if (!this.big.has(fd)) { this.added(); this.bigOpened!.set(fd, ++this.seq); }
    this.big.set(fd, info);
    return info;
  }

  delete(fd: number): boolean {
    if (fd >= 0 && fd < DENSE_FDS) {
      if (fd >= this.dense.length || this.dense[fd] === undefined) return false;
      this.dense[fd] = undefined;
    } else {
      if (this.big === null || !this.big.delete(fd)) return false;
      this.bigOpened!.delete(fd);
    }
    this.count--;
    this.stats.removals++;
    if (this.refs > 0) this.stats.size--;
    return true;
  }

  /** A thread starts using this table. */
  retain(): this {
    if (this.refs++ === 0) { this.stats.size += this.count; this.stats.tables++; }
    return this;
  }

  /** A thread stops using this table (exit or eviction). */
  release(): void {
    if (this.refs <= 0) return;
    if (--this.refs === 0) { this.stats.size -= this.count; this.stats.tables--; }
  }

  /** A copy for a forked process (fork duplicates the descriptor table); shares the counters. */
  clone(): FdTable {
    const copy = new FdTable(this.limit, this.stats);
    const n = this.dense.length;
    copy.dense = new Array(n);
    copy.opened = this.opened.slice();
    for (let fd = 0; fd < n; fd++) { const info = this.dense[fd]; if (info !== undefined) copy.dense[fd] = { ...info }; }
    if (this.big !== null) {
      copy.big = new Map();
      for (const [fd, info] of this.big) copy.big.set(fd, { ...info });
      copy.bigOpened = new Map(this.bigOpened!);
    }
    copy.count = this.count;
    copy.seq = this.seq;
    return copy;
  }

  /** Drops every fd (execve closes O_CLOEXEC ones: libsinsp drops those with PPM_O_CLOEXEC). */
  deleteWhere(pred: (info: FdInfo) => boolean): void {
    for (const [fd, info] of this.entries()) if (pred(info)) this.delete(fd);
  }

  /** Every fd, in fd order below 1024, then in opening order. */
  *entries(): IterableIterator<[number, FdInfo]> {
    const dense = this.dense;
    for (let fd = 0; fd < dense.length; fd++) { const info = dense[fd]; if (info !== undefined) yield [fd, info]; }
    if (this.big !== null) yield* this.big.entries(); // a Map iterator survives deletes (deleteWhere)
  }

  /** A new fd is about to be stored: count it, evicting the oldest-opened one when the table is full. */
  private added(): void {
    if (this.count >= this.limit) this.evictOldest();
    this.count++;
    if (this.refs > 0) this.stats.size++;
  }

  private evictOldest(): void {
    let victim = -1, oldest = Infinity;
    const dense = this.dense;
    for (let fd = 0; fd < dense.length; fd++) if (dense[fd] !== undefined && this.opened[fd] < oldest) { oldest = this.opened[fd]; victim = fd; }
    if (this.bigOpened !== null) {
      for (const [fd, seq] of this.bigOpened) { if (seq < oldest) { oldest = seq; victim = fd; } break; } // Map order = opening order
    }
    if (oldest === Infinity) return;
    if (victim >= 0 && victim < DENSE_FDS) this.dense[victim] = undefined;
    else { this.big!.delete(victim); this.bigOpened!.delete(victim); }
    this.count--;
    this.stats.evictions++;
    if (this.refs > 0) this.stats.size--;
  }

  private grow(fd: number): void {
    const n = Math.min(DENSE_FDS, Math.max(fd + 1, this.dense.length * 2));
    const dense: (FdInfo | undefined)[] = new Array(n);
    const opened: number[] = new Array(n).fill(0);
    for (let i = 0; i < this.dense.length; i++) { dense[i] = this.dense[i]; opened[i] = this.opened[i]; }
    this.dense = dense;
    this.opened = opened;
  }
}

export function newFdInfo(type: ScapFdType, name = ''): FdInfo {
  return {
    fd: -1, type, name, nameRaw: '', openFlags: 0, l4proto: L4Proto.Unknown, role: SocketRole.None, ino: 0n, dev: 0,
    connected: false, family: SockFamily.None, cip: '', cport: 0, sip: '', sport: 0, unixSource: 0n, unixDest: 0n,
  };
}

/** libsinsp sinsp_fdinfo::get_typechar. */
export function fdTypeChar(type: ScapFdType): string {
  switch (type) {
    case ScapFdType.File: case ScapFdType.FileV2: return 'f';
    case ScapFdType.Directory: return 'd';
    case ScapFdType.Ipv4Sock: case ScapFdType.Ipv4ServSock: return '4';
    case ScapFdType.Ipv6Sock: case ScapFdType.Ipv6ServSock: return '6';
    case ScapFdType.Fifo: return 'p';
    case ScapFdType.UnixSock: return 'u';
    case ScapFdType.Event: return 'e';
    case ScapFdType.Unknown: case ScapFdType.Unsupported: return 'o';
    case ScapFdType.Signalfd: return 's';
    case ScapFdType.EventPoll: return 'l';
    case ScapFdType.Inotify: return 'i';
    case ScapFdType.Timerfd: return 't';
    case ScapFdType.Netlink: return 'n';
    case ScapFdType.Bpf: return 'b';
    case ScapFdType.Userfaultfd: return 'u';
    case ScapFdType.IoUring: return 'r';
    case ScapFdType.Memfd: return 'm';
    case ScapFdType.Pidfd: return 'P';
    default: return '?';
  }
}

/** The l4 protocol letter sysdig appends to socket type chars (`<4t>`), or '' when unknown / no role yet. */
export function l4Char(info: FdInfo): string {
  const t = info.type;
  const sock = t === ScapFdType.Ipv4Sock || t === ScapFdType.Ipv6Sock;
  const serv = t === ScapFdType.Ipv4ServSock || t === ScapFdType.Ipv6ServSock;
  if (!sock && !serv) return '';
  let p = info.l4proto;
  if (sock && p !== L4Proto.Raw && info.role === SocketRole.None) p = L4Proto.Na;
  switch (p) {
    case L4Proto.Tcp: return 't';
    case L4Proto.Udp: return 'u';
    case L4Proto.Icmp: return 'i';
    case L4Proto.Raw: return 'r';
    default: return '';
  }
}
