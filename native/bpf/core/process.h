/* Params shared by the exec and clone families: exe/args/ids/limits/memory/comm/cgroups/env and the
 * PPM_EXE_* flags, read from the current task (libs execve/clone exit fillers). */
#pragma once

#define K_SB_RDONLY 1
#define K_S_IMMUTABLE 8
#define OVERLAYFS_MAGIC 0x794c7630
#define MAX_ARGV 64

/* exe = argv[0], args = the rest, both read from the process memory area mm->arg_start..arg_end. */
static __always_inline void store__exe_args_from_mm(struct aux *a, struct task_struct *t)
{
	unsigned long start = BPF_CORE_READ(t, mm, arg_start);
	unsigned long end = BPF_CORE_READ(t, mm, arg_end);
	/* Parameter: exe (CHARBUF) */
	__u32 exe_len = put__str(a, (const void *)start, MAX_ARGS_LEN, true);
	record__push_len(a, exe_len);
	/* Parameter: args (BYTEBUF, NUL-separated) */
	__u32 total = end > start ? end - start : 0;
	__u32 rest = total > exe_len ? total - exe_len : 0;
	if (rest > MAX_ARGS_LEN)
		rest = MAX_ARGS_LEN;
	__u32 n = put__bytes(a, (const void *)(start + exe_len), rest, true);
	if (n)
		a->data[AUX_SAFE(a->pos - 1)] = '\0'; /* a truncated list still ends with NUL */
	record__push_len(a, n);
}

/* Concatenates a user `char *argv[]` from index `first` as NUL-separated strings. */
struct argv_walk {
	struct aux *a;
	const char *const *argv;
	__u32 total;
};

static long argv_walk__step(__u32 i, void *ctx)
{
	struct argv_walk *w = ctx;
	const char *arg = NULL;
	if (bpf_probe_read_user(&arg, sizeof(arg), &w->argv[i]) || !arg)
		return 1;
	if (w->total >= MAX_ARGS_LEN)
		return 1;
	__u32 n = put__str(w->a, arg, MAX_ARGS_LEN - w->total, true);
	if (n == 0)
		return 1;
	w->total += n;
	return 0;
}

static __always_inline __u32 put__argv(struct aux *a, const char *const *argv, __u32 first)
{
	if (!argv)
		return 0;
	struct argv_walk w = { .a = a, .argv = argv + first, .total = 0 };
	bpf_loop(MAX_ARGV, argv_walk__step, &w, 0);
	return w.total;
}

/* Failed execve: the new image was never set up, so exe/args come from the syscall's argv. */
static __always_inline void store__exe_args_from_argv(struct aux *a, const char *const *argv)
{
	const char *argv0 = NULL;
	if (argv)
		bpf_probe_read_user(&argv0, sizeof(argv0), argv);
	/* Parameter: exe (CHARBUF) */
	store__user_str(a, argv0, MAX_ARGS_LEN);
	/* Parameter: args (BYTEBUF) */
	record__push_len(a, argv0 ? put__argv(a, argv, 1) : 0);
}

static __always_inline void store__env_from_mm(struct aux *a, struct task_struct *t)
{
	unsigned long start = BPF_CORE_READ(t, mm, env_start);
	unsigned long end = BPF_CORE_READ(t, mm, env_end);
	__u32 total = end > start ? end - start : 0;
	if (total > MAX_ARGS_LEN)
		total = MAX_ARGS_LEN;
	__u32 n = put__bytes(a, (const void *)start, total, true);
	if (n)
		a->data[AUX_SAFE(a->pos - 1)] = '\0';
	record__push_len(a, n);
}

/* res, exe, args, tid, pid, ptid, cwd, fdlimit, pgft_maj, pgft_min, vm_size, vm_rss, vm_swap, comm,
 * cgroups: the first 15 params of both execve and clone exit events. */
