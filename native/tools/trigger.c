/* trigger: performs traced syscalls so their exit events can be checked (test/source/live-*.test.ts,
 * sensord-dump). Loopback only (127.0.0.1 / ::1); never loads a module; mounts only inside its own private
 * mount namespace.
 *   trigger ACTION...       run the named actions in order (see ACTIONS below)
 *   trigger all|files|net|process   every action / every action of a group
 *   trigger openat PATH     one open of PATH
 *   trigger connect IP PORT a TCP connect (127.0.0.1 only)
 * A failed close(-4242) marks the start of the actions in the event stream.
 * Output: one line per syscall, `label key=value ...` (no spaces inside values), printed after the call.
 * Files go to /tmp/sensord-trigger-PID/ (printed as `dir path=...`); they are left for the caller to stat
 * and remove. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/openat2.h>
#include <linux/sched.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#define SAY(...) do { printf(__VA_ARGS__); putchar('\n'); fflush(stdout); } while (0)
/* result of a raw syscall: the return value, or -errno */
#define RES(r) ((r) < 0 ? -(long)errno : (long)(r))

static char D[128]; /* per-run directory */

static const char *in_dir(const char *name)
{
	static char bufs[4][256];
	static int i;
	char *b = bufs[i++ & 3];
	snprintf(b, 256, "%s/%s", D, name);
	return b;
}

static void ensure_dir(void)
{
	if (D[0]) return;
	snprintf(D, sizeof(D), "/tmp/sensord-trigger-%d", getpid());
	mkdir(D, 0755);
	SAY("dir path=%s", D);
}

/* ------------------------------------------------------------------------------------------- files */

static void a_open(void)
{
	long r = syscall(SYS_open, "/etc/hostname", O_RDONLY | O_CLOEXEC);
	SAY("open fd=%ld path=/etc/hostname", RES(r));
	r = syscall(SYS_open, "/nonexistent/sensord", O_RDONLY);
	SAY("open_missing fd=%ld", RES(r));
}

static void a_openat(void)
{
	ensure_dir();
	int dfd = open(D, O_RDONLY | O_DIRECTORY);
	SAY("dirfd fd=%d", dfd);
	long r = syscall(SYS_openat, dfd, "f1", O_WRONLY | O_CREAT | O_TRUNC, 0640);
	SAY("openat fd=%ld dirfd=%d name=f1 path=%s", RES(r), dfd, in_dir("f1"));
	r = syscall(SYS_openat, AT_FDCWD, in_dir("f1"), O_RDWR | O_CREAT | O_APPEND, 0600);
	SAY("openat_existing fd=%ld path=%s", RES(r), in_dir("f1"));
	r = syscall(SYS_openat, AT_FDCWD, "/nonexistent/sensord", O_RDONLY);
	SAY("openat_missing fd=%ld", RES(r));
}

static void a_openat2(void)
{
	ensure_dir();
	int dfd = open(D, O_RDONLY | O_DIRECTORY);
	SAY("dirfd fd=%d", dfd);
	struct open_how how = { .flags = O_RDWR | O_CREAT | O_EXCL, .mode = 0600, .resolve = RESOLVE_BENEATH };
	long r = syscall(SYS_openat2, dfd, "f3", &how, sizeof(how));
	SAY("openat2 fd=%ld dirfd=%d name=f3 path=%s", RES(r), dfd, in_dir("f3"));
	struct open_how how2 = { .flags = O_RDONLY, .resolve = RESOLVE_NO_SYMLINKS };
	r = syscall(SYS_openat2, AT_FDCWD, "/etc/hostname", &how2, sizeof(how2));
	SAY("openat2_abs fd=%ld path=/etc/hostname", RES(r));
}

static void a_creat(void)
{
	ensure_dir();
	long r = syscall(SYS_creat, in_dir("f2"), 0604);
	SAY("creat fd=%ld path=%s", RES(r), in_dir("f2"));
	r = syscall(SYS_creat, in_dir("f2"), 0604);
	SAY("creat_existing fd=%ld path=%s", RES(r), in_dir("f2"));
}

