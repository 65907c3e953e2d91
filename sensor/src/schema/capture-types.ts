// Shapes shared by every event source (live probe, .scap reader) and every consumer (state, writer).
// A source yields metadata (machine, threads, fds, users, interfaces) and batches of ppm records.

/** A batch of ppm records (Falco's 26-byte header + length array + params) inside one byte buffer. */
export interface EventBatch {
  /** Backing bytes; records are read in place. */
  readonly bytes: Uint8Array;
  /** DataView over the same memory as `bytes` (byteOffset 0 = bytes[0]). */
  readonly view: DataView;
  /** Byte offset (into `bytes`) of each record's ppm header. */
  readonly offsets: Uint32Array;
  /** CPU of each record. */
  readonly cpus: Uint16Array;
  /** Number of valid entries in offsets/cpus. */
  readonly count: number;
}

export interface MachineInfo {
  numCpus: number;
  memorySizeBytes: bigint;
  maxPid: bigint;
  hostname: string;
  bootTsEpoch: bigint;
  flags: bigint;
}

/** One thread from a process list block (fields a version lacks are left at their zero value). */
export interface ThreadEntry {
  tid: number;
  pid: number;
  ptid: number;
  sid: number;
  vpgid: number;
  pgid: number;
  comm: string;
  exe: string;
  exepath: string;
  /** argv[1..] (not argv[0], which is `exe`), as libsinsp keeps them. */
  args: string[];
  cwd: string;
  fdlimit: bigint;
  flags: number;
  uid: number;
  gid: number;
  vmsizeKb: number;
  vmrssKb: number;
  vmswapKb: number;
  pfMajor: bigint;
  pfMinor: bigint;
  env: string[];
  vtid: number;
  vpid: number;
  /** "subsys=/path" strings. */
  cgroups: string[];
  root: string;
  pidnsInitStartTs: bigint;
  tty: number;
  loginuid: number;
  exeWritable: boolean;
  capInheritable: bigint;
  capPermitted: bigint;
  capEffective: bigint;
  exeUpperLayer: boolean;
  exeLowerLayer: boolean;
  exeFromMemfd: boolean;
  exeIno: bigint;
  exeInoCtime: bigint;
  exeInoMtime: bigint;
}

/** scap_fd_type values (libscap scap.h). */
export const enum ScapFdType {
  Unknown = 0, File = 1, Directory = 2, Ipv4Sock = 3, Ipv6Sock = 4, Ipv4ServSock = 5, Ipv6ServSock = 6,
  Fifo = 7, UnixSock = 8, Event = 9, Unsupported = 10, Signalfd = 11, EventPoll = 12, Inotify = 13,
  Timerfd = 14, Netlink = 15, FileV2 = 16, Bpf = 17, Userfaultfd = 18, IoUring = 19, Memfd = 20, Pidfd = 21,
}

export interface FdEntry {
  fd: number;
  ino: bigint;
  type: ScapFdType;
  /** File path, unix socket path, or the name other types carry. */
  name: string;
  openFlags: number;
  dev: number;
  /** IPv4: 4 bytes; IPv6: 16 bytes (network order). Server sockets use `sip`/`sport` only. */
  sip?: Uint8Array;
  dip?: Uint8Array;
  sport?: number;
  dport?: number;
  l4proto?: number;
  /** Unix sockets: kernel pointers of both ends. */
  unixSource?: bigint;
  unixDest?: bigint;
}

export interface UserEntry { uid: number; gid: number; name: string; homedir: string; shell: string }
export interface GroupEntry { gid: number; name: string }

export interface InterfaceEntry {
  family: 'ipv4' | 'ipv6';
  name: string;
  /** Raw address bytes (network order). */
  addr: Uint8Array;
  netmask: Uint8Array;
  bcast: Uint8Array;
  linkspeed: bigint;
}

/** Metadata of one section: what a .scap file carries before its events, or what live start reads from /proc. */
export interface CaptureMetadata {
  machine?: MachineInfo;
  threads: ThreadEntry[];
  /** fds per tid. */
  fds: Map<number, FdEntry[]>;
  users: UserEntry[];
  groups: GroupEntry[];
  interfaces: InterfaceEntry[];
}
