/* Process syscalls: the clone family (parent and child sides), failed execs (successful ones come
 * from sched_process_exec), credentials, signals, namespaces, mounts, modules, bpf and ptrace. */
#pragma once

#define K_CLONE_VM 0x00000100
#define K_CLONE_VFORK 0x00004000

/* libs extract__clone_flags: PPM_CL_CHILD_IN_PIDNS when the (new) task is outside the init pid ns. */
static __always_inline __u32 clone__ppm_flags(struct task_struct *t, __u64 kflags)
{
	__u32 flags = convert__clone_flags(kflags);
	struct pid_namespace *ns = task__pid_ns(t);
	if (BPF_CORE_READ(ns, level) != 0 || BPF_CORE_READ(t, nsproxy, pid_ns_for_children) != ns)
		flags |= PPM_CL_CHILD_IN_PIDNS;
	return flags;
}

static __always_inline int fill__clone(long ret, __u16 type, __u64 kflags)
{
	struct aux *a = aux__get();
	if (!a)
		return 0;
	struct task_struct *t = task__current();
	record__begin(a, type, PPME_SYSCALL_CLONE_20_X_NPARAMS);
	/* Parameters 1-15: res .. cgroups (res = child tid in the parent, 0 in the child) */
	store__process_head(a, t, ret, NULL, false);
	/* Parameter 16: flags (FLAGS32: clone_flags) */
	store__u32(a, clone__ppm_flags(t, kflags));
	/* Parameter 17: uid (UINT32, effective) */
	store__u32(a, task__euid(t));
	/* Parameter 18: gid (UINT32, effective) */
	store__u32(a, task__egid(t));
	/* Parameter 19: vtid (PID) */
	store__s64(a, task__vnr(t, PIDTYPE_PID));
	/* Parameter 20: vpid (PID) */
	store__s64(a, task__vnr(t, PIDTYPE_TGID));
	/* Parameter 21: pidns_init_start_ts (UINT64): child side only, epoch ns */
	__u64 start = 0;
	if (ret == 0) {
		struct pid_namespace *ns = task__pid_ns(t);
		start = BPF_CORE_READ(ns, child_reaper, start_time) + boot_time_ns;
	}
	store__u64(a, start);
	record__submit(a);
	return 0;
}

SYS_EXIT_FILLER(clone) { return fill__clone(ret, PPME_SYSCALL_CLONE_20_X, sys__arg(regs, 0)); }
SYS_EXIT_FILLER(fork) { return fill__clone(ret, PPME_SYSCALL_FORK_20_X, 0); }
SYS_EXIT_FILLER(vfork) { return fill__clone(ret, PPME_SYSCALL_VFORK_20_X, K_CLONE_VM | K_CLONE_VFORK); }

SYS_EXIT_FILLER(clone3)
{
	__u64 kflags = 0;
	bpf_probe_read_user(&kflags, sizeof(kflags), (void *)sys__arg(regs, 0)); /* clone_args.flags */
	return fill__clone(ret, PPME_SYSCALL_CLONE3_X, kflags);
}

/* Failed exec: the old image is still there, so exe/args/env come from the syscall's arrays. */
static __always_inline int fill__exec_failure(struct pt_regs *regs, long ret, bool at)
{
	if (ret == 0)
		return 0; /* success: emitted by sched_process_exec */
	struct aux *a = aux__get();
	if (!a)
		return 0;
	struct task_struct *t = task__current();
	if (at)
		record__begin(a, PPME_SYSCALL_EXECVEAT_X, PPME_SYSCALL_EXECVEAT_X_NPARAMS);
	else
		record__begin(a, PPME_SYSCALL_EXECVE_19_X, PPME_SYSCALL_EXECVE_19_X_NPARAMS);
	int argi = at ? 2 : 1;
	/* Parameters 1-15: res .. cgroups */
	store__process_head(a, t, ret, (const char *const *)sys__arg(regs, argi), true);
	/* Parameters 16-30: env .. gid */
	store__exec_tail(a, t, (const char *const *)sys__arg(regs, argi + 1));
	if (!at) {
		/* Parameter 31: filename (FSPATH) */
		store__user_str(a, (void *)sys__arg(regs, 0), MAX_PATH_LEN);
	}
	record__submit(a);
	return 0;
}