static void a_close(void)
{
	int fd = open("/etc/hostname", O_RDONLY);
	long r = syscall(SYS_close, fd);
	SAY("close res=%ld fd=%d", RES(r), fd);
	r = syscall(SYS_close, 987);
	SAY("close_bad res=%ld fd=987", RES(r));
}

static void a_dup(void)
{
	int fd = open("/etc/hostname", O_RDONLY);
	long r = syscall(SYS_dup, fd);
	SAY("dup res=%ld oldfd=%d", RES(r), fd);
	r = syscall(SYS_dup2, fd, 100);
	SAY("dup2 res=%ld oldfd=%d newfd=100", RES(r), fd);
	r = syscall(SYS_dup3, fd, 101, O_CLOEXEC);
	SAY("dup3 res=%ld oldfd=%d newfd=101", RES(r), fd);
	r = syscall(SYS_dup2, 987, 102);
	SAY("dup2_bad res=%ld", RES(r));
}

static void a_fcntl(void)
{
	int fd = open("/etc/hostname", O_RDONLY);
	long r = syscall(SYS_fcntl, fd, F_SETFL, O_NONBLOCK);
	SAY("fcntl_setfl res=%ld fd=%d arg=%d", RES(r), fd, O_NONBLOCK);
	r = syscall(SYS_fcntl, fd, F_DUPFD_CLOEXEC, 200);
	SAY("fcntl_dupfd res=%ld fd=%d arg=200", RES(r), fd);
}

static void a_chmod(void)
{
	ensure_dir();
	int dfd = open(D, O_RDONLY | O_DIRECTORY);
	int fd = open(in_dir("m1"), O_WRONLY | O_CREAT, 0600);
	close(open(in_dir("m2"), O_WRONLY | O_CREAT, 0600));
	long r = syscall(SYS_chmod, in_dir("m1"), 0640);
	SAY("chmod res=%ld path=%s", RES(r), in_dir("m1"));
	r = syscall(SYS_fchmod, fd, 04750);
	SAY("fchmod res=%ld fd=%d", RES(r), fd);
	r = syscall(SYS_fchmodat, dfd, "m2", 0604);
	SAY("fchmodat res=%ld dirfd=%d name=m2 path=%s", RES(r), dfd, in_dir("m2"));
	r = syscall(SYS_chmod, "/nonexistent/sensord", 0600);
	SAY("chmod_missing res=%ld", RES(r));
}

static void a_link(void)
{
	ensure_dir();
	int dfd = open(D, O_RDONLY | O_DIRECTORY);
	SAY("dirfd fd=%d", dfd);
	close(open(in_dir("t1"), O_WRONLY | O_CREAT, 0600));
	long r = syscall(SYS_link, in_dir("t1"), in_dir("l1"));
	SAY("link res=%ld old=%s new=%s", RES(r), in_dir("t1"), in_dir("l1"));
	r = syscall(SYS_linkat, dfd, "t1", dfd, "l2", AT_SYMLINK_FOLLOW);
	SAY("linkat res=%ld", RES(r));
	r = syscall(SYS_symlink, "/etc/passwd", in_dir("s1"));
	SAY("symlink res=%ld target=/etc/passwd path=%s", RES(r), in_dir("s1"));
	r = syscall(SYS_symlinkat, "/etc/shadow", dfd, "s2");
	SAY("symlinkat res=%ld target=/etc/shadow", RES(r));
	r = syscall(SYS_link, in_dir("t1"), in_dir("l1"));
	SAY("link_exists res=%ld", RES(r));
}

