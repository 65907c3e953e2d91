/* Filesystem syscalls: open family, fd lifetime (close/dup/fcntl/pipe/memfd), metadata and namespace
 * changes (chmod, link, unlink, rename, mkdir, rmdir, symlink, chdir). */
#pragma once

SYS_EXIT_FILLER(open)
{
	RECORD_BEGIN(PPME_SYSCALL_OPEN_X);
	__u32 flags = sys__arg(regs, 1);
	/* Parameter 1: fd (FD) */
	store__s64(a, ret);
	/* Parameter 2: name (FSPATH) */
	store__user_str(a, (void *)sys__arg(regs, 0), MAX_PATH_LEN);
	/* Parameter 3: flags (FLAGS32: file_flags) */
	store__u32(a, convert__open_flags(flags) | fd__created_flag(ret));
	/* Parameter 4: mode (UINT32) */
	store__u32(a, convert__open_mode(flags, sys__arg(regs, 2)));
	/* Parameter 5: dev (UINT32), Parameter 6: ino (UINT64) */
	store__fd_dev_ino(a, ret);
	record__submit(a);
	return 0;
}

SYS_EXIT_FILLER(openat)
{
	RECORD_BEGIN(PPME_SYSCALL_OPENAT_2_X);
	__u32 flags = sys__arg(regs, 2);
	/* Parameter 1: fd (FD) */
	store__s64(a, ret);
	/* Parameter 2: dirfd (FD) */
	store__s64(a, sys__fd_arg(regs, 0));
	/* Parameter 3: name (FSRELPATH) */
	store__user_str(a, (void *)sys__arg(regs, 1), MAX_PATH_LEN);
	/* Parameter 4: flags (FLAGS32: file_flags) */
	store__u32(a, convert__open_flags(flags) | fd__created_flag(ret));
	/* Parameter 5: mode (UINT32) */
	store__u32(a, convert__open_mode(flags, sys__arg(regs, 3)));
	/* Parameter 6: dev (UINT32), Parameter 7: ino (UINT64) */
	store__fd_dev_ino(a, ret);
	record__submit(a);
	return 0;
}

SYS_EXIT_FILLER(openat2)
{
	RECORD_BEGIN(PPME_SYSCALL_OPENAT2_X);
	struct open_how how = {};
	bpf_probe_read_user(&how, sizeof(how), (void *)sys__arg(regs, 2));
	/* Parameter 1: fd (FD) */
	store__s64(a, ret);
	/* Parameter 2: dirfd (FD) */
	store__s64(a, sys__fd_arg(regs, 0));
	/* Parameter 3: name (FSRELPATH) */
	store__user_str(a, (void *)sys__arg(regs, 1), MAX_PATH_LEN);
	/* Parameter 4: flags (FLAGS32: file_flags) */
	store__u32(a, convert__open_flags(how.flags) | fd__created_flag(ret));
	/* Parameter 5: mode (UINT32) */
	store__u32(a, convert__open_mode(how.flags, how.mode));
	/* Parameter 6: resolve (FLAGS32: openat2_flags) */
	store__u32(a, convert__resolve(how.resolve));
	/* Parameter 7: dev (UINT32), Parameter 8: ino (UINT64) */
	store__fd_dev_ino(a, ret);
	record__submit(a);
	return 0;
}

SYS_EXIT_FILLER(creat)
{
	RECORD_BEGIN(PPME_SYSCALL_CREAT_X);
	/* Parameter 1: fd (FD) */
	store__s64(a, ret);
	/* Parameter 2: name (FSPATH) */
	store__user_str(a, (void *)sys__arg(regs, 0), MAX_PATH_LEN);
	/* Parameter 3: mode (UINT32) */
	store__u32(a, convert__open_mode(K_O_CREAT, sys__arg(regs, 1)));
	/* Parameter 4: dev (UINT32), Parameter 5: ino (UINT64) */
	store__fd_dev_ino(a, ret);
	/* Parameter 6: creat_flags (FLAGS16: file_flags) */
	store__u16(a, fd__created_flag(ret));
	record__submit(a);
	return 0;
}

SYS_EXIT_FILLER(close)
{
	RECORD_BEGIN(PPME_SYSCALL_CLOSE_X);
	/* Parameter 1: res (ERRNO) */
	store__s64(a, ret);
	/* Parameter 2: fd (FD) */
	store__s64(a, sys__fd_arg(regs, 0));
	record__submit(a);
	return 0;
}

