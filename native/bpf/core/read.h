/* Reading kernel data: syscall args, the current task's ids, credentials, memory counters, files by fd,
 * and paths rebuilt by walking dentries and mounts (bpf_d_path is not allowed from tp_btf). */
#pragma once

#define K_PAGE_SHIFT 12
#define K_TS_COMPAT 0x0002
#define K_RLIMIT_NOFILE 7

/* Older kernels name kernfs_node's parent `parent` (renamed `__parent` in 6.15). */
struct kernfs_node___old {
	struct kernfs_node *parent;
} __attribute__((preserve_access_index));

static __always_inline struct task_struct *task__current(void)
{
	return (struct task_struct *)bpf_get_current_task();
}

/* x86_64 syscall argument i, read from the saved user registers. */
static __always_inline unsigned long sys__arg(struct pt_regs *regs, int i)
{
	switch (i) {
	case 0: return BPF_CORE_READ(regs, di);
	case 1: return BPF_CORE_READ(regs, si);
	case 2: return BPF_CORE_READ(regs, dx);
	case 3: return BPF_CORE_READ(regs, r10);
	case 4: return BPF_CORE_READ(regs, r8);
	case 5: return BPF_CORE_READ(regs, r9);
	default: return 0;
	}
}

/* fd arguments are ints: sign-extend to the 64-bit PT_FD encoding. */
static __always_inline __s64 sys__fd_arg(struct pt_regs *regs, int i)
{
	return (__s64)(__s32)sys__arg(regs, i);
}

/* ---- ids ---------------------------------------------------------------------------------------- */

static __always_inline __s64 task__tid(struct task_struct *t) { return BPF_CORE_READ(t, pid); }
static __always_inline __s64 task__tgid(struct task_struct *t) { return BPF_CORE_READ(t, tgid); }
/* Falco's `ptid`: the real parent's thread id. */
static __always_inline __s64 task__ptid(struct task_struct *t) { return BPF_CORE_READ(t, real_parent, pid); }

static __always_inline struct pid *task__pid_struct(struct task_struct *t, enum pid_type type)
{
	if (type == PIDTYPE_PID)
		return BPF_CORE_READ(t, thread_pid);
	return BPF_CORE_READ(t, signal, pids[type]);
}

/* The id as seen from the namespace the pid was allocated in (the task's own view). */
static __always_inline __s64 task__vnr(struct task_struct *t, enum pid_type type)
{
	struct pid *p = task__pid_struct(t, type);
	if (!p)
		return 0;
	unsigned int level = BPF_CORE_READ(p, level);
	return BPF_CORE_READ(p, numbers[level].nr);
}

/* The id as seen from the initial pid namespace. */
static __always_inline __s64 task__nr(struct task_struct *t, enum pid_type type)
{
	struct pid *p = task__pid_struct(t, type);
	if (!p)
		return 0;
	return BPF_CORE_READ(p, numbers[0].nr);
}

static __always_inline struct pid_namespace *task__pid_ns(struct task_struct *t)
{
	struct pid *p = task__pid_struct(t, PIDTYPE_PID);
	unsigned int level = BPF_CORE_READ(p, level);
	return BPF_CORE_READ(p, numbers[level].ns);
}

/* ---- credentials and limits --------------------------------------------------------------------- */

static __always_inline __u32 task__euid(struct task_struct *t) { return BPF_CORE_READ(t, cred, euid.val); }
static __always_inline __u32 task__egid(struct task_struct *t) { return BPF_CORE_READ(t, cred, egid.val); }
static __always_inline __u32 task__loginuid(struct task_struct *t) { return BPF_CORE_READ(t, loginuid.val); }

static __always_inline __u64 task__cap_inheritable(struct task_struct *t)
{
	return convert__caps(BPF_CORE_READ(t, cred, cap_inheritable.val));
}
static __always_inline __u64 task__cap_permitted(struct task_struct *t)
{
	return convert__caps(BPF_CORE_READ(t, cred, cap_permitted.val));
}
static __always_inline __u64 task__cap_effective(struct task_struct *t)
{
	return convert__caps(BPF_CORE_READ(t, cred, cap_effective.val));
}

static __always_inline __u64 task__fdlimit(struct task_struct *t)
{
	return BPF_CORE_READ(t, signal, rlim[K_RLIMIT_NOFILE].rlim_cur);
}

/* ---- memory (KiB) ------------------------------------------------------------------------------- */

static __always_inline __u32 mm__vm_size_kb(struct mm_struct *mm)
{
	if (!mm)
		return 0;
	return BPF_CORE_READ(mm, total_vm) << (K_PAGE_SHIFT - 10);
}