SYS_EXIT_FILLER(execve) { return fill__exec_failure(regs, ret, false); }
SYS_EXIT_FILLER(execveat) { return fill__exec_failure(regs, ret, true); }

/* res + one id argument: setuid, setgid */
static __always_inline int fill__res_u32(long ret, __u16 type, __u32 nparams, __u32 v)
{
	struct aux *a = aux__get();
	if (!a)
		return 0;
	record__begin(a, type, nparams);
	/* Parameter 1: res (ERRNO) */
	store__s64(a, ret);
	/* Parameter 2: uid / gid (UID / GID) */
	store__u32(a, v);
	record__submit(a);
	return 0;
}

SYS_EXIT_FILLER(setuid) { return fill__res_u32(ret, PPME_SYSCALL_SETUID_X, PPME_SYSCALL_SETUID_X_NPARAMS, sys__arg(regs, 0)); }
SYS_EXIT_FILLER(setgid) { return fill__res_u32(ret, PPME_SYSCALL_SETGID_X, PPME_SYSCALL_SETGID_X_NPARAMS, sys__arg(regs, 0)); }

/* res + three ids: setresuid, setresgid */
static __always_inline int fill__res_3ids(struct pt_regs *regs, long ret, __u16 type, __u32 nparams)
{
	struct aux *a = aux__get();
	if (!a)
		return 0;
	record__begin(a, type, nparams);
	/* Parameter 1: res (ERRNO) */
	store__s64(a, ret);
	/* Parameter 2: real (UID/GID), Parameter 3: effective, Parameter 4: saved */
	store__u32(a, sys__arg(regs, 0));
	store__u32(a, sys__arg(regs, 1));
	store__u32(a, sys__arg(regs, 2));
	record__submit(a);
	return 0;
}

SYS_EXIT_FILLER(setresuid) { return fill__res_3ids(regs, ret, PPME_SYSCALL_SETRESUID_X, PPME_SYSCALL_SETRESUID_X_NPARAMS); }
SYS_EXIT_FILLER(setresgid) { return fill__res_3ids(regs, ret, PPME_SYSCALL_SETRESGID_X, PPME_SYSCALL_SETRESGID_X_NPARAMS); }

SYS_EXIT_FILLER(capset)
{
	RECORD_BEGIN(PPME_SYSCALL_CAPSET_X);
	struct task_struct *t = task__current();
	/* Parameter 1: res (ERRNO) */
	store__s64(a, ret);
	/* Parameter 2: cap_inheritable (UINT64), 3: cap_permitted (UINT64), 4: cap_effective (UINT64) */
	store__u64(a, task__cap_inheritable(t));
	store__u64(a, task__cap_permitted(t));
	store__u64(a, task__cap_effective(t));
	record__submit(a);
	return 0;
}

SYS_EXIT_FILLER(kill)
{
	RECORD_BEGIN(PPME_SYSCALL_KILL_X);
	/* Parameter 1: res (ERRNO) */
	store__s64(a, ret);
	/* Parameter 2: pid (PID) */
	store__s64(a, (__s32)sys__arg(regs, 0));
	/* Parameter 3: sig (SIGTYPE) */
	store__u8(a, sys__arg(regs, 1));
	record__submit(a);
	return 0;
}

