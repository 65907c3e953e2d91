// fd.*: the file descriptor an event uses, creates or closes (libsinsp sinsp_filter_check_fd). Only events
// flagged EF_CREATES_FD/EF_USES_FD/EF_DESTROYS_FD of a known thread have an fd; socket fields need a role.
import { EVENTS } from '../../schema/index.js';
import { ScapFdType } from '../../schema/capture-types.js';
import { paramIndexOf, concatenatePaths } from '../../state/system-state.js';
import { SocketRole, fdTypeChar, l4Char } from '../../state/fd-table.js';
import type { FieldContext, FdView, SocketEnds } from './context.js';
import { field, type FieldDef, type FieldValue } from './types.js';

/** libsinsp sinsp_fdinfo::get_typestring. */
const FD_TYPE_NAMES: Record<number, string> = {
  [ScapFdType.File]: 'file', [ScapFdType.FileV2]: 'file', [ScapFdType.Directory]: 'directory',
  [ScapFdType.Ipv4Sock]: 'ipv4', [ScapFdType.Ipv6Sock]: 'ipv6', [ScapFdType.Ipv4ServSock]: 'ipv4', [ScapFdType.Ipv6ServSock]: 'ipv6',
  [ScapFdType.Fifo]: 'pipe', [ScapFdType.UnixSock]: 'unix', [ScapFdType.Event]: 'event', [ScapFdType.Signalfd]: 'signalfd',
  [ScapFdType.EventPoll]: 'eventpoll', [ScapFdType.Inotify]: 'inotify', [ScapFdType.Timerfd]: 'timerfd',
  [ScapFdType.Netlink]: 'netlink', [ScapFdType.Bpf]: 'bpf', [ScapFdType.Userfaultfd]: 'userfaultfd',
  [ScapFdType.IoUring]: 'io_uring', [ScapFdType.Memfd]: 'memfd', [ScapFdType.Pidfd]: 'pidfd',
};

/** Type char libsinsp guesses from the event (PPME_MAKE_ENTER) when its fd is not in the table. */
const ENTER_TYPECHAR: readonly string[] = EVENTS.map((e) => {
  switch (e.name) {
    case 'open': case 'openat': case 'openat2': case 'creat': return 'f';
    case 'socket': case 'accept': case 'accept4': return '4';
    case 'pipe': case 'pipe2': return 'p';
    case 'eventfd': case 'eventfd2': return 'e';
    case 'signalfd': case 'signalfd4': return 's';
    case 'timerfd_create': return 't';
    case 'inotify_init': case 'inotify_init1': return 'i';
    default: return 'o';
  }
});

/** Where an fd-creating exit event names its target when the fd is not in the table (a failed call). */
const CREATOR: Uint8Array = Uint8Array.from(EVENTS, (e) => {
  if (e.dir !== '<') return 0;
  if (['open', 'creat', 'accept', 'accept4', 'connect'].includes(e.name)) return 1;
  if (['openat', 'openat2'].includes(e.name)) return 2;
  if (e.name === 'open_by_handle_at') return 3;
  return 0;
});

const CONNECT = Uint8Array.from(EVENTS, (e) => (e.name === 'connect' ? 1 : 0));
const isConnect = (type: number): boolean => type < CONNECT.length && CONNECT[type] === 1;
const isFile = (fd: FdView): boolean => fd.type === ScapFdType.File || fd.type === ScapFdType.FileV2;
const isSock = (fd: FdView): boolean => fd.type === ScapFdType.Ipv4Sock || fd.type === ScapFdType.Ipv6Sock;

/** Collapses `//` runs (libsinsp remove_duplicate_path_separators). */
function dedupSlashes(s: string): string { return s.includes('//') ? s.replace(/\/{2,}/g, '/') : s; }

