/* Shared by the per-syscall fillers: the program signature and record prologue. */
#pragma once

/* A filler is a tp_btf/sys_exit program reached by tail call from the dispatcher (never attached). */
#define SYS_EXIT_FILLER(name) \
	SEC("tp_btf/sys_exit") int BPF_PROG(sys_exit_##name, struct pt_regs *regs, long ret)

#define RECORD_BEGIN(code)                  \
	struct aux *a = aux__get();         \
	if (!a)                             \
		return 0;                   \
	record__begin(a, code, code##_NPARAMS)

static __always_inline void store__fd_dev_ino(struct aux *a, __s64 fd)
{
	__u32 dev = 0;
	__u64 ino = 0;
	struct file *f = fd__file(fd);
	if (f)
		file__dev_ino(f, &dev, &ino);
	store__u32(a, dev);
	store__u64(a, ino);
}

/* Two ints written by pipe()/socketpair() into user memory. */
static __always_inline void read__fd_pair(unsigned long uptr, long ret, __s32 fds[2])
{
	fds[0] = -1;
	fds[1] = -1;
	if (ret >= 0)
		bpf_probe_read_user(fds, 2 * sizeof(__s32), (void *)uptr);
}