SYS_EXIT_FILLER(prctl)
{
	RECORD_BEGIN(PPME_SYSCALL_PRCTL_X);
	__u32 option = sys__arg(regs, 0);
	unsigned long arg2 = sys__arg(regs, 1);
	/* Parameter 1: res (ERRNO) */
	store__s64(a, ret);
	/* Parameter 2: option (ENUMFLAGS32: prctl_options; PR_* equal PPM_PR_*) */
	store__u32(a, option);
	/* Parameter 3: arg2_str (CHARBUF), Parameter 4: arg2_int (INT64) */
	if (option == PPM_PR_SET_NAME || option == PPM_PR_GET_NAME) {
		store__user_str(a, (void *)arg2, 16);
		store__s64(a, 0);
	} else if (option == PPM_PR_GET_CHILD_SUBREAPER) {
		__s32 v = 0;
		bpf_probe_read_user(&v, sizeof(v), (void *)arg2);
		store__empty(a);
		store__s64(a, v);
	} else {
		store__empty(a);
		store__s64(a, (__s64)arg2);
	}
	record__submit(a);
	return 0;
}

SYS_EXIT_FILLER(ptrace)
{
	RECORD_BEGIN(PPME_SYSCALL_PTRACE_X);
	__u16 req = convert__ptrace_request(sys__arg(regs, 0));
	__u64 addr = sys__arg(regs, 2), data = sys__arg(regs, 3);
	/* Parameter 1: res (ERRNO) */
	store__s64(a, ret);
	/* Parameter 2: addr (DYN): u8 PPM_PTRACE_IDX_UINT64 + u64, 0 on failure */
	put__u8(a, PPM_PTRACE_IDX_UINT64);
	put__u64(a, ret < 0 ? 0 : addr);
	record__push_len(a, 9);
	/* Parameter 3: data (DYN): the peeked word, the signal for resume requests, else the raw value */
	if (ret < 0) {
		put__u8(a, PPM_PTRACE_IDX_UINT64);
		put__u64(a, 0);
		record__push_len(a, 9);
	} else if (req == PPM_PTRACE_PEEKTEXT || req == PPM_PTRACE_PEEKDATA || req == PPM_PTRACE_PEEKUSR) {
		__u64 word = 0;
		bpf_probe_read_user(&word, sizeof(word), (void *)data);
		put__u8(a, PPM_PTRACE_IDX_UINT64);
		put__u64(a, word);
		record__push_len(a, 9);
	} else if (req == PPM_PTRACE_CONT || req == PPM_PTRACE_SINGLESTEP || req == PPM_PTRACE_DETACH ||
		   req == PPM_PTRACE_SYSCALL) {
		put__u8(a, PPM_PTRACE_IDX_SIGTYPE);
		put__u8(a, (__u8)data);
		record__push_len(a, 2);
	} else {
		put__u8(a, PPM_PTRACE_IDX_UINT64);
		put__u64(a, data);
		record__push_len(a, 9);
	}
	/* Parameter 4: request (ENUMFLAGS16: ptrace_requests) */
	store__u16(a, req);
	/* Parameter 5: pid (PID) */
	store__s64(a, (__s32)sys__arg(regs, 1));
	record__submit(a);
	return 0;
}

SYS_EXIT_FILLER(setns)
{
	RECORD_BEGIN(PPME_SYSCALL_SETNS_X);
	/* Parameter 1: res (ERRNO) */
	store__s64(a, ret);
	/* Parameter 2: fd (FD) */
	store__s64(a, sys__fd_arg(regs, 0));
	/* Parameter 3: nstype (FLAGS32: clone_flags) */
	store__u32(a, convert__clone_flags(sys__arg(regs, 1)));
	record__submit(a);
	return 0;
}

SYS_EXIT_FILLER(unshare)
{
	RECORD_BEGIN(PPME_SYSCALL_UNSHARE_X);
	/* Parameter 1: res (ERRNO) */
	store__s64(a, ret);
	/* Parameter 2: flags (FLAGS32: clone_flags) */
	store__u32(a, convert__clone_flags(sys__arg(regs, 0)));
	record__submit(a);
	return 0;
}