static __always_inline void store__process_head(struct aux *a, struct task_struct *t, __s64 res,
						const char *const *failed_argv, bool with_cwd)
{
	/* Parameter 1: res (ERRNO / PID) */
	store__s64(a, res);
	/* Parameter 2: exe (CHARBUF), Parameter 3: args (BYTEBUF) */
	if (failed_argv)
		store__exe_args_from_argv(a, failed_argv);
	else
		store__exe_args_from_mm(a, t);
	/* Parameter 4: tid (PID) */
	store__s64(a, task__tid(t));
	/* Parameter 5: pid (PID) */
	store__s64(a, task__tgid(t));
	/* Parameter 6: ptid (PID) */
	store__s64(a, task__ptid(t));
	/* Parameter 7: cwd (CHARBUF): walked from fs->pwd for exec; libs leaves it empty for clone */
	if (with_cwd) {
		struct path pwd = BPF_CORE_READ(t, fs, pwd);
		store__path(a, &pwd);
	} else {
		store__empty(a);
	}
	/* Parameter 8: fdlimit (UINT64 / INT64) */
	store__u64(a, task__fdlimit(t));
	/* Parameter 9: pgft_maj (UINT64) */
	store__u64(a, BPF_CORE_READ(t, maj_flt));
	/* Parameter 10: pgft_min (UINT64) */
	store__u64(a, BPF_CORE_READ(t, min_flt));
	struct mm_struct *mm = BPF_CORE_READ(t, mm);
	/* Parameter 11: vm_size (UINT32) */
	store__u32(a, mm__vm_size_kb(mm));
	/* Parameter 12: vm_rss (UINT32) */
	store__u32(a, mm__vm_rss_kb(mm));
	/* Parameter 13: vm_swap (UINT32) */
	store__u32(a, mm__vm_swap_kb(mm));
	/* Parameter 14: comm (CHARBUF) */
	store__kernel_str(a, t->comm, TASK_COMM_LEN);
	/* Parameter 15: cgroups (BYTEBUF) */
	store__cgroups(a, t);
}

/* ---- PPM_EXE_* flags ----------------------------------------------------------------------------- */

/* Simplified inode_permission(MAY_WRITE) for the exe file, as libs extract__exe_writable. */
static __always_inline bool exe__writable(struct task_struct *t, struct inode *inode)
{
	umode_t mode = BPF_CORE_READ(inode, i_mode);
	__u32 iflags = BPF_CORE_READ(inode, i_flags);
	unsigned long sflags = BPF_CORE_READ(inode, i_sb, s_flags);
	__u32 ftype = mode & K_S_IFMT;
	if ((sflags & K_SB_RDONLY) && (ftype == K_S_IFREG || ftype == K_S_IFDIR || ftype == K_S_IFLNK))
		return false;
	if (iflags & K_S_IMMUTABLE)
		return false;
	__u32 iuid = BPF_CORE_READ(inode, i_uid.val);
	__u32 igid = BPF_CORE_READ(inode, i_gid.val);
	__u32 fsuid = BPF_CORE_READ(t, cred, fsuid.val);
	__u32 fsgid = BPF_CORE_READ(t, cred, fsgid.val);
	if (iuid == (__u32)-1 || igid == (__u32)-1)
		return false;
	if (fsuid == iuid)
		return true;
	__u32 m = mode;
	if (fsgid == igid)
		m >>= 3;
	if (m & 0002)
		return true;
	__u64 eff = BPF_CORE_READ(t, cred, cap_effective.val);
	/* CAP_DAC_OVERRIDE (1) or CAP_FOWNER (3); libs also checks the ids map into the user ns. */
	return (eff & (1ULL << 1)) || (eff & (1ULL << 3));
}

enum overlay_layer { NOT_OVERLAY, OVERLAY_LOWER, OVERLAY_UPPER };

/* overlayfs keeps `struct ovl_inode` around the vfs inode: the upper dentry follows it. */
static __always_inline int exe__overlay_layer(struct file *f)
{
	struct dentry *d = BPF_CORE_READ(f, f_path.dentry);
	if (BPF_CORE_READ(d, d_sb, s_magic) != OVERLAYFS_MAGIC)
		return NOT_OVERLAY;
	void *vfs_inode = BPF_CORE_READ(d, d_inode);
	struct dentry *upper = NULL;
	bpf_probe_read_kernel(&upper, sizeof(upper), vfs_inode + bpf_core_type_size(struct inode));
	if (upper && BPF_CORE_READ(upper, d_inode, i_ino) != 0)
		return OVERLAY_UPPER;
	return OVERLAY_LOWER;
}

