/* trigger: performs traced syscalls one by one so their exit events can be checked with sensord-dump.
 *   trigger all            every syscall below, in order, printing what it did
 *   trigger openat PATH    one open of PATH
 *   trigger connect IP PORT a TCP connect (127.0.0.1 / ::1 only) */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/capability.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <linux/sched.h>
#include <unistd.h>

#define SAY(...) do { printf(__VA_ARGS__); putchar('\n'); fflush(stdout); } while (0)

static void do_files(void)
{
	const char *dir = "/tmp/sensord-trigger";
	syscall(SYS_rmdir, "/tmp/sensord-trigger/d2");
	mkdir(dir, 0755);
	SAY("mkdir %s 0755", dir);
	int fd = syscall(SYS_open, "/etc/hostname", O_RDONLY | O_CLOEXEC);
	SAY("open /etc/hostname -> %d", fd);
	close(fd);
	SAY("close %d", fd);
	fd = syscall(SYS_openat, AT_FDCWD, "/tmp/sensord-trigger/f1", O_WRONLY | O_CREAT | O_TRUNC, 0640);
	SAY("openat f1 O_WRONLY|O_CREAT|O_TRUNC 0640 -> %d", fd);
	struct open_how how = { .flags = O_RDONLY, .resolve = RESOLVE_NO_SYMLINKS };
	int fd2 = syscall(SYS_openat2, AT_FDCWD, "/etc/hostname", &how, sizeof(how));
	SAY("openat2 /etc/hostname RESOLVE_NO_SYMLINKS -> %d", fd2);
	int fd3 = syscall(SYS_creat, "/tmp/sensord-trigger/f2", 0600);
	SAY("creat f2 0600 -> %d", fd3);
	int d = syscall(SYS_dup, fd2);
	SAY("dup %d -> %d", fd2, d);
	SAY("dup2 %d 100 -> %ld", fd2, syscall(SYS_dup2, fd2, 100));
	SAY("dup3 %d 101 O_CLOEXEC -> %ld", fd2, syscall(SYS_dup3, fd2, 101, O_CLOEXEC));
	SAY("fcntl %d F_SETFL O_NONBLOCK -> %ld", fd2, syscall(SYS_fcntl, fd2, F_SETFL, O_NONBLOCK));
	SAY("fcntl %d F_DUPFD_CLOEXEC -> %ld", fd2, syscall(SYS_fcntl, fd2, F_DUPFD_CLOEXEC, 200));
	SAY("chmod f1 0600 -> %ld", syscall(SYS_chmod, "/tmp/sensord-trigger/f1", 0600));
	SAY("fchmod %d 04755 -> %ld", fd3, syscall(SYS_fchmod, fd3, 04755));
	SAY("fchmodat f2 0644 -> %ld", syscall(SYS_fchmodat, AT_FDCWD, "/tmp/sensord-trigger/f2", 0644));
	SAY("link f1 l1 -> %ld", syscall(SYS_link, "/tmp/sensord-trigger/f1", "/tmp/sensord-trigger/l1"));
	SAY("linkat f1 l2 AT_SYMLINK_FOLLOW -> %ld", syscall(SYS_linkat, AT_FDCWD, "/tmp/sensord-trigger/f1", AT_FDCWD, "/tmp/sensord-trigger/l2", AT_SYMLINK_FOLLOW));
	SAY("symlink /etc/passwd s1 -> %ld", syscall(SYS_symlink, "/etc/passwd", "/tmp/sensord-trigger/s1"));
	SAY("symlinkat /etc/shadow s2 -> %ld", syscall(SYS_symlinkat, "/etc/shadow", AT_FDCWD, "/tmp/sensord-trigger/s2"));
	SAY("rename l1 r1 -> %ld", syscall(SYS_rename, "/tmp/sensord-trigger/l1", "/tmp/sensord-trigger/r1"));
	SAY("renameat r1 r2 -> %ld", syscall(SYS_renameat, AT_FDCWD, "/tmp/sensord-trigger/r1", AT_FDCWD, "/tmp/sensord-trigger/r2"));
	SAY("renameat2 r2 r3 RENAME_NOREPLACE -> %ld", syscall(SYS_renameat2, AT_FDCWD, "/tmp/sensord-trigger/r2", AT_FDCWD, "/tmp/sensord-trigger/r3", 1));
	SAY("unlink r3 -> %ld", syscall(SYS_unlink, "/tmp/sensord-trigger/r3"));
	SAY("unlinkat l2 -> %ld", syscall(SYS_unlinkat, AT_FDCWD, "/tmp/sensord-trigger/l2", 0));
	SAY("mkdirat d2 0700 -> %ld", syscall(SYS_mkdirat, AT_FDCWD, "/tmp/sensord-trigger/d2", 0700));
	SAY("rmdir d2 -> %ld", syscall(SYS_rmdir, "/tmp/sensord-trigger/d2"));
	SAY("unlinkat s1 -> %ld", syscall(SYS_unlinkat, AT_FDCWD, "/tmp/sensord-trigger/s1", 0));
	SAY("unlinkat s2 -> %ld", syscall(SYS_unlinkat, AT_FDCWD, "/tmp/sensord-trigger/s2", 0));
	SAY("chdir /tmp/sensord-trigger -> %ld", syscall(SYS_chdir, "/tmp/sensord-trigger"));
	int dfd = open("/tmp", O_RDONLY | O_DIRECTORY);
	SAY("fchdir %d (/tmp) -> %ld", dfd, syscall(SYS_fchdir, dfd));
	int p[2];
	SAY("pipe -> %ld [%d,%d]", syscall(SYS_pipe, p), p[0], p[1]);
	SAY("pipe2 O_CLOEXEC|O_NONBLOCK -> %ld [%d,%d]", syscall(SYS_pipe2, p, O_CLOEXEC | O_NONBLOCK), p[0], p[1]);
	SAY("memfd_create trig MFD_CLOEXEC -> %ld", syscall(SYS_memfd_create, "trig", 1));
	SAY("open /nonexistent -> %ld (errno %d)", syscall(SYS_open, "/nonexistent", O_RDONLY), errno);
}