/** libsinsp extract_fdname_from_creator: the name an exit event gives when its fd is unknown. */
function nameFromCreator(c: FieldContext, raw: boolean): string | undefined {
  const ev = c.ev;
  if (c.isEnter()) return undefined;
  const kind = ev.type < CREATOR.length ? CREATOR[ev.type] : 0;
  if (kind === 0) return '';
  if (kind === 1) {
    if (ev.paramCount() < 2) return '';
    c.params.param(ev, 1);
    return c.params.resolved !== '' ? c.params.resolved : c.params.value;
  }
  if (kind === 3) { const i = paramIndexOf(ev.type, 'path'); return i >= 0 ? ev.str(i) : ''; }
  const ni = paramIndexOf(ev.type, 'name'), di = paramIndexOf(ev.type, 'dirfd');
  const th = c.thread();
  let name = ni >= 0 && ev.has(ni) ? ev.str(ni) : '';
  let dirfd = di >= 0 && ev.has(di) ? ev.i64(di) : -100;
  if (ni < 0 || !ev.has(ni)) {
    // Old openat exits carry name/dirfd on the enter event only.
    const en = th?.enter;
    if (en === undefined || en.type !== ev.type - 1) return undefined;
    name = en.name; dirfd = en.dirfd;
  }
  if (raw) return name;
  if (name.startsWith('/') || th === undefined) return concatenatePaths('', name);
  const base = dirfd === -100 ? th.cwd : (th.fds.get(dirfd)?.name ?? '');
  return concatenatePaths(base, name);
}

/** fd present → f(fd); fd event without a known fd → the null-fd fallback (default none). */
const withFd = (f: (fd: FdView, c: FieldContext) => FieldValue, onNull?: (c: FieldContext) => FieldValue) => (c: FieldContext): FieldValue => {
  const fd = c.fd();
  if (fd !== undefined) return f(fd, c);
  return onNull !== undefined && c.isFdEvent() ? onNull(c) : undefined;
};

/** The socket's ends when it is an inet socket with a known role. */
function ends(c: FieldContext): SocketEnds | undefined {
  const fd = c.fd();
  if (fd === undefined || fd.role === SocketRole.None) return undefined;
  return c.socketEnds();
}

function clientEnd(c: FieldContext): SocketEnds | undefined {
  const e = ends(c);
  return e === undefined || e.server ? undefined : e;
}

/** local/remote: the client end is local when its address is one of the machine's (libsinsp is_local). */
function localIsClient(c: FieldContext, e: SocketEnds): boolean { return c.isLocalAddress(e.cip); }

/** libsinsp m_lastevent_fd: a failed fd-creating exit (fd=-ENOENT) created no fd and leaves it at -1. */
function lastEventFd(c: FieldContext): number {
  const n = c.fdNumber();
  return n < 0 && c.createsFd() && !c.isEnter() ? -1 : n;
}

/** libsinsp chains the thread's m_container_id, which is empty (not 'host') for host processes. */
function rawContainerId(c: FieldContext): string {
  const id = c.thread()?.containerId;
  return id === undefined || id === 'host' ? '' : id;
}

/** `id:name` as libsinsp chains them (extract_from_null_fd too: the name the creating event gives). */
function withName(c: FieldContext, name: string | undefined): string | undefined {
  return name === undefined ? undefined : `${rawContainerId(c)}:${name}`;
}

/**
 * Remembers the last answer: rules read fd.directory/fd.filename on every open, and a process opens the same
 * paths over and over (the check is a string compare; the slice it saves is an allocation per event).
 */
function lastOf(f: (name: string) => string): (name: string) => string {
  let lastName = '', lastValue = f('');
  return (name) => {
    if (name !== lastName) { lastValue = f(name); lastName = name; }
    return lastValue;
  };
}

const directoryOf = lastOf((name) => {
  const pos = name.lastIndexOf('/');
  if (pos > 0) return pos < name.length - 1 ? name.slice(0, pos) : name;
  return '/';
});

/** The file name of a path ('/' for names without a slash, the whole name when it ends in one). */
const fileNameOf = lastOf((n) => {
  const p = n.lastIndexOf('/');
  return p >= 0 ? (p < n.length - 1 ? n.slice(p + 1) : n) : '/';
});

function fdNameChanged(c: FieldContext): boolean {
  // Prefer the state's own record of an fd rename by this event when it provides one.
  const flag = (c.state as unknown as { fdNameChanged?: boolean }).fdNameChanged;
  if (flag !== undefined) return flag;
  const ev = c.ev;
  if (c.isEnter()) return false;
  const name = EVENTS[ev.type]?.name;
  if (name === 'connect') { const r = ev.i64(0); return r >= 0 || r === -115; }
  // A successful fd-creating exit names a new fd.
  return c.createsFd() && c.fdNumber() >= 0;
}