SYS_EXIT_FILLER(dup)
{
	RECORD_BEGIN(PPME_SYSCALL_DUP_1_X);
	/* Parameter 1: res (FD) */
	store__s64(a, ret);
	/* Parameter 2: oldfd (FD) */
	store__s64(a, sys__fd_arg(regs, 0));
	record__submit(a);
	return 0;
}

SYS_EXIT_FILLER(dup2)
{
	RECORD_BEGIN(PPME_SYSCALL_DUP2_X);
	/* Parameter 1: res (FD) */
	store__s64(a, ret);
	/* Parameter 2: oldfd (FD) */
	store__s64(a, sys__fd_arg(regs, 0));
	/* Parameter 3: newfd (FD) */
	store__s64(a, sys__fd_arg(regs, 1));
	record__submit(a);
	return 0;
}

SYS_EXIT_FILLER(dup3)
{
	RECORD_BEGIN(PPME_SYSCALL_DUP3_X);
	/* Parameter 1: res (FD) */
	store__s64(a, ret);
	/* Parameter 2: oldfd (FD) */
	store__s64(a, sys__fd_arg(regs, 0));
	/* Parameter 3: newfd (FD) */
	store__s64(a, sys__fd_arg(regs, 1));
	/* Parameter 4: flags (FLAGS32: file_flags) */
	store__u32(a, convert__fd_flags(sys__arg(regs, 2)) & PPM_O_CLOEXEC);
	record__submit(a);
	return 0;
}

SYS_EXIT_FILLER(fcntl)
{
	RECORD_BEGIN(PPME_SYSCALL_FCNTL_X);
	/* Parameter 1: res (FD) */
	store__s64(a, ret);
	/* Parameter 2: fd (FD) */
	store__s64(a, sys__fd_arg(regs, 0));
	/* Parameter 3: cmd (ENUMFLAGS8: fcntl_commands) */
	store__u8(a, convert__fcntl_cmd(sys__arg(regs, 1)));
	/* Parameter 4: arg (UINT64) */
	store__u64(a, sys__arg(regs, 2));
	record__submit(a);
	return 0;
}

SYS_EXIT_FILLER(pipe)
{
	RECORD_BEGIN(PPME_SYSCALL_PIPE_X);
	__s32 fds[2];
	read__fd_pair(sys__arg(regs, 0), ret, fds);
	/* Parameter 1: res (ERRNO) */
	store__s64(a, ret);
	/* Parameter 2: fd1 (FD) */
	store__s64(a, fds[0]);
	/* Parameter 3: fd2 (FD) */
	store__s64(a, fds[1]);
	/* Parameter 4: ino (UINT64) */
	store__u64(a, fd__ino(fds[0]));
	record__submit(a);
	return 0;
}

SYS_EXIT_FILLER(pipe2)
{
	RECORD_BEGIN(PPME_SYSCALL_PIPE2_X);
	__s32 fds[2];
	read__fd_pair(sys__arg(regs, 0), ret, fds);
	/* Parameter 1: res (ERRNO) */
	store__s64(a, ret);
	/* Parameter 2: fd1 (FD) */
	store__s64(a, fds[0]);
	/* Parameter 3: fd2 (FD) */
	store__s64(a, fds[1]);
	/* Parameter 4: ino (UINT64) */
	store__u64(a, fd__ino(fds[0]));
	/* Parameter 5: flags (FLAGS32: file_flags) */
	store__u32(a, convert__fd_flags(sys__arg(regs, 1)));
	record__submit(a);
	return 0;
}

SYS_EXIT_FILLER(memfd_create)
{
	RECORD_BEGIN(PPME_SYSCALL_MEMFD_CREATE_X);
	/* Parameter 1: fd (FD) */
	store__s64(a, ret);
	/* Parameter 2: name (CHARBUF) */
	store__user_str(a, (void *)sys__arg(regs, 0), MAX_PATH_LEN);
	/* Parameter 3: flags (FLAGS32: memfd_create_flags; MFD_* equal PPM_MFD_*) */
	store__u32(a, sys__arg(regs, 1) & 7);
	record__submit(a);
	return 0;
}

SYS_EXIT_FILLER(chmod)
{
	RECORD_BEGIN(PPME_SYSCALL_CHMOD_X);
	/* Parameter 1: res (ERRNO) */
	store__s64(a, ret);
	/* Parameter 2: filename (FSPATH) */
	store__user_str(a, (void *)sys__arg(regs, 0), MAX_PATH_LEN);
	/* Parameter 3: mode (MODE: chmod_mode) */
	store__u32(a, convert__chmod_mode(sys__arg(regs, 1)));
	record__submit(a);
	return 0;
}

