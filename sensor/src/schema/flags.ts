// Falco's flag and enum tables (libs driver/ppm_events_public.h values, driver/flags_table.c names) as data:
// one source of truth for the TS formatter (evt.args like `flags=4097(O_WRONLY|O_CREAT)`) and the probe's C header.
//
// Contract: every table keeps libs' row order (sinsp formats flags by walking the table in order), the printed
// name is the string sysdig prints, the value is the PPM value the drivers store (not the kernel's value).
// Tables come from a libs snapshot of driver/flags_table.c plus the rows added up to 0.25.4 that are listed in
// ADDED_SINCE_SNAPSHOT below; check them against libs 0.25.4 before relying on an exact spelling.

/** [printed name, PPM value]. */
export type FlagRow = readonly [string, number];
export type FlagTable = readonly FlagRow[];

const bit = (n: number) => 2 ** n; // 1 << 31 is negative in JS: keep values unsigned

export const FLAG_TABLES: Record<string, FlagTable> = {
  socket_families: [
    ['AF_NFC', 39], ['AF_ALG', 38], ['AF_CAIF', 37], ['AF_IEEE802154', 36], ['AF_PHONET', 35], ['AF_ISDN', 34],
    ['AF_RXRPC', 33], ['AF_IUCV', 32], ['AF_BLUETOOTH', 31], ['AF_TIPC', 30], ['AF_CAN', 29], ['AF_LLC', 26],
    ['AF_WANPIPE', 25], ['AF_PPPOX', 24], ['AF_IRDA', 23], ['AF_SNA', 22], ['AF_RDS', 21], ['AF_ATMSVC', 20],
    ['AF_ECONET', 19], ['AF_ASH', 18], ['AF_PACKET', 17], ['AF_ROUTE', 16], ['AF_NETLINK', 16], ['AF_KEY', 15],
    ['AF_SECURITY', 14], ['AF_NETBEUI', 13], ['AF_DECnet', 12], ['AF_ROSE', 11], ['AF_INET6', 10], ['AF_X25', 9],
    ['AF_ATMPVC', 8], ['AF_BRIDGE', 7], ['AF_NETROM', 6], ['AF_APPLETALK', 5], ['AF_IPX', 4], ['AF_AX25', 3],
    ['AF_INET', 2], ['AF_LOCAL', 1], ['AF_UNIX', 1], ['AF_UNSPEC', 0],
  ],
  file_flags: [
    ['O_LARGEFILE', bit(11)], ['O_DIRECTORY', bit(10)], ['O_DIRECT', bit(9)], ['O_TRUNC', bit(8)], ['O_SYNC', bit(7)],
    ['O_NONBLOCK', bit(6)], ['O_EXCL', bit(5)], ['O_DSYNC', bit(4)], ['O_APPEND', bit(3)], ['O_CREAT', bit(2)],
    ['O_RDWR', 3], ['O_WRONLY', bit(1)], ['O_RDONLY', bit(0)], ['O_CLOEXEC', bit(12)], ['O_NONE', 0],
    ['O_TMPFILE', bit(13)], ['O_F_CREATED', bit(14)],
  ],
  flock_flags: [['LOCK_SH', 1], ['LOCK_EX', 2], ['LOCK_NB', 4], ['LOCK_UN', 8], ['LOCK_NONE', 0]],
  clone_flags: [
    ['CLONE_FILES', bit(0)], ['CLONE_FS', bit(1)], ['CLONE_IO', bit(2)], ['CLONE_NEWIPC', bit(3)],
    ['CLONE_NEWNET', bit(4)], ['CLONE_NEWNS', bit(5)], ['CLONE_NEWPID', bit(6)], ['CLONE_NEWUTS', bit(7)],
    ['CLONE_PARENT', bit(8)], ['CLONE_PARENT_SETTID', bit(9)], ['CLONE_PTRACE', bit(10)], ['CLONE_SIGHAND', bit(11)],
    ['CLONE_SYSVSEM', bit(12)], ['CLONE_THREAD', bit(13)], ['CLONE_UNTRACED', bit(14)], ['CLONE_VM', bit(15)],
    ['CLONE_INVERTED', bit(16)], ['NAME_CHANGED', bit(17)], ['CLOSED', bit(18)], ['CLONE_NEWUSER', bit(20)],
    ['CLONE_CHILD_CLEARTID', bit(23)], ['CLONE_CHILD_SETTID', bit(24)], ['CLONE_SETTLS', bit(25)],
    ['CLONE_STOPPED', bit(26)], ['CLONE_VFORK', bit(27)], ['CLONE_NEWCGROUP', bit(28)],
  ],
  futex_operations: [
    ['FUTEX_CLOCK_REALTIME', 256], ['FUTEX_PRIVATE_FLAG', 128], ['FUTEX_CMP_REQUEUE_PI', 12],
    ['FUTEX_WAIT_REQUEUE_PI', 11], ['FUTEX_WAKE_BITSET', 10], ['FUTEX_WAIT_BITSET', 9], ['FUTEX_TRYLOCK_PI', 8],
    ['FUTEX_UNLOCK_PI', 7], ['FUTEX_LOCK_PI', 6], ['FUTEX_WAKE_OP', 5], ['FUTEX_CMP_REQUEUE', 4],
    ['FUTEX_REQUEUE', 3], ['FUTEX_FD', 2], ['FUTEX_WAKE', 1], ['FUTEX_WAIT', 0],
  ],
  poll_flags: [
    ['POLLIN', bit(0)], ['POLLPRI', bit(1)], ['POLLOUT', bit(2)], ['POLLRDHUP', bit(3)], ['POLLERR', bit(4)],
    ['POLLHUP', bit(5)], ['POLLNVAL', bit(6)], ['POLLRDNORM', bit(7)], ['POLLRDBAND', bit(8)],
    ['POLLWRNORM', bit(9)], ['POLLWRBAND', bit(10)],
  ],
  mount_flags: [
    ['RDONLY', bit(0)], ['NOSUID', bit(1)], ['NODEV', bit(2)], ['NOEXEC', bit(3)], ['SYNCHRONOUS', bit(4)],
    ['REMOUNT', bit(5)], ['MANDLOCK', bit(6)], ['DIRSYNC', bit(7)], ['NOATIME', bit(10)], ['NODIRATIME', bit(11)],
    ['BIND', bit(12)], ['MOVE', bit(13)], ['REC', bit(14)], ['SILENT', bit(15)], ['POSIXACL', bit(16)],
    ['UNBINDABLE', bit(17)], ['PRIVATE', bit(18)], ['SLAVE', bit(19)], ['SHARED', bit(20)], ['RELATIME', bit(21)],
    ['KERNMOUNT', bit(22)], ['I_VERSION', bit(23)], ['STRICTATIME', bit(24)], ['LAZYTIME', bit(25)],
    ['NOSEC', bit(28)], ['BORN', bit(29)], ['ACTIVE', bit(30)], ['NOUSER', bit(31)],
  ],
  umount_flags: [['FORCE', 1], ['DETACH', 2], ['EXPIRE', 4], ['NOFOLLOW', 8]],
  lseek_whence: [['SEEK_END', 2], ['SEEK_CUR', 1], ['SEEK_SET', 0]],
  shutdown_how: [['SHUT_RDWR', 2], ['SHUT_WR', 1], ['SHUT_RD', 0]],
  rlimit_resources: [
    ['RLIMIT_UNKNOWN', 255], ['RLIMIT_RTTIME', 15], ['RLIMIT_RTPRIO', 14], ['RLIMIT_NICE', 13],
    ['RLIMIT_MSGQUEUE', 12], ['RLIMIT_SIGPENDING', 11], ['RLIMIT_LOCKS', 10], ['RLIMIT_AS', 9],
    ['RLIMIT_MEMLOCK', 8], ['RLIMIT_NOFILE', 7], ['RLIMIT_NPROC', 6], ['RLIMIT_RSS', 5], ['RLIMIT_CORE', 4],
    ['RLIMIT_STACK', 3], ['RLIMIT_DATA', 2], ['RLIMIT_FSIZE', 1], ['RLIMIT_CPU', 0],
  ],
  // 64-bit build: F_GETLK64/F_SETLK64/F_SETLKW64 (17-19) are compiled out of libs' table.
  fcntl_commands: [
    ['F_GETPIPE_SZ', 29], ['F_SETPIPE_SZ', 28], ['F_NOTIFY', 27], ['F_DUPFD_CLOEXEC', 26], ['F_CANCELLK', 25],
    ['F_GETLEASE', 24], ['F_SETLEASE', 23], ['F_GETOWN_EX', 22], ['F_SETOWN_EX', 21], ['F_GETSIG', 15],
    ['F_SETSIG', 13], ['F_GETOWN', 12], ['F_SETOWN', 10], ['F_SETLKW', 9], ['F_SETLK', 8], ['F_GETLK', 6],
    ['F_SETFL', 5], ['F_GETFL', 4], ['F_SETFD', 3], ['F_GETFD', 2], ['F_DUPFD', 1], ['F_OFD_GETLK', 30],
    ['F_OFD_SETLK', 31], ['F_OFD_SETLKW', 32], ['UNKNOWN', 0],
  ],
  sockopt_levels: [['SOL_SOCKET', 1], ['SOL_TCP', 2], ['UNKNOWN', 0]],
  sockopt_options: [
    ['SO_COOKIE', 53], ['SO_MEMINFO', 52], ['SO_PEERGROUPS', 51], ['SO_ATTACH_BPF', 50], ['SO_INCOMING_CPU', 49],
    ['SO_BPF_EXTENSIONS', 48], ['SO_MAX_PACING_RATE', 47], ['SO_BUSY_POLL', 46], ['SO_SELECT_ERR_QUEUE', 45],
    ['SO_LOCK_FILTER', 44], ['SO_NOFCS', 43], ['SO_PEEK_OFF', 42], ['SO_WIFI_STATUS', 41], ['SO_RXQ_OVFL', 40],
    ['SO_DOMAIN', 39], ['SO_PROTOCOL', 38], ['SO_TIMESTAMPING', 37], ['SO_MARK', 36], ['SO_TIMESTAMPNS', 35],
    ['SO_PASSSEC', 34], ['SO_PEERSEC', 31], ['SO_ACCEPTCONN', 30], ['SO_TIMESTAMP', 29], ['SO_PEERNAME', 28],
    ['SO_DETACH_FILTER', 27], ['SO_ATTACH_FILTER', 26], ['SO_BINDTODEVICE', 25],
    ['SO_SECURITY_ENCRYPTION_NETWORK', 24], ['SO_SECURITY_ENCRYPTION_TRANSPORT', 23],
    ['SO_SECURITY_AUTHENTICATION', 22], ['SO_SNDTIMEO', 21], ['SO_RCVTIMEO', 20], ['SO_SNDLOWAT', 19],
    ['SO_RCVLOWAT', 18], ['SO_PEERCRED', 17], ['SO_PASSCRED', 16], ['SO_REUSEPORT', 15], ['SO_BSDCOMPAT', 14],
    ['SO_LINGER', 13], ['SO_PRIORITY', 12], ['SO_NO_CHECK', 11], ['SO_OOBINLINE', 10], ['SO_KEEPALIVE', 9],
    ['SO_RCVBUFFORCE', 33], ['SO_SNDBUFFORCE', 32], ['SO_RCVBUF', 8], ['SO_SNDBUF', 7], ['SO_BROADCAST', 6],
    ['SO_DONTROUTE', 5], ['SO_ERROR', 4], ['SO_TYPE', 3], ['SO_REUSEADDR', 2], ['SO_DEBUG', 1], ['UNKNOWN', 0],
  ],
  ptrace_requests: [
    ['PTRACE_SINGLEBLOCK', 38], ['PTRACE_SYSEMU_SINGLESTEP', 37], ['PTRACE_SYSEMU', 36], ['PTRACE_ARCH_PRCTL', 35],
    ['PTRACE_SET_THREAD_AREA', 34], ['PTRACE_GET_THREAD_AREA', 33], ['PTRACE_OLDSETOPTIONS', 32],
    ['PTRACE_SETFPXREGS', 31], ['PTRACE_GETFPXREGS', 30], ['PTRACE_SETFPREGS', 29], ['PTRACE_GETFPREGS', 28],
    ['PTRACE_SETREGS', 27], ['PTRACE_GETREGS', 26], ['PTRACE_SETSIGMASK', 25], ['PTRACE_GETSIGMASK', 24],
    ['PTRACE_PEEKSIGINFO', 23], ['PTRACE_LISTEN', 22], ['PTRACE_INTERRUPT', 21], ['PTRACE_SEIZE', 20],
    ['PTRACE_SETREGSET', 19], ['PTRACE_GETREGSET', 18], ['PTRACE_SETSIGINFO', 17], ['PTRACE_GETSIGINFO', 16],
    ['PTRACE_GETEVENTMSG', 15], ['PTRACE_SETOPTIONS', 14], ['PTRACE_SYSCALL', 13], ['PTRACE_DETACH', 12],
    ['PTRACE_ATTACH', 11], ['PTRACE_SINGLESTEP', 10], ['PTRACE_KILL', 9], ['PTRACE_CONT', 8],
    ['PTRACE_POKEUSR', 7], ['PTRACE_POKEDATA', 6], ['PTRACE_POKETEXT', 5], ['PTRACE_PEEKUSR', 4],
    ['PTRACE_PEEKDATA', 3], ['PTRACE_PEEKTEXT', 2], ['PTRACE_TRACEME', 1], ['PTRACE_UNKNOWN', 0],
  ],
  prot_flags: [
    ['PROT_READ', bit(0)], ['PROT_WRITE', bit(1)], ['PROT_EXEC', bit(2)], ['PROT_SEM', bit(3)],
    ['PROT_GROWSDOWN', bit(4)], ['PROT_GROWSUP', bit(5)], ['PROT_SAO', bit(6)], ['PROT_NONE', 0],
  ],
  mmap_flags: [
    ['MAP_SHARED', bit(0)], ['MAP_PRIVATE', bit(1)], ['MAP_FIXED', bit(2)], ['MAP_ANONYMOUS', bit(3)],
    ['MAP_32BIT', bit(4)], ['MAP_RENAME', bit(5)], ['MAP_NORESERVE', bit(6)], ['MAP_POPULATE', bit(7)],
    ['MAP_NONBLOCK', bit(8)], ['MAP_GROWSDOWN', bit(9)], ['MAP_DENYWRITE', bit(10)], ['MAP_EXECUTABLE', bit(11)],
    ['MAP_INHERIT', bit(12)], ['MAP_FILE', bit(13)], ['MAP_LOCKED', bit(14)],
  ],
  splice_flags: [['SPLICE_F_MOVE', 1], ['SPLICE_F_NONBLOCK', 2], ['SPLICE_F_MORE', 4], ['SPLICE_F_GIFT', 8]],
  semop_flags: [['IPC_NOWAIT', 1], ['SEM_UNDO', 2]],
  semget_flags: [['IPC_EXCL', bit(14)], ['IPC_CREAT', bit(13)]],
  semctl_commands: [
    ['IPC_STAT', bit(0)], ['IPC_SET', bit(1)], ['IPC_RMID', bit(2)], ['IPC_INFO', bit(3)], ['SEM_INFO', bit(4)],
    ['SEM_STAT', bit(5)], ['GETALL', bit(6)], ['GETNCNT', bit(7)], ['GETPID', bit(8)], ['GETVAL', bit(9)],
    ['GETZCNT', bit(10)], ['SETALL', bit(11)], ['SETVAL', bit(12)],
  ],
  access_flags: [['F_OK', 0], ['R_OK', 4], ['W_OK', 2], ['X_OK', 1]],
  pf_flags: [
    ['PROTECTION_VIOLATION', bit(0)], ['PAGE_NOT_PRESENT', bit(1)], ['WRITE_ACCESS', bit(2)],
    ['READ_ACCESS', bit(3)], ['USER_FAULT', bit(4)], ['SUPERVISOR_FAULT', bit(5)], ['RESERVED_PAGE', bit(6)],
    ['INSTRUCTION_FETCH', bit(7)],
  ],
  unlinkat_flags: [['AT_REMOVEDIR', 0x200]],
  linkat_flags: [['AT_SYMLINK_FOLLOW', 0x400], ['AT_EMPTY_PATH', 0x1000]],
  chmod_mode: [
    ['S_IXOTH', bit(0)], ['S_IWOTH', bit(1)], ['S_IROTH', bit(2)], ['S_IXGRP', bit(3)], ['S_IWGRP', bit(4)],
    ['S_IRGRP', bit(5)], ['S_IXUSR', bit(6)], ['S_IWUSR', bit(7)], ['S_IRUSR', bit(8)], ['S_ISVTX', bit(9)],
    ['S_ISGID', bit(10)], ['S_ISUID', bit(11)],
  ],
  // libs quirk kept as is: the printed name says NOFOLLOW, the value is PPM_AT_SYMLINK_FOLLOW.
  fchownat_flags: [['AT_SYMLINK_NOFOLLOW', 0x400], ['AT_EMPTY_PATH', 0x1000]],
  renameat2_flags: [['RENAME_NOREPLACE', 1], ['RENAME_EXCHANGE', 2], ['RENAME_WHITEOUT', 4]],
  openat2_flags: [
    ['RESOLVE_BENEATH', bit(0)], ['RESOLVE_IN_ROOT', bit(1)], ['RESOLVE_NO_MAGICLINKS', bit(2)],
    ['RESOLVE_NO_SYMLINKS', bit(3)], ['RESOLVE_NO_XDEV', bit(4)], ['RESOLVE_CACHED', bit(5)],
  ],
  execve_flags: [
    ['EXE_WRITABLE', bit(0)], ['EXE_UPPER_LAYER', bit(1)], ['EXE_FROM_MEMFD', bit(2)], ['EXE_LOWER_LAYER', bit(3)],
  ],
  execveat_flags: [['AT_EMPTY_PATH', 1], ['AT_SYMLINK_NOFOLLOW', 2]],
  mlockall_flags: [['MCL_CURRENT', 1], ['MCL_FUTURE', 2], ['MCL_ONFAULT', 4]],
  mlock2_flags: [['MLOCK_ONFAULT', 1]],
  epoll_create1_flags: [['EPOLL_CLOEXEC', 1]],
  prctl_options: [
    ['PR_GET_DUMPABLE', 3], ['PR_SET_DUMPABLE', 4], ['PR_GET_KEEPCAPS', 7], ['PR_SET_KEEPCAPS', 8],
    ['PR_SET_NAME', 15], ['PR_GET_NAME', 16], ['PR_GET_SECCOMP', 21], ['PR_SET_SECCOMP', 22],
    ['PR_CAPBSET_READ', 23], ['PR_CAPBSET_DROP', 24], ['PR_GET_SECUREBITS', 27], ['PR_SET_SECUREBITS', 28],
    ['PR_MCE_KILL', 33], ['PR_MCE_KILL', 33], ['PR_SET_MM', 35], ['PR_SET_CHILD_SUBREAPER', 36],
    ['PR_GET_CHILD_SUBREAPER', 37], ['PR_SET_NO_NEW_PRIVS', 38], ['PR_GET_NO_NEW_PRIVS', 39],
    ['PR_GET_TID_ADDRESS', 40], ['PR_SET_THP_DISABLE', 41], ['PR_GET_THP_DISABLE', 42], ['PR_CAP_AMBIENT', 47],
  ],
  memfd_create_flags: [['MFD_CLOEXEC', 1], ['MFD_ALLOW_SEALING', 2], ['MFD_HUGETLB', 4]],
  pidfd_open_flags: [['PIDFD_NONBLOCK', 1]],
  mknod_mode: [
    ['S_IXOTH', bit(0)], ['S_IWOTH', bit(1)], ['S_IROTH', bit(2)], ['S_IXGRP', bit(3)], ['S_IWGRP', bit(4)],
    ['S_IRGRP', bit(5)], ['S_IXUSR', bit(6)], ['S_IWUSR', bit(7)], ['S_IRUSR', bit(8)], ['S_ISVTX', bit(9)],
    ['S_ISGID', bit(10)], ['S_ISUID', bit(11)], ['S_IFREG', 0o100000], ['S_IFCHR', 0o020000],
    ['S_IFBLK', 0o060000], ['S_IFIFO', 0o010000], ['S_IFSOCK', 0o140000],
  ],
  finit_module_flags: [
    ['MODULE_INIT_IGNORE_MODVERSIONS', 1], ['MODULE_INIT_IGNORE_VERMAGIC', 2], ['MODULE_INIT_COMPRESSED_FILE', 4],
  ],
  bpf_commands: [
    ['BPF_MAP_CREATE', 0], ['BPF_MAP_LOOKUP_ELEM', 1], ['BPF_MAP_UPDATE_ELEM', 2], ['BPF_MAP_DELETE_ELEM', 3],
    ['BPF_MAP_GET_NEXT_KEY', 4], ['BPF_PROG_LOAD', 5], ['BPF_OBJ_PIN', 6], ['BPF_OBJ_GET', 7],
    ['BPF_PROG_ATTACH', 8], ['BPF_PROG_DETACH', 9], ['BPF_PROG_TEST_RUN', 10], ['BPF_PROG_RUN', 10],
    ['BPF_PROG_GET_NEXT_ID', 11], ['BPF_MAP_GET_NEXT_ID', 12], ['BPF_PROG_GET_FD_BY_ID', 13],
    ['BPF_MAP_GET_FD_BY_ID', 14], ['BPF_OBJ_GET_INFO_BY_FD', 15], ['BPF_PROG_QUERY', 16],
    ['BPF_RAW_TRACEPOINT_OPEN', 17], ['BPF_BTF_LOAD', 18], ['BPF_BTF_GET_FD_BY_ID', 19], ['BPF_TASK_FD_QUERY', 20],
    ['BPF_MAP_LOOKUP_AND_DELETE_ELEM', 21], ['BPF_MAP_FREEZE', 22], ['BPF_BTF_GET_NEXT_ID', 23],
    ['BPF_MAP_LOOKUP_BATCH', 24], ['BPF_MAP_LOOKUP_AND_DELETE_BATCH', 25], ['BPF_MAP_UPDATE_BATCH', 26],
    ['BPF_MAP_DELETE_BATCH', 27], ['BPF_LINK_CREATE', 28], ['BPF_LINK_UPDATE', 29], ['BPF_LINK_GET_FD_BY_ID', 30],
    ['BPF_LINK_GET_NEXT_ID', 31], ['BPF_ENABLE_STATS', 32], ['BPF_ITER_CREATE', 33], ['BPF_LINK_DETACH', 34],
    ['BPF_PROG_BIND_MAP', 35],
  ],
};