static void a_rename(void)
{
	ensure_dir();
	int dfd = open(D, O_RDONLY | O_DIRECTORY);
	SAY("dirfd fd=%d", dfd);
	close(open(in_dir("r0"), O_WRONLY | O_CREAT, 0600));
	long r = syscall(SYS_rename, in_dir("r0"), in_dir("r1"));
	SAY("rename res=%ld old=%s new=%s", RES(r), in_dir("r0"), in_dir("r1"));
	r = syscall(SYS_renameat, dfd, "r1", AT_FDCWD, in_dir("r2"));
	SAY("renameat res=%ld new=%s", RES(r), in_dir("r2"));
	r = syscall(SYS_renameat2, dfd, "r2", dfd, "r3", RENAME_NOREPLACE);
	SAY("renameat2 res=%ld", RES(r));
	r = syscall(SYS_rename, in_dir("r0"), in_dir("r9"));
	SAY("rename_missing res=%ld", RES(r));
}

static void a_unlink(void)
{
	ensure_dir();
	int dfd = open(D, O_RDONLY | O_DIRECTORY);
	SAY("dirfd fd=%d", dfd);
	close(open(in_dir("u1"), O_WRONLY | O_CREAT, 0600));
	close(open(in_dir("u2"), O_WRONLY | O_CREAT, 0600));
	long r = syscall(SYS_unlink, in_dir("u1"));
	SAY("unlink res=%ld path=%s", RES(r), in_dir("u1"));
	r = syscall(SYS_unlinkat, dfd, "u2", 0);
	SAY("unlinkat res=%ld", RES(r));
	r = syscall(SYS_unlink, in_dir("u1"));
	SAY("unlink_missing res=%ld", RES(r));
}

static void a_mkdir(void)
{
	ensure_dir();
	int dfd = open(D, O_RDONLY | O_DIRECTORY);
	SAY("dirfd fd=%d", dfd);
	long r = syscall(SYS_mkdir, in_dir("d1"), 0750);
	SAY("mkdir res=%ld path=%s", RES(r), in_dir("d1"));
	r = syscall(SYS_mkdirat, dfd, "d2", 0700);
	SAY("mkdirat res=%ld", RES(r));
	r = syscall(SYS_rmdir, in_dir("d1"));
	SAY("rmdir res=%ld path=%s", RES(r), in_dir("d1"));
	r = syscall(SYS_unlinkat, dfd, "d2", AT_REMOVEDIR);
	SAY("unlinkat_dir res=%ld", RES(r));
	r = syscall(SYS_mkdir, D, 0750);
	SAY("mkdir_exists res=%ld path=%s", RES(r), D);
}

static void a_chdir(void)
{
	ensure_dir();
	long r = syscall(SYS_chdir, D);
	SAY("chdir res=%ld path=%s", RES(r), D);
	int fd = open("/tmp", O_RDONLY | O_DIRECTORY);
	r = syscall(SYS_fchdir, fd);
	SAY("fchdir res=%ld fd=%d", RES(r), fd);
	r = syscall(SYS_chdir, "/nonexistent/sensord");
	SAY("chdir_missing res=%ld", RES(r));
}

static void a_pipe(void)
{
	int p[2] = { -1, -1 };
	struct stat st;
	long r = syscall(SYS_pipe, p);
	fstat(p[0], &st);
	SAY("pipe res=%ld fd1=%d fd2=%d ino=%lu", RES(r), p[0], p[1], (unsigned long)st.st_ino);
	r = syscall(SYS_pipe2, p, O_CLOEXEC | O_NONBLOCK);
	fstat(p[0], &st);
	SAY("pipe2 res=%ld fd1=%d fd2=%d ino=%lu", RES(r), p[0], p[1], (unsigned long)st.st_ino);
}

