/* Network syscalls: socket creation, bind/listen/accept/connect, and data transfer with a snaplen
 * cut of the payload. Tuples come from the kernel socket at exit. */
#pragma once

#define K_EINPROGRESS 115
#define MAX_IOVS 16
#define SOCK_TYPE_MASK 0xf

SYS_EXIT_FILLER(socket)
{
	RECORD_BEGIN(PPME_SOCKET_SOCKET_X);
	__u32 type = sys__arg(regs, 1);
	/* Parameter 1: fd (FD) */
	store__s64(a, ret);
	/* Parameter 2: domain (ENUMFLAGS32: socket_families) */
	store__u32(a, convert__socket_family(sys__arg(regs, 0)));
	/* Parameter 3: type (UINT32, raw) */
	store__u32(a, type);
	/* Parameter 4: proto (UINT32) */
	store__u32(a, sys__arg(regs, 2));
	/* Parameter 5: flags (FLAGS32): SOCK_NONBLOCK/SOCK_CLOEXEC as PPM_O_* */
	store__u32(a, convert__fd_flags(type & ~SOCK_TYPE_MASK) & (PPM_O_NONBLOCK | PPM_O_CLOEXEC));
	record__submit(a);
	return 0;
}

SYS_EXIT_FILLER(socketpair)
{
	RECORD_BEGIN(PPME_SOCKET_SOCKETPAIR_X);
	__s32 fds[2];
	read__fd_pair(sys__arg(regs, 3), ret, fds);
	struct socket *sock = ret >= 0 ? fd__socket(fds[0]) : NULL;
	struct sock *sk = sock ? BPF_CORE_READ(sock, sk) : NULL;
	/* Parameter 1: res (ERRNO) */
	store__s64(a, ret);
	/* Parameter 2: fd1 (FD) */
	store__s64(a, fds[0]);
	/* Parameter 3: fd2 (FD) */
	store__s64(a, fds[1]);
	/* Parameter 4: source (UINT64): the first socket's struct sock */
	store__u64(a, (__u64)sk);
	/* Parameter 5: peer (UINT64): its unix peer */
	store__u64(a, sk ? (__u64)BPF_CORE_READ((struct unix_sock *)sk, peer) : 0);
	/* Parameter 6: domain (ENUMFLAGS32: socket_families) */
	store__u32(a, convert__socket_family(sys__arg(regs, 0)));
	/* Parameter 7: type (UINT32) */
	store__u32(a, sys__arg(regs, 1));
	/* Parameter 8: proto (UINT32) */
	store__u32(a, sys__arg(regs, 2));
	record__submit(a);
	return 0;
}

SYS_EXIT_FILLER(bind)
{
	RECORD_BEGIN(PPME_SOCKET_BIND_X);
	/* Parameter 1: res (ERRNO) */
	store__s64(a, ret);
	/* Parameter 2: addr (SOCKADDR) */
	store__sockaddr(a, (void *)sys__arg(regs, 1), sys__arg(regs, 2));
	/* Parameter 3: fd (FD) */
	store__s64(a, sys__fd_arg(regs, 0));
	record__submit(a);
	return 0;
}

SYS_EXIT_FILLER(connect)
{
	RECORD_BEGIN(PPME_SOCKET_CONNECT_X);
	__s64 fd = sys__fd_arg(regs, 0);
	void *uaddr = (void *)sys__arg(regs, 1);
	__u32 ulen = sys__arg(regs, 2);
	/* Parameter 1: res (ERRNO) */
	store__s64(a, ret);
	/* Parameter 2: tuple (SOCKTUPLE): only once the connection exists (or is in progress) */
	if (ret == 0 || ret == -K_EINPROGRESS)
		store__fd_socktuple(a, fd, TUPLE_OUTBOUND, uaddr, ulen);
	else
		store__empty(a);
	/* Parameter 3: fd (FD) */
	store__s64(a, fd);
	/* Parameter 4: addr (SOCKADDR) */
	store__sockaddr(a, uaddr, ulen);
	record__submit(a);
	return 0;
}