/** Rows the snapshot lacked and that were added to libs before 0.25.4 (verify spelling against 0.25.4). */
export const ADDED_SINCE_SNAPSHOT: Record<string, readonly string[]> = {
  execve_flags: ['EXE_LOWER_LAYER'],
  finit_module_flags: ['*'],
  bpf_commands: ['*'],
};

/**
 * Which table formats which parameter: event name → param name → table name (libs event_table.c `info`).
 * Params not listed print as plain numbers (e.g. open `mode` is PF_OCT without a table).
 */
export const PARAM_FLAG_TABLES: Record<string, Record<string, string>> = {
  open: { flags: 'file_flags' },
  openat: { flags: 'file_flags' },
  openat2: { flags: 'file_flags', resolve: 'openat2_flags' },
  creat: { creat_flags: 'file_flags' },
  socket: { domain: 'socket_families' },
  socketpair: { domain: 'socket_families' },
  clone: { flags: 'clone_flags' },
  clone3: { flags: 'clone_flags' },
  fork: { flags: 'clone_flags' },
  vfork: { flags: 'clone_flags' },
  unshare: { flags: 'clone_flags' },
  setns: { nstype: 'clone_flags' },
  execve: { flags: 'execve_flags' },
  execveat: { flags: 'execve_flags' },
  fcntl: { cmd: 'fcntl_commands' },
  ptrace: { request: 'ptrace_requests' },
  mount: { flags: 'mount_flags' },
  umount2: { flags: 'umount_flags' },
  unlinkat: { flags: 'unlinkat_flags' },
  linkat: { flags: 'linkat_flags' },
  renameat2: { flags: 'renameat2_flags' },
  chmod: { mode: 'chmod_mode' },
  fchmod: { mode: 'chmod_mode' },
  fchmodat: { mode: 'chmod_mode' },
  dup3: { flags: 'file_flags' },
  pipe2: { flags: 'file_flags' },
  userfaultfd: { flags: 'file_flags' },
  memfd_create: { flags: 'memfd_create_flags' },
  prctl: { option: 'prctl_options' },
  finit_module: { flags: 'finit_module_flags' },
  bpf: { cmd: 'bpf_commands' },
  shutdown: { how: 'shutdown_how' },
  lseek: { whence: 'lseek_whence' },
  llseek: { whence: 'lseek_whence' },
  flock: { operation: 'flock_flags' },
  futex: { op: 'futex_operations' },
  mmap: { prot: 'prot_flags', flags: 'mmap_flags' },
  mmap2: { prot: 'prot_flags', flags: 'mmap_flags' },
  mprotect: { prot: 'prot_flags' },
  access: { mode: 'access_flags' },
  setsockopt: { level: 'sockopt_levels', optname: 'sockopt_options' },
  getsockopt: { level: 'sockopt_levels', optname: 'sockopt_options' },
  page_fault: { error_code: 'pf_flags' },
  mknod: { mode: 'mknod_mode' },
  mknodat: { mode: 'mknod_mode' },
};

