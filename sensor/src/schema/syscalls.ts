// The syscalls the probe traces: name, x86_64 syscall number and the (current) Falco exit event.
// The probe's C header is generated from this list and the event table (see probe-header.ts).

export interface ProbedSyscall {
  readonly name: string;
  /** x86_64 __NR_ value (checked against asm/unistd_64.h by test/schema). */
  readonly nr: number;
  /** Why the probe emits it: a field Falco's rules read, or state tracking. */
  readonly purpose: 'rules' | 'state';
}

const r = (name: string, nr: number): ProbedSyscall => ({ name, nr, purpose: 'rules' });
const s = (name: string, nr: number): ProbedSyscall => ({ name, nr, purpose: 'state' });

export const PROBED_SYSCALLS: readonly ProbedSyscall[] = [
  r('accept', 43), r('accept4', 288), r('bpf', 321), r('chmod', 90), r('connect', 42), r('creat', 85),
  r('dup', 32), r('dup2', 33), r('dup3', 292), r('execve', 59), r('execveat', 322), r('fchmod', 91),
  r('fchmodat', 268), r('finit_module', 313), r('init_module', 175), r('link', 86), r('linkat', 265),
  r('listen', 50), r('mkdir', 83), r('mkdirat', 258), r('open', 2), r('openat', 257), r('openat2', 437),
  r('ptrace', 101), r('recvfrom', 45), r('recvmsg', 47), r('rename', 82), r('renameat', 264),
  r('renameat2', 316), r('rmdir', 84), r('sendmsg', 46), r('sendto', 44), r('setns', 308), r('setuid', 105),
  r('socket', 41), r('symlink', 88), r('symlinkat', 266), r('unlink', 87), r('unlinkat', 263),
  r('unshare', 272), r('userfaultfd', 323),
  s('clone', 56), s('clone3', 435), s('fork', 57), s('vfork', 58), s('close', 3), s('pipe', 22),
  s('pipe2', 293), s('socketpair', 53), s('bind', 49), s('fcntl', 72), s('chdir', 80), s('fchdir', 81),
  s('setgid', 106), s('setresuid', 117), s('setresgid', 119), s('memfd_create', 319), s('mount', 165),
  s('umount2', 166), s('kill', 62), s('prctl', 157), s('capset', 126),
];

/** Non-syscall events the probe emits (sched_process_exit). */
export const PROBED_TRACEPOINT_EVENTS: readonly string[] = ['PPME_PROCEXIT_1_E'];
