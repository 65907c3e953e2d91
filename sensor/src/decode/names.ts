// Name tables sysdig 0.29.3 uses when printing parameters: errno names (sinsp_utils::errno_to_str, incl. the
// kernel-internal 512+ codes), signal names (sinsp_utils::signal_to_str) and PPM_SC syscall names for generic
// `syscall` events (libs syscall_info_table, 2022: PPM_SC_MAX = 333). Data only; facts from falcosecurity/libs.

const ERRNO: Record<number, string> = {
  1: 'EPERM', 2: 'ENOENT', 3: 'ESRCH', 4: 'EINTR', 5: 'EIO', 6: 'ENXIO', 7: 'E2BIG', 8: 'ENOEXEC', 9: 'EBADF',
  10: 'ECHILD', 11: 'EAGAIN', 12: 'ENOMEM', 13: 'EACCES', 14: 'EFAULT', 15: 'ENOTBLK', 16: 'EBUSY', 17: 'EEXIST',
  18: 'EXDEV', 19: 'ENODEV', 20: 'ENOTDIR', 21: 'EISDIR', 22: 'EINVAL', 23: 'ENFILE', 24: 'EMFILE', 25: 'ENOTTY',
  26: 'ETXTBSY', 27: 'EFBIG', 28: 'ENOSPC', 29: 'ESPIPE', 30: 'EROFS', 31: 'EMLINK', 32: 'EPIPE', 33: 'EDOM',
  34: 'ERANGE', 35: 'EDEADLK', 36: 'ENAMETOOLONG', 37: 'ENOLCK', 38: 'ENOSYS', 39: 'ENOTEMPTY', 40: 'ELOOP',
  42: 'ENOMSG', 43: 'EIDRM', 44: 'ECHRNG', 45: 'EL2NSYNC', 46: 'EL3HLT', 47: 'EL3RST', 48: 'ELNRNG', 49: 'EUNATCH',
  50: 'ENOCSI', 51: 'EL2HLT', 52: 'EBADE', 53: 'EBADR', 54: 'EXFULL', 55: 'ENOANO', 56: 'EBADRQC', 57: 'EBADSLT',
  59: 'EBFONT', 60: 'ENOSTR', 61: 'ENODATA', 62: 'ETIME', 63: 'ENOSR', 64: 'ENONET', 65: 'ENOPKG', 66: 'EREMOTE',
  67: 'ENOLINK', 68: 'EADV', 69: 'ESRMNT', 70: 'ECOMM', 71: 'EPROTO', 72: 'EMULTIHOP', 73: 'EDOTDOT', 74: 'EBADMSG',
  75: 'EOVERFLOW', 76: 'ENOTUNIQ', 77: 'EBADFD', 78: 'EREMCHG', 79: 'ELIBACC', 80: 'ELIBBAD', 81: 'ELIBSCN',
  82: 'ELIBMAX', 83: 'ELIBEXEC', 84: 'EILSEQ', 85: 'ERESTART', 86: 'ESTRPIPE', 87: 'EUSERS', 88: 'ENOTSOCK',
  89: 'EDESTADDRREQ', 90: 'EMSGSIZE', 91: 'EPROTOTYPE', 92: 'ENOPROTOOPT', 93: 'EPROTONOSUPPORT',
  94: 'ESOCKTNOSUPPORT', 95: 'EOPNOTSUPP', 96: 'EPFNOSUPPORT', 97: 'EAFNOSUPPORT', 98: 'EADDRINUSE',
  99: 'EADDRNOTAVAIL', 100: 'ENETDOWN', 101: 'ENETUNREACH', 102: 'ENETRESET', 103: 'ECONNABORTED',
  104: 'ECONNRESET', 105: 'ENOBUFS', 106: 'EISCONN', 107: 'ENOTCONN', 108: 'ESHUTDOWN', 109: 'ETOOMANYREFS',
  110: 'ETIMEDOUT', 111: 'ECONNREFUSED', 112: 'EHOSTDOWN', 113: 'EHOSTUNREACH', 114: 'EALREADY',
  115: 'EINPROGRESS', 116: 'ESTALE', 117: 'EUCLEAN', 118: 'ENOTNAM', 119: 'ENAVAIL', 120: 'EISNAM',
  121: 'EREMOTEIO', 122: 'EDQUOT', 123: 'ENOMEDIUM', 124: 'EMEDIUMTYPE', 125: 'ECANCELED', 126: 'ENOKEY',
  127: 'EKEYEXPIRED', 128: 'EKEYREVOKED', 129: 'EKEYREJECTED', 130: 'EOWNERDEAD', 131: 'ENOTRECOVERABLE',
  132: 'ERFKILL', 133: 'EHWPOISON',
  512: 'ERESTARTSYS', 513: 'ERESTARTNOINTR', 514: 'ERESTARTNOHAND', 515: 'ENOIOCTLCMD',
  516: 'ERESTART_RESTARTBLOCK', 521: 'EBADHANDLE', 522: 'ENOTSYNC', 523: 'EBADCOOKIE', 524: 'ENOTSUPP',
  525: 'ETOOSMALL', 526: 'ESERVERFAULT', 527: 'EBADTYPE', 528: 'EJUKEBOX', 529: 'EIOCBQUEUED', 530: 'EIOCBRETRY',
};