SYS_EXIT_FILLER(fchmod)
{
	RECORD_BEGIN(PPME_SYSCALL_FCHMOD_X);
	/* Parameter 1: res (ERRNO) */
	store__s64(a, ret);
	/* Parameter 2: fd (FD) */
	store__s64(a, sys__fd_arg(regs, 0));
	/* Parameter 3: mode (MODE: chmod_mode) */
	store__u32(a, convert__chmod_mode(sys__arg(regs, 1)));
	record__submit(a);
	return 0;
}

SYS_EXIT_FILLER(fchmodat)
{
	RECORD_BEGIN(PPME_SYSCALL_FCHMODAT_X);
	/* Parameter 1: res (ERRNO) */
	store__s64(a, ret);
	/* Parameter 2: dirfd (FD) */
	store__s64(a, sys__fd_arg(regs, 0));
	/* Parameter 3: filename (FSRELPATH) */
	store__user_str(a, (void *)sys__arg(regs, 1), MAX_PATH_LEN);
	/* Parameter 4: mode (MODE: chmod_mode) */
	store__u32(a, convert__chmod_mode(sys__arg(regs, 2)));
	record__submit(a);
	return 0;
}

/* res + two absolute paths: link, rename, symlink (target is CHARBUF there) */
static __always_inline int fill__res_two_paths(struct pt_regs *regs, long ret, __u16 type, __u32 nparams)
{
	struct aux *a = aux__get();
	if (!a)
		return 0;
	record__begin(a, type, nparams);
	/* Parameter 1: res (ERRNO) */
	store__s64(a, ret);
	/* Parameter 2: oldpath / target */
	store__user_str(a, (void *)sys__arg(regs, 0), MAX_PATH_LEN);
	/* Parameter 3: newpath / linkpath (FSPATH) */
	store__user_str(a, (void *)sys__arg(regs, 1), MAX_PATH_LEN);
	record__submit(a);
	return 0;
}

SYS_EXIT_FILLER(link) { return fill__res_two_paths(regs, ret, PPME_SYSCALL_LINK_2_X, PPME_SYSCALL_LINK_2_X_NPARAMS); }
SYS_EXIT_FILLER(rename) { return fill__res_two_paths(regs, ret, PPME_SYSCALL_RENAME_X, PPME_SYSCALL_RENAME_X_NPARAMS); }
SYS_EXIT_FILLER(symlink) { return fill__res_two_paths(regs, ret, PPME_SYSCALL_SYMLINK_X, PPME_SYSCALL_SYMLINK_X_NPARAMS); }

SYS_EXIT_FILLER(linkat)
{
	RECORD_BEGIN(PPME_SYSCALL_LINKAT_2_X);
	/* Parameter 1: res (ERRNO) */
	store__s64(a, ret);
	/* Parameter 2: olddir (FD) */
	store__s64(a, sys__fd_arg(regs, 0));
	/* Parameter 3: oldpath (FSRELPATH) */
	store__user_str(a, (void *)sys__arg(regs, 1), MAX_PATH_LEN);
	/* Parameter 4: newdir (FD) */
	store__s64(a, sys__fd_arg(regs, 2));
	/* Parameter 5: newpath (FSRELPATH) */
	store__user_str(a, (void *)sys__arg(regs, 3), MAX_PATH_LEN);
	/* Parameter 6: flags (FLAGS32: linkat_flags; AT_* values equal PPM_AT_*) */
	store__u32(a, sys__arg(regs, 4) & (PPM_AT_SYMLINK_FOLLOW | PPM_AT_EMPTY_PATH));
	record__submit(a);
	return 0;
}

/* renameat and renameat2 share params 1-5; renameat2 adds flags. */
static __always_inline void store__renameat_params(struct aux *a, struct pt_regs *regs, long ret)
{
	/* Parameter 1: res (ERRNO) */
	store__s64(a, ret);
	/* Parameter 2: olddirfd (FD) */
	store__s64(a, sys__fd_arg(regs, 0));
	/* Parameter 3: oldpath (FSRELPATH) */
	store__user_str(a, (void *)sys__arg(regs, 1), MAX_PATH_LEN);
	/* Parameter 4: newdirfd (FD) */
	store__s64(a, sys__fd_arg(regs, 2));
	/* Parameter 5: newpath (FSRELPATH) */
	store__user_str(a, (void *)sys__arg(regs, 3), MAX_PATH_LEN);
}

SYS_EXIT_FILLER(renameat)
{
	RECORD_BEGIN(PPME_SYSCALL_RENAMEAT_X);
	store__renameat_params(a, regs, ret);
	record__submit(a);
	return 0;
}