static void a_memfd(void)
{
	long r = syscall(SYS_memfd_create, "sensord-memfd", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	SAY("memfd_create fd=%ld name=sensord-memfd flags=%d", RES(r), MFD_CLOEXEC | MFD_ALLOW_SEALING);
}

/* --------------------------------------------------------------------------------------------- net */

static void a_tcp4(void)
{
	int ls = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	SAY("socket fd=%d", ls);
	int one = 1;
	setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(0), .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	long r = syscall(SYS_bind, ls, &sa, sizeof(sa));
	SAY("bind res=%ld fd=%d", RES(r), ls);
	socklen_t sl = sizeof(sa);
	getsockname(ls, (struct sockaddr *)&sa, &sl);
	r = syscall(SYS_listen, ls, 5);
	SAY("listen res=%ld fd=%d backlog=5 port=%u", RES(r), ls, ntohs(sa.sin_port));
	int c = socket(AF_INET, SOCK_STREAM, 0);
	r = syscall(SYS_connect, c, &sa, sizeof(sa));
	struct sockaddr_in ca; sl = sizeof(ca);
	getsockname(c, (struct sockaddr *)&ca, &sl);
	SAY("connect res=%ld fd=%d sport=%u dport=%u", RES(r), c, ntohs(ca.sin_port), ntohs(sa.sin_port));
	r = syscall(SYS_accept, ls, NULL, NULL);
	SAY("accept fd=%ld cport=%u", RES(r), ntohs(ca.sin_port));
	int a = r;
	r = syscall(SYS_sendto, c, "hello sensord", 13, 0, NULL, 0);
	SAY("sendto res=%ld fd=%d", RES(r), c);
	char buf[64];
	r = syscall(SYS_recvfrom, a, buf, sizeof(buf), 0, NULL, NULL);
	SAY("recvfrom res=%ld fd=%d", RES(r), a);
	struct iovec iov[2] = { { "msg-part1:", 10 }, { "part2", 5 } };
	struct msghdr mh = { .msg_iov = iov, .msg_iovlen = 2 };
	r = syscall(SYS_sendmsg, c, &mh, 0);
	SAY("sendmsg res=%ld fd=%d", RES(r), c);
	struct iovec riov = { buf, sizeof(buf) };
	struct msghdr rh = { .msg_iov = &riov, .msg_iovlen = 1 };
	r = syscall(SYS_recvmsg, a, &rh, 0);
	SAY("recvmsg res=%ld fd=%d", RES(r), a);
	int c2 = socket(AF_INET, SOCK_STREAM, 0);
	syscall(SYS_connect, c2, &sa, sizeof(sa));
	sl = sizeof(ca);
	getsockname(c2, (struct sockaddr *)&ca, &sl);
	r = syscall(SYS_accept4, ls, NULL, NULL, SOCK_CLOEXEC);
	SAY("accept4 fd=%ld cport=%u flags=%d", RES(r), ntohs(ca.sin_port), SOCK_CLOEXEC);
	r = syscall(SYS_accept, 987, NULL, NULL);
	SAY("accept_bad fd=%ld", RES(r));
}

static void a_tcp6(void)
{
	int l6 = socket(AF_INET6, SOCK_STREAM, 0);
	SAY("socket6 fd=%d", l6);
	struct sockaddr_in6 s6 = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	long r = syscall(SYS_bind, l6, &s6, sizeof(s6));
	SAY("bind6 res=%ld fd=%d", RES(r), l6);
	listen(l6, 1);
	socklen_t sl = sizeof(s6);
	getsockname(l6, (struct sockaddr *)&s6, &sl);
	int c6 = socket(AF_INET6, SOCK_STREAM, 0);
	r = syscall(SYS_connect, c6, &s6, sizeof(s6));
	struct sockaddr_in6 ca; sl = sizeof(ca);
	getsockname(c6, (struct sockaddr *)&ca, &sl);
	SAY("connect6 res=%ld fd=%d sport=%u dport=%u", RES(r), c6, ntohs(ca.sin6_port), ntohs(s6.sin6_port));
	r = syscall(SYS_accept, l6, NULL, NULL);
	SAY("accept6 fd=%ld", RES(r));
	int a = r;
	r = syscall(SYS_sendto, c6, "v6 hello", 8, 0, NULL, 0);
	SAY("sendto6 res=%ld fd=%d", RES(r), c6);
	char buf[64];
	r = syscall(SYS_recvfrom, a, buf, sizeof(buf), 0, NULL, NULL);
	SAY("recvfrom6 res=%ld fd=%d", RES(r), a);
}

static void a_udp(void)
{
	int u1 = socket(AF_INET, SOCK_DGRAM, 0), u2 = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in a1 = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct sockaddr_in a2 = a1;
	bind(u1, (struct sockaddr *)&a1, sizeof(a1));
	bind(u2, (struct sockaddr *)&a2, sizeof(a2));
	socklen_t sl = sizeof(a1);
	getsockname(u1, (struct sockaddr *)&a1, &sl);
	sl = sizeof(a2);
	getsockname(u2, (struct sockaddr *)&a2, &sl);
	long r = syscall(SYS_sendto, u1, "udp!", 4, 0, &a2, sizeof(a2));
	SAY("udp_sendto res=%ld fd=%d sport=%u dport=%u", RES(r), u1, ntohs(a1.sin_port), ntohs(a2.sin_port));
	char buf[64];
	struct sockaddr_in from; socklen_t fl = sizeof(from);
	r = syscall(SYS_recvfrom, u2, buf, sizeof(buf), 0, &from, &fl);
	SAY("udp_recvfrom res=%ld fd=%d sport=%u dport=%u", RES(r), u2, ntohs(from.sin_port), ntohs(a2.sin_port));
}

static void a_unix(void)
{
	ensure_dir();
	int sv[2] = { -1, -1 };
	long r = syscall(SYS_socketpair, AF_UNIX, SOCK_STREAM, 0, sv);
	SAY("socketpair res=%ld fd1=%d fd2=%d", RES(r), sv[0], sv[1]);
	int us = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un un = { .sun_family = AF_UNIX };
	snprintf(un.sun_path, sizeof(un.sun_path), "%s", in_dir("sock"));
	unlink(un.sun_path);
	r = syscall(SYS_bind, us, &un, sizeof(un));
	SAY("bind_unix res=%ld fd=%d path=%s", RES(r), us, un.sun_path);
	listen(us, 1);
	int uc = socket(AF_UNIX, SOCK_STREAM, 0);
	r = syscall(SYS_connect, uc, &un, sizeof(un));
	SAY("connect_unix res=%ld fd=%d path=%s", RES(r), uc, un.sun_path);
}

static void a_refused(void)
{
	/* a port that nobody listens on: bound, never listened on, still held */
	int hold = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	bind(hold, (struct sockaddr *)&sa, sizeof(sa));
	socklen_t sl = sizeof(sa);
	getsockname(hold, (struct sockaddr *)&sa, &sl);
	int c = socket(AF_INET, SOCK_STREAM, 0);
	long r = syscall(SYS_connect, c, &sa, sizeof(sa));
	SAY("connect_refused res=%ld fd=%d dport=%u", RES(r), c, ntohs(sa.sin_port));
}

/* ----------------------------------------------------------------------------------------- process */

static void a_fork(void)
{
	pid_t p = syscall(SYS_fork);
	if (p == 0) _exit(7);
	SAY("fork res=%d", p);
	waitpid(p, NULL, 0);
	p = vfork();
	if (p == 0) _exit(0);
	SAY("vfork res=%d", p);
	waitpid(p, NULL, 0);
	int ptid = 0;
	p = syscall(SYS_clone, CLONE_PARENT_SETTID | SIGCHLD, 0, &ptid, 0, 0);
	if (p == 0) _exit(0);
	SAY("clone res=%d ptid=%d", p, ptid);
	waitpid(p, NULL, 0);
	/* CLONE_VFORK without CLONE_VM: the child runs on its own copy of the stack */
	struct clone_args ca = { .flags = CLONE_VFORK, .exit_signal = SIGCHLD };
	p = syscall(SYS_clone3, &ca, sizeof(ca));
	if (p == 0) _exit(0);
	SAY("clone3 res=%d", p);
	waitpid(p, NULL, 0);
}

static void a_exec(void)
{
	ensure_dir();
	pid_t p = fork();
	if (p == 0) {
		if (chdir(D) || setgid(1234) || setuid(4321)) _exit(99);
		char *argv[] = { "/bin/true", "arg1", "arg two", NULL };
		execve("/bin/true", argv, (char *[]){ "FOO=bar", "SENSORD_TRIGGER=1", NULL });
		_exit(1);
	}
	int st;
	waitpid(p, &st, 0);
	SAY("execve child=%d status=%d cwd=%s", p, st, D);
	char *argv[] = { "nope", "x", NULL };
	long r = syscall(SYS_execve, "/nonexistent/bin", argv, (char *[]){ "E=1", NULL });
	SAY("execve_fail res=%ld", RES(r));
	p = fork();
	if (p == 0) {
		int dfd = open("/bin", O_PATH | O_DIRECTORY);
		char *av[] = { "truex", "a1", NULL };
		syscall(SYS_execveat, dfd, "true", av, (char *[]){ "BAR=baz", NULL }, 0);
		_exit(1);
	}
	waitpid(p, &st, 0);
	SAY("execveat child=%d status=%d", p, st);
	r = syscall(SYS_execveat, AT_FDCWD, "/nonexistent/bin2", argv, (char *[]){ NULL }, 0);
	SAY("execveat_fail res=%ld", RES(r));
}

static void a_kill(void)
{
	pid_t p = fork();
	if (p == 0) { for (;;) pause(); }
	long r = syscall(SYS_kill, p, SIGTERM);
	SAY("kill res=%ld pid=%d sig=%d", RES(r), p, SIGTERM);
	waitpid(p, NULL, 0);
	r = syscall(SYS_kill, 0x3ffffff0, 0);
	SAY("kill_missing res=%ld pid=%d", RES(r), 0x3ffffff0);
}

static void a_exit(void)
{
	pid_t p = fork();
	if (p == 0) _exit(7);
	int st;
	waitpid(p, &st, 0);
	SAY("exit_code child=%d status=%d", p, st);
	p = fork();
	if (p == 0) { for (;;) pause(); }
	kill(p, SIGKILL);
	waitpid(p, &st, 0);
	SAY("exit_signal child=%d status=%d", p, st);
}

static void a_ids(void)
{
	/* in a child: the ids stay changed until it exits */
	pid_t p = fork();
	if (p == 0) {
		long r = syscall(SYS_setgid, 1234);
		SAY("setgid res=%ld gid=1234 tid=%d", RES(r), getpid());
		r = syscall(SYS_setresgid, 1235, 1236, 1237);
		SAY("setresgid res=%ld tid=%d", RES(r), getpid());
		r = syscall(SYS_setresuid, 2001, 0, 2003);
		SAY("setresuid res=%ld tid=%d", RES(r), getpid());
		r = syscall(SYS_setuid, 4321);
		SAY("setuid res=%ld uid=4321 tid=%d", RES(r), getpid());
		r = syscall(SYS_setuid, 0);
		SAY("setuid_denied res=%ld uid=0", RES(r));
		_exit(0);
	}
	waitpid(p, NULL, 0);
}

static void a_prctl(void)
{
	long r = syscall(SYS_prctl, PR_SET_NAME, "trigname", 0, 0, 0);
	SAY("prctl_name res=%ld option=%d", RES(r), PR_SET_NAME);
	r = syscall(SYS_prctl, PR_SET_DUMPABLE, 1, 0, 0, 0);
	SAY("prctl_dumpable res=%ld option=%d", RES(r), PR_SET_DUMPABLE);
}

static void a_capset(void)
{
	pid_t p = fork();
	if (p == 0) {
		struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
		struct __user_cap_data_struct data[2];
		syscall(SYS_capget, &hdr, data);
		data[0].inheritable = 1u << CAP_KILL;
		data[1].inheritable = 0;
		long r = syscall(SYS_capset, &hdr, data);
		syscall(SYS_capget, &hdr, data);
		SAY("capset res=%ld tid=%d inheritable=%llu permitted=%llu effective=%llu", RES(r), getpid(),
		    (unsigned long long)data[1].inheritable << 32 | data[0].inheritable,
		    (unsigned long long)data[1].permitted << 32 | data[0].permitted,
		    (unsigned long long)data[1].effective << 32 | data[0].effective);
		_exit(0);
	}
	waitpid(p, NULL, 0);
}

static void a_ns(void)
{
	long r = syscall(SYS_unshare, CLONE_NEWUTS | CLONE_NEWIPC);
	SAY("unshare res=%ld", RES(r));
	int nsfd = open("/proc/self/ns/uts", O_RDONLY);
	r = syscall(SYS_setns, nsfd, CLONE_NEWUTS);
	SAY("setns res=%ld fd=%d", RES(r), nsfd);
	r = syscall(SYS_setns, 987, 0);
	SAY("setns_bad res=%ld", RES(r));
}

static void a_mount(void)
{
	ensure_dir();
	/* own mount namespace, everything private first: nothing reaches the host */
	long r = syscall(SYS_unshare, CLONE_NEWNS);
	SAY("unshare_ns res=%ld", RES(r));
	if (r < 0) return;
	r = syscall(SYS_mount, "none", "/", NULL, MS_REC | MS_PRIVATE, NULL);
	SAY("mount_private res=%ld", RES(r));
	if (r < 0) return;
	mkdir(in_dir("mnt"), 0755);
	r = syscall(SYS_mount, "sensord-tmpfs", in_dir("mnt"), "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=1m");
	SAY("mount res=%ld dir=%s", RES(r), in_dir("mnt"));
	r = syscall(SYS_umount2, in_dir("mnt"), MNT_DETACH);
	SAY("umount2 res=%ld dir=%s", RES(r), in_dir("mnt"));
	r = syscall(SYS_umount2, in_dir("mnt"), 0);
	SAY("umount2_notmounted res=%ld", RES(r));
}

static void a_bpf(void)
{
	unsigned int attr[4] = { 0 };
	long r = syscall(SYS_bpf, 11 /* BPF_PROG_GET_NEXT_ID */, attr, sizeof(attr));
	SAY("bpf res=%ld cmd=11", RES(r));
	r = syscall(SYS_bpf, 12 /* BPF_MAP_GET_NEXT_ID */, &(unsigned int[4]){ 0x7ffffff0 }, sizeof(attr));
	SAY("bpf_fail res=%ld cmd=12", RES(r));
}

static void a_module(void)
{
	/* never a real module: a truncated ELF image and an invalid fd */
	static const char img[] = "\x7f" "ELFbogus";
	long r = syscall(SYS_init_module, img, 9, "param=1");
	SAY("init_module res=%ld len=9", RES(r));
	r = syscall(SYS_finit_module, -1, "x=1", 1 /* MODULE_INIT_IGNORE_MODVERSIONS */);
	SAY("finit_module res=%ld", RES(r));
}

static void a_userfaultfd(void)
{
	long r = syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	SAY("userfaultfd res=%ld flags=%d", RES(r), O_CLOEXEC | O_NONBLOCK);
}

static volatile unsigned long magic = 0x5e4502d0badc0deUL;

static void a_ptrace(void)
{
	pid_t p = fork();
	if (p == 0) { raise(SIGSTOP); for (;;) pause(); }
	waitpid(p, NULL, WUNTRACED);
	long r = syscall(SYS_ptrace, PTRACE_ATTACH, p, 0, 0);
	SAY("ptrace_attach res=%ld pid=%d", RES(r), p);
	waitpid(p, NULL, 0);
	unsigned long word = 0;
	r = syscall(SYS_ptrace, PTRACE_PEEKDATA, p, &magic, &word);
	SAY("ptrace_peek res=%ld addr=%lu word=%lu", RES(r), (unsigned long)&magic, word);
	r = syscall(SYS_ptrace, PTRACE_CONT, p, 0, SIGCONT);
	SAY("ptrace_cont res=%ld sig=%d", RES(r), SIGCONT);
	kill(p, SIGKILL);
	waitpid(p, NULL, 0);
	r = syscall(SYS_ptrace, PTRACE_ATTACH, p, 0, 0);
	SAY("ptrace_gone res=%ld", RES(r));
}

struct action { const char *name, *group; void (*fn)(void); };
static const struct action ACTIONS[] = {
	{ "open", "files", a_open }, { "openat", "files", a_openat }, { "openat2", "files", a_openat2 },
	{ "creat", "files", a_creat }, { "close", "files", a_close }, { "dup", "files", a_dup },
	{ "fcntl", "files", a_fcntl }, { "chmod", "files", a_chmod }, { "link", "files", a_link },
	{ "rename", "files", a_rename }, { "unlink", "files", a_unlink }, { "mkdir", "files", a_mkdir },
	{ "chdir", "files", a_chdir }, { "pipe", "files", a_pipe }, { "memfd", "files", a_memfd },
	{ "tcp4", "net", a_tcp4 }, { "tcp6", "net", a_tcp6 }, { "udp", "net", a_udp }, { "unix", "net", a_unix },
	{ "refused", "net", a_refused },
	{ "fork", "process", a_fork }, { "exec", "process", a_exec }, { "kill", "process", a_kill },
	{ "exit", "process", a_exit }, { "ids", "process", a_ids }, { "prctl", "process", a_prctl },
	{ "capset", "process", a_capset }, { "ns", "process", a_ns }, { "mount", "process", a_mount },
	{ "bpf", "process", a_bpf }, { "module", "process", a_module }, { "userfaultfd", "process", a_userfaultfd },
	{ "ptrace", "process", a_ptrace },
};
#define NACTIONS (sizeof(ACTIONS) / sizeof(ACTIONS[0]))

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: trigger all|files|net|process|ACTION...|openat PATH|connect IP PORT\nactions:");
		for (size_t i = 0; i < NACTIONS; i++) fprintf(stderr, " %s", ACTIONS[i].name);
		fprintf(stderr, "\n");
		return 2;
	}
	if (!strcmp(argv[1], "openat") && argc == 3) { int fd = openat(AT_FDCWD, argv[2], O_RDONLY); SAY("openat %s -> %d", argv[2], fd); return 0; }
	if (!strcmp(argv[1], "connect") && argc > 3) {
		struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(atoi(argv[3])) };
		inet_pton(AF_INET, argv[2], &sa.sin_addr);
		if (sa.sin_addr.s_addr != htonl(INADDR_LOOPBACK)) { fprintf(stderr, "loopback only\n"); return 2; }
		int s = socket(AF_INET, SOCK_STREAM, 0);
		SAY("connect -> %d", connect(s, (struct sockaddr *)&sa, sizeof(sa)));
		return 0;
	}
	SAY("trigger pid=%d", getpid());
	/* marker: events of this pid after this failed close are the actions' (before it: the dynamic loader's) */
	syscall(SYS_close, -4242);
	for (int a = 1; a < argc; a++) {
		int found = 0;
		for (size_t i = 0; i < NACTIONS; i++) {
			if (!strcmp(argv[a], "all") || !strcmp(argv[a], ACTIONS[i].group) || !strcmp(argv[a], ACTIONS[i].name)) {
				ACTIONS[i].fn();
				found = 1;
			}
		}
		if (!found) { fprintf(stderr, "unknown action %s\n", argv[a]); return 2; }
	}
	return 0;
}
