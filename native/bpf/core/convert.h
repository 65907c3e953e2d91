/* Kernel (x86_64 uapi) flag values -> Falco's PPM values, as driver/ppm_flag_helpers.h does.
 * vmlinux.h has no uapi macros, so the kernel values used here are spelled out. */
#pragma once

/* fcntl.h */
#define K_O_ACCMODE 00000003
#define K_O_WRONLY 00000001
#define K_O_RDWR 00000002
#define K_O_CREAT 00000100
#define K_O_EXCL 00000200
#define K_O_TRUNC 00001000
#define K_O_APPEND 00002000
#define K_O_NONBLOCK 00004000
#define K_O_DSYNC 00010000
#define K_O_DIRECT 00040000
#define K_O_LARGEFILE 00100000
#define K_O_DIRECTORY 00200000
#define K_O_CLOEXEC 02000000
#define K_O_SYNC_BIT 04000000  /* __O_SYNC */
#define K_O_TMPFILE_BIT 020000000 /* __O_TMPFILE */
#define K_AT_FDCWD (-100)
#define K_FMODE_CREATED 0x100000

#define K_S_IFMT 00170000
#define K_S_IFSOCK 0140000
#define K_S_IFREG 0100000
#define K_S_IFDIR 0040000
#define K_S_IFLNK 0120000

static __always_inline __u32 convert__open_flags(__u32 flags)
{
	__u32 res = 0;
	switch (flags & K_O_ACCMODE) {
	case K_O_WRONLY: res |= PPM_O_WRONLY; break;
	case K_O_RDWR: res |= PPM_O_RDWR; break;
	default: res |= PPM_O_RDONLY; break;
	}
	if (flags & K_O_CREAT) res |= PPM_O_CREAT;
	if (flags & K_O_TMPFILE_BIT) res |= PPM_O_TMPFILE;
	if (flags & K_O_APPEND) res |= PPM_O_APPEND;
	if (flags & K_O_DSYNC) res |= PPM_O_DSYNC;
	if (flags & K_O_EXCL) res |= PPM_O_EXCL;
	if (flags & K_O_NONBLOCK) res |= PPM_O_NONBLOCK;
	if (flags & K_O_SYNC_BIT) res |= PPM_O_SYNC;
	if (flags & K_O_TRUNC) res |= PPM_O_TRUNC;
	if (flags & K_O_DIRECT) res |= PPM_O_DIRECT;
	if (flags & K_O_DIRECTORY) res |= PPM_O_DIRECTORY;
	if (flags & K_O_LARGEFILE) res |= PPM_O_LARGEFILE;
	if (flags & K_O_CLOEXEC) res |= PPM_O_CLOEXEC;
	return res;
}

/* PPM_S_* bits equal the kernel's permission bits (0..11); the mode only counts when a file may be
 * created (O_CREAT or O_TMPFILE), as libs' open_modes_to_scap. */
static __always_inline __u32 convert__open_mode(__u32 flags, __u32 mode)
{
	if (!(flags & (K_O_CREAT | K_O_TMPFILE_BIT)))
		return 0;
	return mode & 07777;
}

static __always_inline __u32 convert__chmod_mode(__u32 mode)
{
	return mode & 07777;
}

/* dup3 flags, pipe2 flags, socket type flags: only O_CLOEXEC / O_NONBLOCK / O_DIRECT matter. */
static __always_inline __u32 convert__fd_flags(__s32 flags)
{
	__u32 res = 0;
	if (flags < 0)
		return 0;
	if (flags & K_O_CLOEXEC) res |= PPM_O_CLOEXEC;
	if (flags & K_O_DIRECT) res |= PPM_O_DIRECT;
	if (flags & K_O_NONBLOCK) res |= PPM_O_NONBLOCK;
	return res;
}