const sockValue = (pick: (e: SocketEnds, c: FieldContext) => FieldValue) => (c: FieldContext): FieldValue => {
  const fd = c.fd();
  if (fd === undefined || !isSock(fd)) return undefined;
  const e = clientEnd(c);
  return e === undefined ? undefined : pick(e, c);
};

const portText = (p: number | undefined): string | undefined => (p === undefined ? undefined : String(p));

function serverIp(c: FieldContext): string | undefined { return ends(c)?.sip; }
function serverPort(c: FieldContext): number | undefined { return ends(c)?.sport; }
function clientIp(c: FieldContext): string | undefined { const e = clientEnd(c); return e?.cip; }
function clientPort(c: FieldContext): number | undefined { const e = clientEnd(c); return e?.cport; }
function localIp(c: FieldContext): string | undefined { const e = clientEnd(c); return e === undefined ? undefined : localIsClient(c, e) ? e.cip : e.sip; }
function remoteIp(c: FieldContext): string | undefined { const e = clientEnd(c); return e === undefined ? undefined : localIsClient(c, e) ? e.sip : e.cip; }
function localPort(c: FieldContext): number | undefined { const e = clientEnd(c); return e === undefined ? undefined : localIsClient(c, e) ? e.cport : e.sport; }
function remotePort(c: FieldContext): number | undefined { const e = clientEnd(c); return e === undefined ? undefined : localIsClient(c, e) ? e.sport : e.cport; }

/** Both addresses (or ports) of the socket, for the filter-only fields that match either end. */
function bothEnds(c: FieldContext, ports: boolean): readonly string[] | undefined {
  const e = ends(c);
  if (e === undefined) return undefined;
  if (e.server) return [ports ? String(e.sport) : e.sip];
  return ports ? [String(e.cport), String(e.sport)] : [e.cip, e.sip];
}