/** The flag table for one event parameter, if libs formats it with one. */
export function flagTableFor(eventName: string, paramName: string): FlagTable | undefined {
  const table = PARAM_FLAG_TABLES[eventName]?.[paramName];
  return table === undefined ? undefined : FLAG_TABLES[table];
}

// ---- C names for the probe header -------------------------------------------------------------------

/** C macro prefix per table: the macro is prefix + printed name, unless overridden below. */
const C_PREFIX: Record<string, string> = {
  socket_families: 'PPM_', file_flags: 'PPM_', clone_flags: 'PPM_CL_', mount_flags: 'PPM_MS_',
  umount_flags: 'PPM_MNT_', fcntl_commands: 'PPM_FCNTL_', ptrace_requests: 'PPM_', chmod_mode: 'PPM_',
  unlinkat_flags: 'PPM_', linkat_flags: 'PPM_', renameat2_flags: 'PPM_', openat2_flags: 'PPM_',
  execve_flags: 'PPM_', memfd_create_flags: 'PPM_', prctl_options: 'PPM_', finit_module_flags: 'PPM_',
  bpf_commands: 'PPM_', shutdown_how: 'PPM_', lseek_whence: 'PPM_',
};
const C_OVERRIDE: Record<string, Record<string, string>> = {
  umount_flags: { NOFOLLOW: 'PPM_UMOUNT_NOFOLLOW' },
};