/* openat2 RESOLVE_* (uapi openat2.h) */
static __always_inline __u32 convert__resolve(__u64 resolve)
{
	__u32 res = 0;
	if (resolve & 0x01) res |= PPM_RESOLVE_NO_XDEV;
	if (resolve & 0x02) res |= PPM_RESOLVE_NO_MAGICLINKS;
	if (resolve & 0x04) res |= PPM_RESOLVE_NO_SYMLINKS;
	if (resolve & 0x08) res |= PPM_RESOLVE_BENEATH;
	if (resolve & 0x10) res |= PPM_RESOLVE_IN_ROOT;
	if (resolve & 0x20) res |= PPM_RESOLVE_CACHED;
	return res;
}

/* sched.h CLONE_* */
static __always_inline __u32 convert__clone_flags(__u64 f)
{
	__u32 res = 0;
	if (f & 0x00000400) res |= PPM_CL_CLONE_FILES;
	if (f & 0x00000200) res |= PPM_CL_CLONE_FS;
	if (f & 0x80000000ULL) res |= PPM_CL_CLONE_IO;
	if (f & 0x08000000) res |= PPM_CL_CLONE_NEWIPC;
	if (f & 0x40000000) res |= PPM_CL_CLONE_NEWNET;
	if (f & 0x00020000) res |= PPM_CL_CLONE_NEWNS;
	if (f & 0x20000000) res |= PPM_CL_CLONE_NEWPID;
	if (f & 0x04000000) res |= PPM_CL_CLONE_NEWUTS;
	if (f & 0x00100000) res |= PPM_CL_CLONE_PARENT_SETTID;
	if (f & 0x00008000) res |= PPM_CL_CLONE_PARENT;
	if (f & 0x00002000) res |= PPM_CL_CLONE_PTRACE;
	if (f & 0x00000800) res |= PPM_CL_CLONE_SIGHAND;
	if (f & 0x00040000) res |= PPM_CL_CLONE_SYSVSEM;
	if (f & 0x00010000) res |= PPM_CL_CLONE_THREAD;
	if (f & 0x00800000) res |= PPM_CL_CLONE_UNTRACED;
	if (f & 0x00000100) res |= PPM_CL_CLONE_VM;
	if (f & 0x10000000) res |= PPM_CL_CLONE_NEWUSER;
	if (f & 0x00200000) res |= PPM_CL_CLONE_CHILD_CLEARTID;
	if (f & 0x01000000) res |= PPM_CL_CLONE_CHILD_SETTID;
	if (f & 0x00080000) res |= PPM_CL_CLONE_SETTLS;
	if (f & 0x00004000) res |= PPM_CL_CLONE_VFORK;
	if (f & 0x02000000) res |= PPM_CL_CLONE_NEWCGROUP;
	return res;
}

/* socket.h AF_* -> PPM_AF_*: the x86_64 values are the same numbers for every family libs knows. */
static __always_inline __u8 convert__socket_family(__u32 family)
{
	if (family <= 39 && family != 27 && family != 28)
		return (__u8)family;
	return PPM_AF_UNSPEC;
}

static __always_inline __u8 convert__fcntl_cmd(__u32 cmd)
{
	switch (cmd) {
	case 0: return PPM_FCNTL_F_DUPFD;
	case 1: return PPM_FCNTL_F_GETFD;
	case 2: return PPM_FCNTL_F_SETFD;
	case 3: return PPM_FCNTL_F_GETFL;
	case 4: return PPM_FCNTL_F_SETFL;
	case 5: return PPM_FCNTL_F_GETLK;
	case 6: return PPM_FCNTL_F_SETLK;
	case 7: return PPM_FCNTL_F_SETLKW;
	case 8: return PPM_FCNTL_F_SETOWN;
	case 9: return PPM_FCNTL_F_GETOWN;
	case 10: return PPM_FCNTL_F_SETSIG;
	case 11: return PPM_FCNTL_F_GETSIG;
	case 15: return PPM_FCNTL_F_SETOWN_EX;
	case 16: return PPM_FCNTL_F_GETOWN_EX;
	case 36: return PPM_FCNTL_F_OFD_GETLK;
	case 37: return PPM_FCNTL_F_OFD_SETLK;
	case 38: return PPM_FCNTL_F_OFD_SETLKW;
	case 1024: return PPM_FCNTL_F_SETLEASE;
	case 1025: return PPM_FCNTL_F_GETLEASE;
	case 1026: return PPM_FCNTL_F_NOTIFY;
	case 1029: return PPM_FCNTL_F_CANCELLK;
	case 1030: return PPM_FCNTL_F_DUPFD_CLOEXEC;
	case 1031: return PPM_FCNTL_F_SETPIPE_SZ;
	case 1032: return PPM_FCNTL_F_GETPIPE_SZ;
	default: return PPM_FCNTL_UNKNOWN;
	}
}