static void do_net(void)
{
	int ls = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	SAY("socket AF_INET SOCK_STREAM|SOCK_CLOEXEC -> %d", ls);
	int one = 1;
	setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(0), .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	SAY("bind 127.0.0.1:0 -> %ld", syscall(SYS_bind, ls, &sa, sizeof(sa)));
	socklen_t sl = sizeof(sa);
	getsockname(ls, (struct sockaddr *)&sa, &sl);
	SAY("listen backlog 5 -> %ld (port %u)", syscall(SYS_listen, ls, 5), ntohs(sa.sin_port));
	int c = socket(AF_INET, SOCK_STREAM, 0);
	SAY("connect %d -> 127.0.0.1:%u -> %ld", c, ntohs(sa.sin_port), syscall(SYS_connect, c, &sa, sizeof(sa)));
	int a = syscall(SYS_accept, ls, NULL, NULL);
	SAY("accept -> %d", a);
	SAY("sendto %d 'hello sensord' -> %ld", c, syscall(SYS_sendto, c, "hello sensord", 13, 0, NULL, 0));
	char buf[64];
	SAY("recvfrom %d -> %ld", a, syscall(SYS_recvfrom, a, buf, sizeof(buf), 0, NULL, NULL));
	struct iovec iov[2] = { { "msg-part1:", 10 }, { "part2", 5 } };
	struct msghdr mh = { .msg_iov = iov, .msg_iovlen = 2 };
	SAY("sendmsg %d 2 iovecs -> %ld", c, syscall(SYS_sendmsg, c, &mh, 0));
	struct iovec riov = { buf, sizeof(buf) };
	struct msghdr rh = { .msg_iov = &riov, .msg_iovlen = 1 };
	SAY("recvmsg %d -> %ld", a, syscall(SYS_recvmsg, a, &rh, 0));
	int c2 = socket(AF_INET, SOCK_STREAM, 0);
	syscall(SYS_connect, c2, &sa, sizeof(sa));
	SAY("accept4 SOCK_CLOEXEC -> %ld", syscall(SYS_accept4, ls, NULL, NULL, SOCK_CLOEXEC));
	/* UDP: unconnected sendto with a destination, recvfrom with a source */
	int u1 = socket(AF_INET, SOCK_DGRAM, 0), u2 = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in ua = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	bind(u2, (struct sockaddr *)&ua, sizeof(ua));
	sl = sizeof(ua);
	getsockname(u2, (struct sockaddr *)&ua, &sl);
	SAY("udp sendto 127.0.0.1:%u -> %ld", ntohs(ua.sin_port), syscall(SYS_sendto, u1, "udp!", 4, 0, &ua, sizeof(ua)));
	struct sockaddr_in from; socklen_t fl = sizeof(from);
	SAY("udp recvfrom -> %ld", syscall(SYS_recvfrom, u2, buf, sizeof(buf), 0, &from, &fl));
	/* IPv6 loopback */
	int l6 = socket(AF_INET6, SOCK_STREAM, 0);
	struct sockaddr_in6 s6 = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	bind(l6, (struct sockaddr *)&s6, sizeof(s6));
	listen(l6, 1);
	sl = sizeof(s6);
	getsockname(l6, (struct sockaddr *)&s6, &sl);
	int c6 = socket(AF_INET6, SOCK_STREAM, 0);
	SAY("connect [::1]:%u -> %ld", ntohs(s6.sin6_port), syscall(SYS_connect, c6, &s6, sizeof(s6)));
	/* unix */
	int sv[2];
	SAY("socketpair AF_UNIX SOCK_STREAM -> %ld [%d,%d]", syscall(SYS_socketpair, AF_UNIX, SOCK_STREAM, 0, sv), sv[0], sv[1]);
	int us = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un un = { .sun_family = AF_UNIX };
	strcpy(un.sun_path, "/tmp/sensord-trigger/sock");
	unlink(un.sun_path);
	bind(us, (struct sockaddr *)&un, sizeof(un));
	listen(us, 1);
	int uc = socket(AF_UNIX, SOCK_STREAM, 0);
	SAY("connect unix %s -> %ld", un.sun_path, syscall(SYS_connect, uc, &un, sizeof(un)));
	SAY("connect 127.0.0.1:1 (refused) -> %ld", syscall(SYS_connect, socket(AF_INET, SOCK_STREAM, 0), &(struct sockaddr_in){ .sin_family = AF_INET, .sin_port = htons(1), .sin_addr.s_addr = htonl(INADDR_LOOPBACK) }, sizeof(sa)));
}