/* memfd files live unlinked at the root of an internal mount with a "memfd:" name. */
static __always_inline bool exe__from_memfd(struct file *f)
{
	struct dentry *d = BPF_CORE_READ(f, f_path.dentry);
	if (!d || BPF_CORE_READ(d, d_parent) != d)
		return false;
	char name[7] = {};
	bpf_probe_read_kernel_str(name, sizeof(name), BPF_CORE_READ(d, d_name.name));
	return name[0] == 'm' && name[1] == 'e' && name[2] == 'm' && name[3] == 'f' && name[4] == 'd' &&
	       name[5] == ':';
}

static __always_inline __u32 exe__flags(struct task_struct *t, struct file *exe)
{
	if (!exe)
		return 0;
	__u32 flags = 0;
	if (exe__writable(t, BPF_CORE_READ(exe, f_inode)))
		flags |= PPM_EXE_WRITABLE;
	int layer = exe__overlay_layer(exe);
	if (layer == OVERLAY_UPPER)
		flags |= PPM_EXE_UPPER_LAYER;
	else if (layer == OVERLAY_LOWER)
		flags |= PPM_EXE_LOWER_LAYER;
	if (exe__from_memfd(exe))
		flags |= PPM_EXE_FROM_MEMFD;
	return flags;
}

/* Since 6.13 bit 31 of i_ctime_nsec flags a multigrain "queried" ctime: nsec fits in 30 bits. */
static __always_inline __u64 time__epoch_ns(__s64 sec, __u32 nsec)
{
	nsec &= 0x3fffffff;
	return sec < 0 ? 0 : (__u64)sec * 1000000000ULL + nsec;
}

/* The exec event's params 16..30 (env .. gid); `filename` (31) is added by the caller for execve. */
static __always_inline void store__exec_tail(struct aux *a, struct task_struct *t, const char *const *failed_envp)
{
	/* Parameter 16: env (BYTEBUF) */
	if (failed_envp)
		record__push_len(a, put__argv(a, failed_envp, 0));
	else
		store__env_from_mm(a, t);
	/* Parameter 17: tty (UINT32) */
	store__u32(a, task__tty(t));
	/* Parameter 18: vpgid (PID) */
	store__s64(a, task__vnr(t, PIDTYPE_PGID));
	/* Parameter 19: loginuid (UID) */
	store__u32(a, task__loginuid(t));
	struct file *exe = BPF_CORE_READ(t, mm, exe_file);
	struct inode *inode = BPF_CORE_READ(exe, f_inode);
	/* Parameter 20: flags (FLAGS32: PPM_EXE_*) */
	store__u32(a, exe__flags(t, exe));
	/* Parameter 21: cap_inheritable (UINT64) */
	store__u64(a, task__cap_inheritable(t));
	/* Parameter 22: cap_permitted (UINT64) */
	store__u64(a, task__cap_permitted(t));
	/* Parameter 23: cap_effective (UINT64) */
	store__u64(a, task__cap_effective(t));
	/* Parameter 24: exe_ino (UINT64) */
	store__u64(a, inode ? BPF_CORE_READ(inode, i_ino) : 0);
	/* Parameter 25: exe_ino_ctime (ABSTIME) */
	store__u64(a, inode ? time__epoch_ns(BPF_CORE_READ(inode, i_ctime_sec), BPF_CORE_READ(inode, i_ctime_nsec)) : 0);
	/* Parameter 26: exe_ino_mtime (ABSTIME) */
	store__u64(a, inode ? time__epoch_ns(BPF_CORE_READ(inode, i_mtime_sec), BPF_CORE_READ(inode, i_mtime_nsec)) : 0);
	/* Parameter 27: uid (UID, the effective uid) */
	store__u32(a, task__euid(t));
	/* Parameter 28: trusted_exepath (FSPATH) */
	if (exe) {
		struct path p = BPF_CORE_READ(exe, f_path);
		store__path(a, &p);
	} else {
		store__empty(a);
	}
	/* Parameter 29: pgid (PID) */
	store__s64(a, task__nr(t, PIDTYPE_PGID));
	/* Parameter 30: gid (GID, the effective gid) */
	store__u32(a, task__egid(t));
}
