// Per-process file descriptor table: what each open fd is (type, name, socket role) so events can print
// `fd=3(<f>/etc/passwd)` as sysdig does. Bounded: past `limit` entries the oldest-inserted fd is dropped.
import { ScapFdType } from '../schema/capture-types.js';

/** scap_l4_proto values (libscap scap.h). */
export const enum L4Proto { Unknown = 0, Na = 1, Tcp = 2, Udp = 3, Icmp = 4, Raw = 5 }

/** Socket role as libsinsp tracks it: the l4 protocol letter is only shown once a role is known. */
export const enum SocketRole { None = 0, Client = 1, Server = 2 }

export interface FdInfo {
  type: ScapFdType;
  /** Path for files; `sip:sport->dip:dport` for connected sockets; `ip:port` for bound ones. */
  name: string;
  openFlags: number;
  l4proto: L4Proto;
  role: SocketRole;
  ino: bigint;
  dev: number;
  /** A connect() succeeded (or is in progress) on this socket. */
  connected: boolean;
}

export const DEFAULT_FDS_PER_PROCESS = 65536;

export class FdTable {
  private readonly fds = new Map<number, FdInfo>();

  constructor(readonly limit = DEFAULT_FDS_PER_PROCESS) {}

  get size(): number { return this.fds.size; }
  get(fd: number): FdInfo | undefined { return this.fds.get(fd); }

  set(fd: number, info: FdInfo): FdInfo {
    if (!this.fds.has(fd) && this.fds.size >= this.limit) {
      const oldest = this.fds.keys().next();
      if (!oldest.done) this.fds.delete(oldest.value);
    }
    this.fds.set(fd, info);
    return info;
  }

  delete(fd: number): boolean { return this.fds.delete(fd); }

  /** A copy for a forked process (fork duplicates the descriptor table). */
  clone(): FdTable {
    const copy = new FdTable(this.limit);
    for (const [fd, info] of this.fds) copy.fds.set(fd, { ...info });
    return copy;
  }

  entries(): IterableIterator<[number, FdInfo]> { return this.fds.entries(); }
}

export function newFdInfo(type: ScapFdType, name = ''): FdInfo {
  return { type, name, openFlags: 0, l4proto: L4Proto.Unknown, role: SocketRole.None, ino: 0n, dev: 0, connected: false };
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