static void do_process(void)
{
	pid_t p = syscall(SYS_fork);
	if (p == 0) _exit(7);
	SAY("fork -> %d", p);
	waitpid(p, NULL, 0);
	p = vfork();
	if (p == 0) _exit(0);
	SAY("vfork -> %d", p);
	waitpid(p, NULL, 0);
	struct clone_args ca = { .flags = CLONE_VFORK | CLONE_VM, .exit_signal = SIGCHLD };
	p = syscall(SYS_clone3, &ca, sizeof(ca));
	if (p == 0) syscall(SYS_exit, 0);
	SAY("clone3 CLONE_VFORK|CLONE_VM -> %d", p);
	waitpid(p, NULL, 0);
	p = fork();
	if (p == 0) { char *argv[] = { "/bin/true", "arg1", "arg two", NULL }; execve("/bin/true", argv, (char *[]){ "FOO=bar", NULL }); _exit(1); }
	waitpid(p, NULL, 0);
	SAY("fork+execve /bin/true arg1 'arg two' (child %d)", p);
	char *argv[] = { "nope", "x", NULL };
	SAY("execve /nonexistent -> %ld", syscall(SYS_execve, "/nonexistent/bin", argv, (char *[]){ "E=1", NULL }));
	SAY("execveat /nonexistent -> %ld", syscall(SYS_execveat, AT_FDCWD, "/nonexistent/bin2", argv, (char *[]){ NULL }, 0));
	p = fork();
	if (p == 0) { char *av[] = { "/bin/true", NULL }; syscall(SYS_execveat, AT_FDCWD, "/bin/true", av, (char *[]){ NULL }, 0); _exit(1); }
	waitpid(p, NULL, 0);
	SAY("fork+execveat /bin/true (child %d)", p);
	p = fork();
	if (p == 0) { pause(); _exit(0); }
	SAY("kill %d SIGKILL -> %ld", p, syscall(SYS_kill, p, SIGKILL));
	waitpid(p, NULL, 0);
	SAY("setuid 0 -> %ld", syscall(SYS_setuid, 0));
	SAY("setgid 0 -> %ld", syscall(SYS_setgid, 0));
	SAY("setresuid -1 -1 -1 -> %ld", syscall(SYS_setresuid, -1, -1, -1));
	SAY("setresgid -1 -1 -1 -> %ld", syscall(SYS_setresgid, -1, -1, -1));
	SAY("prctl PR_SET_NAME trigname -> %ld", syscall(SYS_prctl, PR_SET_NAME, "trigname", 0, 0, 0));
	SAY("prctl PR_SET_DUMPABLE 1 -> %ld", syscall(SYS_prctl, PR_SET_DUMPABLE, 1, 0, 0, 0));
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2];
	syscall(SYS_capget, &hdr, data);
	SAY("capset (unchanged) -> %ld", syscall(SYS_capset, &hdr, data));
	SAY("unshare CLONE_NEWUTS -> %ld", syscall(SYS_unshare, CLONE_NEWUTS));
	int nsfd = open("/proc/self/ns/uts", O_RDONLY);
	SAY("setns %d CLONE_NEWUTS -> %ld", nsfd, syscall(SYS_setns, nsfd, CLONE_NEWUTS));
	SAY("mount tmpfs /tmp/sensord-trigger/m -> %ld", (mkdir("/tmp/sensord-trigger/m", 0755), syscall(SYS_mount, "none", "/tmp/sensord-trigger/m", "tmpfs", MS_NOSUID | MS_NODEV, "size=1m")));
	SAY("umount2 MNT_DETACH -> %ld", syscall(SYS_umount2, "/tmp/sensord-trigger/m", MNT_DETACH));
	SAY("bpf BPF_PROG_GET_NEXT_ID -> %ld", syscall(SYS_bpf, 11, &(unsigned int[4]){0}, 16));
	SAY("init_module (bogus) -> %ld", syscall(SYS_init_module, "\x7f" "ELFbogus", 8, "param=1"));
	SAY("finit_module fd=-1 -> %ld", syscall(SYS_finit_module, -1, "", 0));
	SAY("userfaultfd O_CLOEXEC -> %ld", syscall(SYS_userfaultfd, O_CLOEXEC));
	p = fork();
	if (p == 0) { raise(SIGSTOP); _exit(0); }
	waitpid(p, NULL, WUNTRACED);
	SAY("ptrace ATTACH %d -> %ld", p, syscall(SYS_ptrace, PTRACE_ATTACH, p, 0, 0));
	waitpid(p, NULL, 0);
	long word = 0;
	SAY("ptrace PEEKDATA -> %ld", syscall(SYS_ptrace, PTRACE_PEEKDATA, p, &word, &word));
	SAY("ptrace CONT sig 0 -> %ld", syscall(SYS_ptrace, PTRACE_CONT, p, 0, 0));
	kill(p, SIGKILL);
	waitpid(p, NULL, 0);
	p = syscall(SYS_clone, CLONE_VFORK | CLONE_VM | SIGCHLD, 0, 0, 0, 0);
	if (p == 0) syscall(SYS_exit, 3);
	SAY("clone CLONE_VFORK|CLONE_VM -> %d", p);
	waitpid(p, NULL, 0);
}

int main(int argc, char **argv)
{
	if (argc < 2) { fprintf(stderr, "usage: trigger all|files|net|process|openat PATH|connect IP PORT\n"); return 2; }
	if (!strcmp(argv[1], "openat") && argc > 2) { int fd = openat(AT_FDCWD, argv[2], O_RDONLY); SAY("openat %s -> %d", argv[2], fd); return 0; }
	if (!strcmp(argv[1], "connect") && argc > 3) {
		struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(atoi(argv[3])) };
		inet_pton(AF_INET, argv[2], &sa.sin_addr);
		if (sa.sin_addr.s_addr != htonl(INADDR_LOOPBACK)) { fprintf(stderr, "loopback only\n"); return 2; }
		int s = socket(AF_INET, SOCK_STREAM, 0);
		SAY("connect -> %d", connect(s, (struct sockaddr *)&sa, sizeof(sa)));
		return 0;
	}

	int all = !strcmp(argv[1], "all");
	if (all || !strcmp(argv[1], "files")) do_files();
	if (all || !strcmp(argv[1], "net")) do_net();
	if (all || !strcmp(argv[1], "process")) do_process();
	return 0;
}