static __always_inline __s64 mm__counter(struct mm_struct *mm, int which)
{
	__s64 v = BPF_CORE_READ(mm, rss_stat[which].count);
	return v < 0 ? 0 : v;
}

static __always_inline __u32 mm__vm_rss_kb(struct mm_struct *mm)
{
	if (!mm)
		return 0;
	__s64 pages = mm__counter(mm, MM_FILEPAGES) + mm__counter(mm, MM_ANONPAGES) +
		      mm__counter(mm, MM_SHMEMPAGES);
	return pages << (K_PAGE_SHIFT - 10);
}

static __always_inline __u32 mm__vm_swap_kb(struct mm_struct *mm)
{
	if (!mm)
		return 0;
	return mm__counter(mm, MM_SWAPENTS) << (K_PAGE_SHIFT - 10);
}

/* ---- tty ---------------------------------------------------------------------------------------- */

static __always_inline __u32 task__tty(struct task_struct *t)
{
	struct tty_struct *tty = BPF_CORE_READ(t, signal, tty);
	if (!tty)
		return 0;
	int index = BPF_CORE_READ(tty, index);
	int major = BPF_CORE_READ(tty, driver, major);
	int minor_start = BPF_CORE_READ(tty, driver, minor_start);
	return convert__dev(((__u32)major << 20) | (__u32)(minor_start + index));
}

/* ---- files -------------------------------------------------------------------------------------- */

static __always_inline struct file *fd__file(__s64 fd)
{
	if (fd < 0)
		return NULL;
	struct task_struct *t = task__current();
	struct fdtable *fdt = BPF_CORE_READ(t, files, fdt);
	if (!fdt)
		return NULL;
	unsigned int max = BPF_CORE_READ(fdt, max_fds);
	if (fd >= max)
		return NULL;
	struct file **fds = BPF_CORE_READ(fdt, fd);
	struct file *f = NULL;
	bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]);
	return f;
}

static __always_inline void file__dev_ino(struct file *f, __u32 *dev, __u64 *ino)
{
	struct inode *i = BPF_CORE_READ(f, f_inode);
	*dev = convert__dev(BPF_CORE_READ(i, i_sb, s_dev));
	*ino = BPF_CORE_READ(i, i_ino);
}

static __always_inline __u64 fd__ino(__s64 fd)
{
	struct file *f = fd__file(fd);
	return f ? BPF_CORE_READ(f, f_inode, i_ino) : 0;
}

/* PPM_O_F_CREATED when the open that returned fd created the file. */
static __always_inline __u32 fd__created_flag(__s64 fd)
{
	struct file *f = fd__file(fd);
	if (!f)
		return 0;
	return (BPF_CORE_READ(f, f_mode) & K_FMODE_CREATED) ? PPM_O_F_CREATED : 0;
}

/* ---- paths: dentry/mount walk into aux->tmp (built backwards, NUL at tmp[TMP_MASK]) ----------- */

#define PATH_MAX_COMPONENTS 64

struct path_walk {
	struct aux *a;
	struct dentry *dentry;
	struct mount *mnt;
	struct dentry *mnt_root;
	struct dentry *root_dentry;
	struct vfsmount *root_mnt;
	__u32 off;
};

static __always_inline struct vfsmount *mount__vfs(struct mount *m)
{
	return (struct vfsmount *)((void *)m + bpf_core_field_offset(struct mount, mnt));
}

/* Prepend "/<name>" to the path being built; returns false when out of room. */
static __always_inline bool tmp__prepend(struct aux *a, __u32 *off, const unsigned char *name, __u32 len)
{
	if (len > 255 || *off < len + 1)
		return false;
	*off -= len;
	bpf_probe_read_kernel(&a->tmp[*off & TMP_MASK], len & 0xff, name);
	*off -= 1;
	a->tmp[*off & TMP_MASK] = '/';
	return true;
}

static long path_walk__step(__u32 i, void *ctx)
{
	struct path_walk *w = ctx;
	struct dentry *d = w->dentry;
	struct mount *mnt = w->mnt; /* locals: CO-RE relocations must not cover our own structs */
	if (d == w->root_dentry && mount__vfs(mnt) == w->root_mnt)
		return 1;
	if (d == w->mnt_root) {
		/* Top of this mount: continue from the mountpoint in the parent mount. */
		struct mount *parent = BPF_CORE_READ(mnt, mnt_parent);
		if (!parent || parent == mnt)
			return 1;
		w->dentry = BPF_CORE_READ(mnt, mnt_mountpoint);
		w->mnt = parent;
		w->mnt_root = BPF_CORE_READ(parent, mnt.mnt_root);
		return 0;
	}
	struct dentry *parent = BPF_CORE_READ(d, d_parent);
	if (!parent || parent == d)
		return 1;
	const unsigned char *name = BPF_CORE_READ(d, d_name.name);
	__u32 len = BPF_CORE_READ(d, d_name.len);
	if (!tmp__prepend(w->a, &w->off, name, len))
		return 1;
	w->dentry = parent;
	return 0;
}