SYS_EXIT_FILLER(listen)
{
	RECORD_BEGIN(PPME_SOCKET_LISTEN_X);
	/* Parameter 1: res (ERRNO) */
	store__s64(a, ret);
	/* Parameter 2: fd (FD) */
	store__s64(a, sys__fd_arg(regs, 0));
	/* Parameter 3: backlog (INT32) */
	store__u32(a, (__s32)sys__arg(regs, 1));
	record__submit(a);
	return 0;
}

/* accept and accept4 share params 1-5 (accept4 adds flags). */
static __always_inline void store__accept_params(struct aux *a, struct pt_regs *regs, long ret)
{
	/* Parameter 1: fd (FD) */
	store__s64(a, ret);
	/* Parameter 2: tuple (SOCKTUPLE): client -> server */
	if (ret >= 0)
		store__fd_socktuple(a, ret, TUPLE_INBOUND, NULL, 0);
	else
		store__empty(a);
	/* Parameters 3-5: queuepct (UINT8), queuelen (UINT32), queuemax (UINT32) of the listening socket */
	__u32 qlen = 0, qmax = 0;
	struct socket *lsock = fd__socket(sys__fd_arg(regs, 0));
	struct sock *lsk = lsock ? BPF_CORE_READ(lsock, sk) : NULL;
	if (lsk) {
		qlen = BPF_CORE_READ(lsk, sk_ack_backlog);
		qmax = BPF_CORE_READ(lsk, sk_max_ack_backlog);
	}
	store__u8(a, qmax ? (__u8)((qlen * 100) / qmax) : 0);
	store__u32(a, qlen);
	store__u32(a, qmax);
}

SYS_EXIT_FILLER(accept)
{
	RECORD_BEGIN(PPME_SOCKET_ACCEPT_5_X);
	store__accept_params(a, regs, ret);
	record__submit(a);
	return 0;
}

SYS_EXIT_FILLER(accept4)
{
	RECORD_BEGIN(PPME_SOCKET_ACCEPT4_6_X);
	store__accept_params(a, regs, ret);
	/* Parameter 6: flags (INT32) */
	store__u32(a, (__s32)sys__arg(regs, 3));
	record__submit(a);
	return 0;
}

/* Up to snaplen bytes of a user buffer. */
static __always_inline void store__data(struct aux *a, const void *buf, __s64 len)
{
	__u32 n = len > 0 ? (len > snaplen ? snaplen : (__u32)len) : 0;
	if (n > 4096)
		n = 4096;
	store__user_bytes(a, buf, n);
}

SYS_EXIT_FILLER(sendto)
{
	RECORD_BEGIN(PPME_SOCKET_SENDTO_X);
	__s64 fd = sys__fd_arg(regs, 0);
	__u32 size = sys__arg(regs, 2);
	/* Parameter 1: res (ERRNO) */
	store__s64(a, ret);
	/* Parameter 2: data (BYTEBUF): what was sent, or what was asked on failure */
	store__data(a, (void *)sys__arg(regs, 1), ret > 0 ? ret : size);
	/* Parameter 3: fd (FD) */
	store__s64(a, fd);
	/* Parameter 4: size (UINT32) */
	store__u32(a, size);
	/* Parameter 5: tuple (SOCKTUPLE) */
	if (ret >= 0)
		store__fd_socktuple(a, fd, TUPLE_OUTBOUND, (void *)sys__arg(regs, 4), sys__arg(regs, 5));
	else
		store__empty(a);
	record__submit(a);
	return 0;
}

SYS_EXIT_FILLER(recvfrom)
{
	RECORD_BEGIN(PPME_SOCKET_RECVFROM_X);
	__s64 fd = sys__fd_arg(regs, 0);
	/* Parameter 1: res (ERRNO) */
	store__s64(a, ret);
	/* Parameter 2: data (BYTEBUF) */
	store__data(a, (void *)sys__arg(regs, 1), ret);
	/* Parameter 3: tuple (SOCKTUPLE): sender -> us */
	if (ret >= 0) {
		__u32 alen = 0;
		void *uaddr = (void *)sys__arg(regs, 4);
		if (uaddr)
			bpf_probe_read_user(&alen, sizeof(alen), (void *)sys__arg(regs, 5));
		store__fd_socktuple(a, fd, TUPLE_INBOUND, uaddr, alen);
	} else {
		store__empty(a);
	}
	/* Parameter 4: fd (FD) */
	store__s64(a, fd);
	/* Parameter 5: size (UINT32) */
	store__u32(a, sys__arg(regs, 2));
	record__submit(a);
	return 0;
}