/** Name of a negative errno value (`-2` → `ENOENT`), or '' when unknown. */
export function errnoName(negative: number): string {
  return ERRNO[-negative] ?? '';
}

const SIGNALS = [
  '', 'SIGHUP', 'SIGINT', 'SIGQUIT', 'SIGILL', 'SIGTRAP', 'SIGABRT', 'SIGBUS', 'SIGFPE', 'SIGKILL', 'SIGUSR1',
  'SIGSEGV', 'SIGUSR2', 'SIGPIPE', 'SIGALRM', 'SIGTERM', 'SIGSTKFLT', 'SIGCHLD', 'SIGCONT', 'SIGSTOP', 'SIGTSTP',
  'SIGTTIN', 'SIGTTOU', 'SIGURG', 'SIGXCPU', 'SIGXFSZ', 'SIGVTALRM', 'SIGPROF', 'SIGWINCH', 'SIGIO', 'SIGPWR',
  'SIGSYS',
];

/** Name of a signal number, or '' when unknown. */
export function signalName(sig: number): string {
  return SIGNALS[sig] ?? '';
}

// PPM_SC_* in enum order (ppm_events_public.h, libs 2022). Names are the lower-cased enum names, except
// the three whose syscall names differ.
const PPM_SC = (
  'unknown restart_syscall exit read write open close creat link unlink chdir time mknod chmod stat lseek getpid ' +
  'mount ptrace alarm fstat pause utime access sync kill rename mkdir rmdir dup pipe times brk acct ioctl fcntl ' +
  'setpgid umask chroot ustat dup2 getppid getpgrp setsid sethostname setrlimit getrusage gettimeofday ' +
  'settimeofday symlink lstat readlink uselib swapon reboot mmap munmap truncate ftruncate fchmod getpriority ' +
  'setpriority statfs fstatfs syslog setitimer getitimer uname vhangup wait4 swapoff sysinfo fsync setdomainname ' +
  'adjtimex mprotect init_module delete_module quotactl getpgid fchdir sysfs personality getdents select flock ' +
  'msync readv writev getsid fdatasync mlock munlock mlockall munlockall sched_setparam sched_getparam ' +
  'sched_setscheduler sched_getscheduler sched_yield sched_get_priority_max sched_get_priority_min ' +
  'sched_rr_get_interval nanosleep mremap poll prctl rt_sigaction rt_sigprocmask rt_sigpending rt_sigtimedwait ' +
  'rt_sigqueueinfo rt_sigsuspend getcwd capget capset sendfile getrlimit lchown getuid getgid geteuid getegid ' +
  'setreuid setregid getgroups setgroups fchown setresuid getresuid setresgid getresgid chown setuid setgid ' +
  'setfsuid setfsgid pivot_root mincore madvise gettid setxattr lsetxattr fsetxattr getxattr lgetxattr ' +
  'fgetxattr listxattr llistxattr flistxattr removexattr lremovexattr fremovexattr tkill futex ' +
  'sched_setaffinity sched_getaffinity set_thread_area get_thread_area io_setup io_destroy io_getevents ' +
  'io_submit io_cancel exit_group epoll_create epoll_ctl epoll_wait remap_file_pages set_tid_address ' +
  'timer_create timer_settime timer_gettime timer_getoverrun timer_delete clock_settime clock_gettime ' +
  'clock_getres clock_nanosleep tgkill utimes mq_open mq_unlink mq_timedsend mq_timedreceive mq_notify ' +
  'mq_getsetattr kexec_load waitid add_key request_key keyctl ioprio_set ioprio_get inotify_init ' +
  'inotify_add_watch inotify_rm_watch openat mkdirat mknodat fchownat futimesat unlinkat renameat linkat ' +
  'symlinkat readlinkat fchmodat faccessat pselect6 ppoll unshare set_robust_list get_robust_list splice tee ' +
  'vmsplice getcpu epoll_pwait utimensat signalfd timerfd_create eventfd timerfd_settime timerfd_gettime ' +
  'signalfd4 eventfd2 epoll_create1 dup3 pipe2 inotify_init1 preadv pwritev rt_tgsigqueueinfo perf_event_open ' +
  'fanotify_init prlimit64 clock_adjtime syncfs setns getdents64 socket bind connect listen accept getsockname ' +
  'getpeername socketpair sendto recvfrom shutdown setsockopt getsockopt sendmsg sendmmsg recvmsg recvmmsg ' +
  'accept4 semop semget semctl msgsnd msgrcv msgget msgctl shmdt shmget shmctl statfs64 fstatfs64 fstatat64 ' +
  'sendfile64 ugetrlimit bdflush sigprocmask ipc socketcall stat64 lstat64 fstat64 fcntl64 mmap2 _newselect ' +
  'sgetmask ssetmask sigpending olduname umount signal nice stime _llseek waitpid pread64 pwrite64 arch_prctl ' +
  'shmat sigreturn fallocate newfstatat process_vm_readv process_vm_writev fork vfork setuid32 getuid32 ' +
  'setgid32 geteuid32 getgid32 setresuid32 setresgid32 getresuid32 getresgid32 finit_module bpf seccomp ' +
  'sigaltstack getrandom fadvise64 renameat2 userfaultfd openat2 umount2 execve execveat copy_file_range clone ' +
  'clone3 open_by_handle_at io_uring_setup io_uring_enter io_uring_register'
).split(' ');