/* Builds the absolute path of `p` (relative to the task's root) in aux->tmp; returns its start. */
static __always_inline __u32 path__build(struct aux *a, struct path *p)
{
	struct task_struct *t = task__current();
	struct vfsmount *vfsmnt = BPF_CORE_READ(p, mnt);
	struct path_walk w = {
		.a = a,
		.dentry = BPF_CORE_READ(p, dentry),
		.mnt = (struct mount *)((void *)vfsmnt - bpf_core_field_offset(struct mount, mnt)),
		.mnt_root = BPF_CORE_READ(vfsmnt, mnt_root),
		.root_dentry = BPF_CORE_READ(t, fs, root.dentry),
		.root_mnt = BPF_CORE_READ(t, fs, root.mnt),
		.off = TMP_MASK,
	};
	a->tmp[TMP_MASK] = '\0';
	bpf_loop(PATH_MAX_COMPONENTS, path_walk__step, &w, 0);
	if (w.off == TMP_MASK) {
		w.off = TMP_MASK - 1;
		a->tmp[w.off] = '/';
	}
	return w.off;
}

/* Appends the string built in tmp (from `off` to its NUL) to the current param. */
static __always_inline __u32 put__tmp(struct aux *a, __u32 off)
{
	__u32 len = (TMP_MASK + 1) - (off & TMP_MASK);
	return put__bytes(a, &a->tmp[off & TMP_MASK], len, false);
}

static __always_inline void store__path(struct aux *a, struct path *p)
{
	if (!BPF_CORE_READ(p, dentry)) {
		store__empty(a);
		return;
	}
	record__push_len(a, put__tmp(a, path__build(a, p)));
}

/* ---- cgroups: "subsys=/path" per controller, NUL separated (libs auxmap__store_cgroups_param) ---- */

struct kn_walk {
	struct aux *a;
	struct kernfs_node *kn;
	__u32 off;
};

static __always_inline struct kernfs_node *kernfs__parent(struct kernfs_node *kn)
{
	if (bpf_core_field_exists(kn->__parent))
		return BPF_CORE_READ(kn, __parent);
	return BPF_CORE_READ((struct kernfs_node___old *)kn, parent);
}

static long kn_walk__step(__u32 i, void *ctx)
{
	struct kn_walk *w = ctx;
	struct kernfs_node *kn = w->kn;
	struct kernfs_node *parent = kernfs__parent(kn);
	if (!parent)
		return 1; /* the hierarchy root prints as "/" */
	const char *name = BPF_CORE_READ(kn, name);
	/* Measure the name in the scratch space past the path (tmp[4096..]). */
	long len = bpf_probe_read_kernel_str(&w->a->tmp[TMP_MASK + 1], 256, name);
	if (len <= 1 || !tmp__prepend(w->a, &w->off, (const unsigned char *)name, len - 1))
		return 1;
	w->kn = parent;
	return 0;
}

#define CGROUP_SUBSYS_MAX 12

static __always_inline void store__cgroups(struct aux *a, struct task_struct *t)
{
	__u32 total = 0;
	struct css_set *cset = BPF_CORE_READ(t, cgroups);
	for (int i = 0; i < CGROUP_SUBSYS_MAX; i++) {
		struct cgroup_subsys_state *css = BPF_CORE_READ(cset, subsys[i]);
		if (!css)
			continue;
		const char *ss_name = BPF_CORE_READ(css, ss, name);
		__u32 n = put__str(a, ss_name, 32, false);
		if (n == 0)
			continue;
		a->data[AUX_SAFE(a->pos - 1)] = '='; /* overwrite the NUL */
		struct kn_walk w = { .a = a, .kn = BPF_CORE_READ(css, cgroup, kn), .off = TMP_MASK };
		a->tmp[TMP_MASK] = '\0';
		bpf_loop(32, kn_walk__step, &w, 0);
		if (w.off == TMP_MASK) {
			w.off = TMP_MASK - 1;
			a->tmp[w.off] = '/';
		}
		total += n + put__tmp(a, w.off);
	}
	record__push_len(a, total);
}