static __always_inline __u16 convert__ptrace_request(__u64 req)
{
	switch (req) {
	case 0: return PPM_PTRACE_TRACEME;
	case 1: return PPM_PTRACE_PEEKTEXT;
	case 2: return PPM_PTRACE_PEEKDATA;
	case 3: return PPM_PTRACE_PEEKUSR;
	case 4: return PPM_PTRACE_POKETEXT;
	case 5: return PPM_PTRACE_POKEDATA;
	case 6: return PPM_PTRACE_POKEUSR;
	case 7: return PPM_PTRACE_CONT;
	case 8: return PPM_PTRACE_KILL;
	case 9: return PPM_PTRACE_SINGLESTEP;
	case 12: return PPM_PTRACE_GETREGS;
	case 13: return PPM_PTRACE_SETREGS;
	case 14: return PPM_PTRACE_GETFPREGS;
	case 15: return PPM_PTRACE_SETFPREGS;
	case 16: return PPM_PTRACE_ATTACH;
	case 17: return PPM_PTRACE_DETACH;
	case 18: return PPM_PTRACE_GETFPXREGS;
	case 19: return PPM_PTRACE_SETFPXREGS;
	case 21: return PPM_PTRACE_OLDSETOPTIONS;
	case 24: return PPM_PTRACE_SYSCALL;
	case 25: return PPM_PTRACE_GET_THREAD_AREA;
	case 26: return PPM_PTRACE_SET_THREAD_AREA;
	case 30: return PPM_PTRACE_ARCH_PRCTL;
	case 31: return PPM_PTRACE_SYSEMU;
	case 32: return PPM_PTRACE_SYSEMU_SINGLESTEP;
	case 33: return PPM_PTRACE_SINGLEBLOCK;
	case 0x4200: return PPM_PTRACE_SETOPTIONS;
	case 0x4201: return PPM_PTRACE_GETEVENTMSG;
	case 0x4202: return PPM_PTRACE_GETSIGINFO;
	case 0x4203: return PPM_PTRACE_SETSIGINFO;
	case 0x4204: return PPM_PTRACE_GETREGSET;
	case 0x4205: return PPM_PTRACE_SETREGSET;
	case 0x4206: return PPM_PTRACE_SEIZE;
	case 0x4207: return PPM_PTRACE_INTERRUPT;
	case 0x4208: return PPM_PTRACE_LISTEN;
	case 0x4209: return PPM_PTRACE_PEEKSIGINFO;
	case 0x420a: return PPM_PTRACE_GETSIGMASK;
	case 0x420b: return PPM_PTRACE_SETSIGMASK;
	default: return PPM_PTRACE_UNKNOWN;
	}
}

/* Mount flags: PPM_MS_* equal MS_*; the historic magic in the upper half is dropped. */
static __always_inline __u32 convert__mount_flags(__u64 flags)
{
	__u32 f = (__u32)flags;
	if ((f & PPM_MS_MGC_MSK) == PPM_MS_MGC_VAL)
		f &= ~PPM_MS_MGC_MSK;
	return f;
}

/* Kernel capability numbers 0..40 are PPM_CAP_* bits 0..40 (libs capabilities_to_scap). */
static __always_inline __u64 convert__caps(__u64 caps)
{
	return caps & ((1ULL << 41) - 1);
}

/* new_encode_dev(): the userspace (major, minor) encoding libs stores for dev params. */
static __always_inline __u32 convert__dev(__u32 kdev)
{
	__u32 major = kdev >> 20, minor = kdev & ((1U << 20) - 1);
	return (minor & 0xff) | (major << 8) | ((minor & ~0xffU) << 12);
}