SYS_EXIT_FILLER(renameat2)
{
	RECORD_BEGIN(PPME_SYSCALL_RENAMEAT2_X);
	store__renameat_params(a, regs, ret);
	/* Parameter 6: flags (FLAGS32: renameat2_flags; RENAME_* equal PPM_RENAME_*) */
	store__u32(a, sys__arg(regs, 4) & 7);
	record__submit(a);
	return 0;
}

/* res + one absolute path: unlink, rmdir */
static __always_inline int fill__res_path(struct pt_regs *regs, long ret, __u16 type, __u32 nparams)
{
	struct aux *a = aux__get();
	if (!a)
		return 0;
	record__begin(a, type, nparams);
	/* Parameter 1: res (ERRNO) */
	store__s64(a, ret);
	/* Parameter 2: path (FSPATH) */
	store__user_str(a, (void *)sys__arg(regs, 0), MAX_PATH_LEN);
	record__submit(a);
	return 0;
}

SYS_EXIT_FILLER(unlink) { return fill__res_path(regs, ret, PPME_SYSCALL_UNLINK_2_X, PPME_SYSCALL_UNLINK_2_X_NPARAMS); }
SYS_EXIT_FILLER(rmdir) { return fill__res_path(regs, ret, PPME_SYSCALL_RMDIR_2_X, PPME_SYSCALL_RMDIR_2_X_NPARAMS); }
SYS_EXIT_FILLER(chdir) { return fill__res_path(regs, ret, PPME_SYSCALL_CHDIR_X, PPME_SYSCALL_CHDIR_X_NPARAMS); }

SYS_EXIT_FILLER(unlinkat)
{
	RECORD_BEGIN(PPME_SYSCALL_UNLINKAT_2_X);
	/* Parameter 1: res (ERRNO) */
	store__s64(a, ret);
	/* Parameter 2: dirfd (FD) */
	store__s64(a, sys__fd_arg(regs, 0));
	/* Parameter 3: name (FSRELPATH) */
	store__user_str(a, (void *)sys__arg(regs, 1), MAX_PATH_LEN);
	/* Parameter 4: flags (FLAGS32: unlinkat_flags) */
	store__u32(a, sys__arg(regs, 2) & PPM_AT_REMOVEDIR);
	record__submit(a);
	return 0;
}

SYS_EXIT_FILLER(mkdir)
{
	RECORD_BEGIN(PPME_SYSCALL_MKDIR_2_X);
	/* Parameter 1: res (ERRNO) */
	store__s64(a, ret);
	/* Parameter 2: path (FSPATH) */
	store__user_str(a, (void *)sys__arg(regs, 0), MAX_PATH_LEN);
	/* Parameter 3: mode (UINT32, raw) */
	store__u32(a, sys__arg(regs, 1));
	record__submit(a);
	return 0;
}

SYS_EXIT_FILLER(mkdirat)
{
	RECORD_BEGIN(PPME_SYSCALL_MKDIRAT_X);
	/* Parameter 1: res (ERRNO) */
	store__s64(a, ret);
	/* Parameter 2: dirfd (FD) */
	store__s64(a, sys__fd_arg(regs, 0));
	/* Parameter 3: path (FSRELPATH) */
	store__user_str(a, (void *)sys__arg(regs, 1), MAX_PATH_LEN);
	/* Parameter 4: mode (UINT32, raw) */
	store__u32(a, sys__arg(regs, 2));
	record__submit(a);
	return 0;
}

SYS_EXIT_FILLER(symlinkat)
{
	RECORD_BEGIN(PPME_SYSCALL_SYMLINKAT_X);
	/* Parameter 1: res (ERRNO) */
	store__s64(a, ret);
	/* Parameter 2: target (CHARBUF) */
	store__user_str(a, (void *)sys__arg(regs, 0), MAX_PATH_LEN);
	/* Parameter 3: linkdirfd (FD) */
	store__s64(a, sys__fd_arg(regs, 1));
	/* Parameter 4: linkpath (FSRELPATH) */
	store__user_str(a, (void *)sys__arg(regs, 2), MAX_PATH_LEN);
	record__submit(a);
	return 0;
}

SYS_EXIT_FILLER(fchdir)
{
	RECORD_BEGIN(PPME_SYSCALL_FCHDIR_X);
	/* Parameter 1: res (ERRNO) */
	store__s64(a, ret);
	/* Parameter 2: fd (FD) */
	store__s64(a, sys__fd_arg(regs, 0));
	record__submit(a);
	return 0;
}