export const FD_FIELDS: readonly FieldDef<any>[] = [
  field({
    name: 'fd.num', type: 'int64', desc: 'the fd number the event uses (libsinsp m_lastevent_fd: -1 on enter events that create one)',
    extract: (c) => (c.isFdEvent() ? lastEventFd(c) : undefined),
  }),
  field({ name: 'fd.type', type: 'charbuf', desc: "fd type: 'file', 'directory', 'ipv4', 'ipv6', 'unix', 'pipe', 'event', 'signalfd', 'eventpoll', 'inotify', 'memfd', ...", extract: withFd((fd) => FD_TYPE_NAMES[fd.type] ?? '<NA>') }),
  field({ name: 'fd.typechar', type: 'charbuf', desc: "fd type as one character: f file, d directory, 4/6 inet sockets, u unix, p pipe, e eventfd, s signalfd, l eventpoll, i inotify, b bpf, r io_uring, m memfd, o other", extract: withFd((fd) => fdTypeChar(fd.type), (c) => ENTER_TYPECHAR[c.ev.type] ?? 'o') }),
  field({ name: 'fd.name', type: 'charbuf', desc: 'full fd name: the path of files, the connection tuple of sockets (a failed open/connect gives the name it tried)', extract: withFd((fd, c) => (isConnect(c.ev.type) && !c.isEnter() && c.ev.i64(0) < 0 ? nameFromCreator(c, false) : sanitize(fd.name)), (c) => nameFromCreator(c, false)) }),
  field({ name: 'fd.nameraw', type: 'charbuf', desc: 'the path as the opening syscall gave it (not made absolute, // collapsed); empty for fds not opened during the capture', extract: withFd((fd) => dedupSlashes(fd.nameRaw ?? fd.name), (c) => { const n = nameFromCreator(c, true); return n === undefined ? undefined : dedupSlashes(n); }) }),
  field({ name: 'fd.directory', type: 'charbuf', desc: 'for files, the directory containing them; for directories, their path', extract: withFd((fd) => (isFile(fd) ? directoryOf(sanitize(fd.name)) : fd.type === ScapFdType.Directory ? sanitize(fd.name) : undefined), (c) => { const n = nameFromCreator(c, false); return n === undefined ? undefined : directoryOf(n); }) }),
  field({ name: 'fd.filename', type: 'charbuf', desc: 'for files, the file name without the path', extract: withFd((fd) => (isFile(fd) ? fileNameOf(sanitize(fd.name)) : undefined)) }),
  field({ name: 'fd.ip', type: 'ipaddr', filterOnly: true, desc: 'filter only: matches the client or server IP address; printed as the list of both', extract: (c) => bothEnds(c, false) }),
  field({ name: 'fd.cip', type: 'ipaddr', desc: 'client IP address', extract: sockValue((e) => e.cip) }),
  field({ name: 'fd.sip', type: 'ipaddr', desc: 'server IP address', extract: serverIp }),
  field({ name: 'fd.lip', type: 'ipaddr', desc: 'local IP address (the end on one of this machine\'s interfaces)', extract: localIp }),
  field({ name: 'fd.rip', type: 'ipaddr', desc: 'remote IP address', extract: remoteIp }),
  field({ name: 'fd.port', type: 'port', filterOnly: true, desc: 'filter only: matches the client or server port; printed as the list of both', extract: (c) => bothEnds(c, true) }),
  field({ name: 'fd.cport', type: 'port', desc: 'client port of TCP/UDP sockets', extract: sockValue((e) => e.cport) }),
  field({ name: 'fd.sport', type: 'port', desc: 'server port of TCP/UDP sockets', extract: serverPort }),
  field({ name: 'fd.lport', type: 'port', desc: 'local port of TCP/UDP sockets', extract: localPort }),
  field({ name: 'fd.rport', type: 'port', desc: 'remote port of TCP/UDP sockets', extract: remotePort }),
  field({ name: 'fd.proto', type: 'port', filterOnly: true, desc: 'filter only: matches the client or server protocol (port; no service-name resolution)', extract: (c) => bothEnds(c, true) }),
  field({ name: 'fd.cproto', type: 'charbuf', desc: 'client protocol (the port as text: service names are not resolved)', extract: (c) => portText(clientPort(c)) }),
  field({ name: 'fd.sproto', type: 'charbuf', desc: 'server protocol (the port as text)', extract: (c) => portText(serverPort(c)) }),
  field({ name: 'fd.lproto', type: 'charbuf', desc: 'local protocol (the port as text)', extract: (c) => portText(localPort(c)) }),
  field({ name: 'fd.rproto', type: 'charbuf', desc: 'remote protocol (the port as text)', extract: (c) => portText(remotePort(c)) }),
  field({ name: 'fd.net', type: 'ipnet', filterOnly: true, desc: 'filter only: matches the client or server IP network (e.g. fd.net=10.0.0.0/8)', extract: (c) => bothEnds(c, false) }),
  field({ name: 'fd.cnet', type: 'ipnet', filterOnly: true, desc: 'filter only: matches the client IP network', extract: clientIp }),
  field({ name: 'fd.snet', type: 'ipnet', filterOnly: true, desc: 'filter only: matches the server IP network', extract: serverIp }),
  field({ name: 'fd.lnet', type: 'ipnet', filterOnly: true, desc: 'filter only: matches the local IP network', extract: localIp }),
  field({ name: 'fd.rnet', type: 'ipnet', filterOnly: true, desc: 'filter only: matches the remote IP network', extract: remoteIp }),
  field({ name: 'fd.l4proto', type: 'charbuf', desc: "IP protocol of a socket: 'tcp', 'udp', 'icmp', 'raw' (<NA> before the socket has a role, and for non-sockets)", extract: withFd((fd) => L4_NAMES[l4Char(fd)] ?? '<NA>') }),
  field({ name: 'fd.sockfamily', type: 'charbuf', desc: "socket family: 'ip' or 'unix'", extract: withFd((fd) => (isSock(fd) || fd.type === ScapFdType.Ipv4ServSock || fd.type === ScapFdType.Ipv6ServSock ? 'ip' : fd.type === ScapFdType.UnixSock ? 'unix' : undefined)) }),
  field({
    name: 'fd.is_server', type: 'bool', desc: "'true' if this process is the server end (listening sockets, or the server address is local)",
    extract: withFd((fd, c) => {
      if (fd.type === ScapFdType.Ipv4ServSock || fd.type === ScapFdType.Ipv6ServSock) return true;
      if (!isSock(fd)) return false;
      const e = c.socketEnds();
      // libsinsp reads the server address even before the socket has one (all zeros): for IPv6, `::` shares
      // its first 64 bits with ::1 and so counts as local.
      if (e === undefined) return c.isLocalAddress(fd.type === ScapFdType.Ipv6Sock ? '::' : '0.0.0.0');
      return !e.server && c.isLocalAddress(e.sip);
    }),
  }),
  field({ name: 'fd.uid', type: 'charbuf', desc: 'the thread id and fd number chained (unique fd identifier)', extract: (c) => (c.isFdEvent() ? `${c.thread()!.tid}${lastEventFd(c)}` : undefined) }),
  field({ name: 'fd.containername', type: 'charbuf', desc: 'container id and fd name chained (id:name)', extract: withFd((fd, c) => (isConnect(c.ev.type) && !c.isEnter() && c.ev.i64(0) < 0 ? withName(c, nameFromCreator(c, false)) : `${rawContainerId(c)}:${sanitize(fd.name)}`), (c) => withName(c, nameFromCreator(c, false))) }),
  field({ name: 'fd.containerdirectory', type: 'charbuf', desc: 'container id and directory chained (id:dir)', extract: withFd((fd, c) => (isFile(fd) || fd.type === ScapFdType.Directory ? `${rawContainerId(c)}:${isFile(fd) ? directoryOf(fd.name) : fd.name}` : undefined), (c) => { const n = nameFromCreator(c, false); return n === undefined ? undefined : withName(c, directoryOf(n)); }) }),
  field({ name: 'fd.connected', type: 'bool', desc: "'true' once the socket is connected: a connect() or accept() succeeded, or a read or write on it (as libsinsp)", extract: withFd((fd) => fd.connected) }),
  field({ name: 'fd.name_changed', type: 'bool', desc: "'true' when this event changed the name of its fd (e.g. connect sets the tuple)", extract: withFd((_fd, c) => fdNameChanged(c)) }),
  field({ name: 'fd.cip.name', type: 'charbuf', desc: 'domain name of the client IP (<NA>: DNS names are not tracked yet)', extract: () => undefined }),
  field({ name: 'fd.sip.name', type: 'charbuf', desc: 'domain name of the server IP (<NA>: DNS names are not tracked yet)', extract: () => undefined }),
  field({ name: 'fd.lip.name', type: 'charbuf', desc: 'domain name of the local IP (<NA>: DNS names are not tracked yet)', extract: () => undefined }),
  field({ name: 'fd.rip.name', type: 'charbuf', desc: 'domain name of the remote IP (<NA>: DNS names are not tracked yet)', extract: () => undefined }),
  field({ name: 'fd.dev', type: 'int32', hex: true, desc: 'device number (major/minor) of the file', extract: withFd((fd) => fd.dev) }),
  field({ name: 'fd.dev.major', type: 'int32', desc: 'major device number of the file', extract: withFd((fd) => (fd.dev & 0xfff00) >>> 8) }),
  field({ name: 'fd.dev.minor', type: 'int32', desc: 'minor device number of the file', extract: withFd((fd) => (fd.dev & 0xff) | ((fd.dev >>> 12) & 0xfff00)) }),
  field({ name: 'fd.ino', type: 'int64', desc: 'inode number of the file', extract: withFd((fd) => fd.ino) }),
];

const L4_NAMES: Record<string, string> = { t: 'tcp', u: 'udp', i: 'icmp', r: 'raw' };

/** libsinsp sanitize_string: drops non-printable and non-ASCII characters. */
export function sanitize(s: string): string {
  for (let k = 0; k < s.length; k++) {
    const ch = s.charCodeAt(k);
    if (ch < 0x20 || ch >= 0x7f) return s.replace(/[^\x20-\x7e]/g, '');
  }
  return s;
}