/** Syscall name for a PPM_SC code, as sysdig prints generic events' type; `<unknown>` otherwise. */
export function ppmScName(code: number): string {
  if (code <= 0 || code >= PPM_SC.length) return '<unknown>';
  return PPM_SC[code];
}

// Category of each PPM_SC code (libs syscall_info_table, same order as PPM_SC), one letter per code, for the
// evt.category of generic `syscall` events: libsinsp takes it from that table (sinsp_evt::get_category) and, for an
// I/O category, finds no fd to refine it (subcategory none): `unknown`. Codes past fadvise64 (renameat2 … io_uring_*)
// always have events of their own, never generic ones.
const PPM_SC_CATEGORY =
  'OSPRWFFFFF' + 'FTFFFFPFOT' + 'FATFXIFFFX' + 'ITMPXAPPIF' + 'XPPPSPPTTF' + 'FFPPSFFFFF' + 'PPFFSTTSOA' +
  'SSXSSMSSSP' + 'FSPFAFXRWP' + 'XMMMMPPPPL' + 'PPPLFAPGGG' + 'GGGFPPFPFU' + 'UUUUUUUFUU' + 'UUFUUUUPMM' +
  'PFFFFFFFFF' + 'FFFGIPPPPX' + 'XXXXXAAAFP' + 'TTTTTTTTLG' + 'FIIIIIISAS' + 'SSPPIIIFFF' + 'FFFFFFFFFA' +
  'APPPIIIPAF' + 'GTITTGIAXI' + 'IRWOOIPOFP' + 'INNNNNNNNN' + 'NNNNNNNNNI' + 'IIIIIIIIIF' + 'FFFPOGINFF' +
  'FFFAGGGSFG' + 'PTFAFFPIGX' + 'XXXXXXXXXX' + 'XXXXSOOXXX';

const CATEGORY_TEXT: Record<string, string> = {
  O: 'other', S: 'system', P: 'process', F: 'file', T: 'time', I: 'IPC', M: 'memory', A: 'wait', L: 'sleep',
  G: 'signal', U: 'user', N: 'net', R: 'unknown', W: 'unknown', X: 'unknown',
};

/** evt.category of a generic event for this PPM_SC code, as sysdig prints it. */
export function ppmScCategory(code: number): string {
  return code >= 0 && code < PPM_SC_CATEGORY.length ? CATEGORY_TEXT[PPM_SC_CATEGORY[code]] : 'unknown';
}

/** The PPM_SC codes the category table covers (for tests). */
export const PPM_SC_CATEGORIZED = PPM_SC_CATEGORY.length;