/* Copies up to `want` bytes spread over a user iovec array into the current param. */
struct iov_copy {
	struct aux *a;
	const struct iovec *iov;
	__u64 iovcnt;
	__u32 want;
	__u32 done;
	__u32 total; /* sum of iov_len */
};

static long iov_copy__step(__u32 i, void *ctx)
{
	struct iov_copy *c = ctx;
	if (i >= c->iovcnt)
		return 1;
	struct iovec v = {};
	if (bpf_probe_read_user(&v, sizeof(v), &c->iov[i]))
		return 1;
	c->total += v.iov_len;
	if (c->done < c->want) {
		__u32 n = c->want - c->done;
		if (n > v.iov_len)
			n = v.iov_len;
		if (n > 4096)
			n = 4096;
		c->done += put__bytes(c->a, v.iov_base, n, true);
	}
	return 0;
}

static __always_inline struct iov_copy iov__copy(struct aux *a, struct user_msghdr *msg, __s64 len)
{
	struct iov_copy c = {
		.a = a,
		.iov = msg->msg_iov,
		.iovcnt = msg->msg_iovlen,
		.want = len > 0 ? (len > snaplen ? snaplen : (__u32)len) : 0,
	};
	bpf_loop(MAX_IOVS, iov_copy__step, &c, 0);
	return c;
}

SYS_EXIT_FILLER(sendmsg)
{
	RECORD_BEGIN(PPME_SOCKET_SENDMSG_X);
	__s64 fd = sys__fd_arg(regs, 0);
	struct user_msghdr msg = {};
	bpf_probe_read_user(&msg, sizeof(msg), (void *)sys__arg(regs, 1));
	/* Parameter 1: res (ERRNO) */
	store__s64(a, ret);
	/* Parameter 2: data (BYTEBUF): sent bytes, or the asked size on failure */
	struct iov_copy c = iov__copy(a, &msg, ret > 0 ? ret : 0x7fffffff);
	record__push_len(a, c.done);
	/* Parameter 3: fd (FD) */
	store__s64(a, fd);
	/* Parameter 4: size (UINT32): sum of the iovec lengths */
	store__u32(a, c.total);
	/* Parameter 5: tuple (SOCKTUPLE) */
	if (ret >= 0)
		store__fd_socktuple(a, fd, TUPLE_OUTBOUND, msg.msg_name, msg.msg_namelen);
	else
		store__empty(a);
	record__submit(a);
	return 0;
}

SYS_EXIT_FILLER(recvmsg)
{
	RECORD_BEGIN(PPME_SOCKET_RECVMSG_X);
	__s64 fd = sys__fd_arg(regs, 0);
	struct user_msghdr msg = {};
	bpf_probe_read_user(&msg, sizeof(msg), (void *)sys__arg(regs, 1));
	/* Parameter 1: res (ERRNO) */
	store__s64(a, ret);
	/* Parameter 2: size (UINT32), Parameter 3: data (BYTEBUF): size is the param before data, so
	 * the data is copied first and the size slot filled from the copy's iovec total. */
	__u64 size_pos = a->pos;
	put__u32(a, 0);
	record__push_len(a, 4);
	struct iov_copy c = iov__copy(a, &msg, ret);
	record__push_len(a, c.done);
	*(__u32 *)&a->data[AUX_SAFE(size_pos)] = c.total;
	/* Parameter 4: tuple (SOCKTUPLE) */
	if (ret >= 0)
		store__fd_socktuple(a, fd, TUPLE_INBOUND, msg.msg_name, msg.msg_namelen);
	else
		store__empty(a);
	/* Parameter 5: msgcontrol (BYTEBUF) */
	__u32 clen = ret >= 0 ? msg.msg_controllen : 0;
	store__user_bytes(a, msg.msg_control, clen > snaplen ? snaplen : clen);
	/* Parameter 6: fd (FD) */
	store__s64(a, fd);
	record__submit(a);
	return 0;
}