/** Constants that are not table rows but that the probe needs (ppm_events_public.h). */
export const PPM_CONSTANTS: readonly FlagRow[] = [
  ['PPM_PTRACE_IDX_UINT64', 0], ['PPM_PTRACE_IDX_SIGTYPE', 1], ['PPM_PTRACE_IDX_MAX', 2],
  ['PPM_CL_CHILD_IN_PIDNS', 2 ** 29], ['PPM_MS_MGC_MSK', 0xffff0000], ['PPM_MS_MGC_VAL', 0xc0ed0000], ['PPM_AT_FDCWD', -100],
];

/** `#define` lines for every table with a C prefix, deduplicated by macro name (first row wins). */
export function renderFlagDefines(): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const [table, prefix] of Object.entries(C_PREFIX)) {
    out.push(`/* ${table} */`);
    for (const [name, value] of FLAG_TABLES[table]) {
      const macro = C_OVERRIDE[table]?.[name] ?? prefix + name;
      if (seen.has(macro)) continue;
      seen.add(macro);
      out.push(`#define ${macro} ${cLiteral(value)}`);
    }
  }
  out.push('/* other constants */');
  for (const [name, value] of PPM_CONSTANTS) out.push(`#define ${name} ${cLiteral(value)}`);
  return out;
}

function cLiteral(v: number): string {
  if (v < 0) return `(${v})`;
  return v > 0x7fffffff ? `0x${v.toString(16)}U` : String(v);
}