SYS_EXIT_FILLER(mount)
{
	RECORD_BEGIN(PPME_SYSCALL_MOUNT_X);
	/* Parameter 1: res (ERRNO) */
	store__s64(a, ret);
	/* Parameter 2: dev (CHARBUF) */
	store__user_str(a, (void *)sys__arg(regs, 0), MAX_PATH_LEN);
	/* Parameter 3: dir (FSPATH) */
	store__user_str(a, (void *)sys__arg(regs, 1), MAX_PATH_LEN);
	/* Parameter 4: type (CHARBUF) */
	store__user_str(a, (void *)sys__arg(regs, 2), MAX_PATH_LEN);
	/* Parameter 5: flags (FLAGS32: mount_flags) */
	store__u32(a, convert__mount_flags(sys__arg(regs, 3)));
	record__submit(a);
	return 0;
}

SYS_EXIT_FILLER(umount2)
{
	RECORD_BEGIN(PPME_SYSCALL_UMOUNT2_X);
	/* Parameter 1: res (ERRNO) */
	store__s64(a, ret);
	/* Parameter 2: name (FSPATH) */
	store__user_str(a, (void *)sys__arg(regs, 0), MAX_PATH_LEN);
	/* Parameter 3: flags (FLAGS32: umount_flags; MNT_* equal PPM_MNT_*) */
	store__u32(a, sys__arg(regs, 1) & 0xf);
	record__submit(a);
	return 0;
}

SYS_EXIT_FILLER(bpf)
{
	RECORD_BEGIN(PPME_SYSCALL_BPF_2_X);
	/* Parameter 1: fd (FD) */
	store__s64(a, ret);
	/* Parameter 2: cmd (ENUMFLAGS32: bpf_commands; values equal PPM_BPF_*) */
	store__u32(a, sys__arg(regs, 0));
	record__submit(a);
	return 0;
}

SYS_EXIT_FILLER(init_module)
{
	RECORD_BEGIN(PPME_SYSCALL_INIT_MODULE_X);
	__u64 len = sys__arg(regs, 1);
	/* Parameter 1: res (ERRNO) */
	store__s64(a, ret);
	/* Parameter 2: img (BYTEBUF): the first snaplen bytes of the image */
	__u32 n = len > snaplen ? snaplen : (__u32)len;
	store__user_bytes(a, (void *)sys__arg(regs, 0), n > 4096 ? 4096 : n);
	/* Parameter 3: length (UINT64) */
	store__u64(a, len);
	/* Parameter 4: uargs (CHARBUF) */
	store__user_str(a, (void *)sys__arg(regs, 2), MAX_PATH_LEN);
	record__submit(a);
	return 0;
}

SYS_EXIT_FILLER(finit_module)
{
	RECORD_BEGIN(PPME_SYSCALL_FINIT_MODULE_X);
	/* Parameter 1: res (ERRNO) */
	store__s64(a, ret);
	/* Parameter 2: fd (FD) */
	store__s64(a, sys__fd_arg(regs, 0));
	/* Parameter 3: uargs (CHARBUF) */
	store__user_str(a, (void *)sys__arg(regs, 1), MAX_PATH_LEN);
	/* Parameter 4: flags (FLAGS32: finit_module_flags; MODULE_INIT_* equal PPM_*) */
	store__u32(a, sys__arg(regs, 2) & 7);
	record__submit(a);
	return 0;
}

SYS_EXIT_FILLER(userfaultfd)
{
	RECORD_BEGIN(PPME_SYSCALL_USERFAULTFD_X);
	/* Parameter 1: res (ERRNO) */
	store__s64(a, ret);
	/* Parameter 2: flags (FLAGS32, raw O_CLOEXEC/O_NONBLOCK/UFFD_USER_MODE_ONLY) */
	store__u32(a, sys__arg(regs, 0));
	record__submit(a);
	return 0;
}
