/* Socket params: PT_SOCKADDR from a user sockaddr, PT_SOCKTUPLE from the kernel socket behind an fd
 * (libs auxmap__store_sockaddr_param / auxmap__store_socktuple_param layouts). */
#pragma once

#define K_AF_UNIX 1
#define K_AF_INET 2
#define K_AF_INET6 10
#define UNIX_PATH_MAX 108

enum tuple_direction { TUPLE_OUTBOUND, TUPLE_INBOUND };

static __always_inline __u16 net__ntohs(__u16 v) { return __builtin_bswap16(v); }

/* The socket behind fd, or NULL when fd is not a socket. */
static __always_inline struct socket *fd__socket(__s64 fd)
{
	struct file *f = fd__file(fd);
	if (!f)
		return NULL;
	umode_t mode = BPF_CORE_READ(f, f_inode, i_mode);
	if ((mode & K_S_IFMT) != K_S_IFSOCK)
		return NULL;
	return (struct socket *)BPF_CORE_READ(f, private_data);
}

/* Unix path: abstract names (leading NUL) are stored without the NUL, as libs does. */
static __always_inline __u32 put__unix_path(struct aux *a, const char *path, bool user)
{
	char first = 0;
	if (user)
		bpf_probe_read_user(&first, 1, path);
	else
		bpf_probe_read_kernel(&first, 1, path);
	if (first == '\0')
		path++;
	__u32 n = put__str(a, path, UNIX_PATH_MAX, user);
	if (n == 0) {
		put__u8(a, 0);
		n = 1;
	}
	return n;
}

/* PT_SOCKADDR: u8 family + (ipv4 4B addr + u16 port | ipv6 16B + u16 port | unix path). */
static __always_inline void store__sockaddr(struct aux *a, const void *usr, __u32 usrlen)
{
	__u16 family = 0;
	if (!usr || usrlen < 2 || bpf_probe_read_user(&family, sizeof(family), usr)) {
		store__empty(a);
		return;
	}
	switch (family) {
	case K_AF_INET: {
		struct sockaddr_in sin = {};
		bpf_probe_read_user(&sin, sizeof(sin), usr);
		put__u8(a, PPM_AF_INET);
		put__u32(a, sin.sin_addr.s_addr);
		put__u16(a, net__ntohs(sin.sin_port));
		record__push_len(a, 1 + 4 + 2);
		break;
	}
	case K_AF_INET6: {
		struct sockaddr_in6 sin6 = {};
		bpf_probe_read_user(&sin6, sizeof(sin6), usr);
		put__u8(a, PPM_AF_INET6);
		put__u64(a, *(__u64 *)&sin6.sin6_addr.in6_u.u6_addr8[0]);
		put__u64(a, *(__u64 *)&sin6.sin6_addr.in6_u.u6_addr8[8]);
		put__u16(a, net__ntohs(sin6.sin6_port));
		record__push_len(a, 1 + 16 + 2);
		break;
	}
	case K_AF_UNIX: {
		put__u8(a, PPM_AF_UNIX);
		__u32 n = usrlen > 2 ? put__unix_path(a, (const char *)usr + 2, true) : 0;
		record__push_len(a, 1 + n);
		break;
	}
	default:
		store__empty(a);
		break;
	}
}

/* PT_SOCKTUPLE: outbound (connect/send) = local -> remote, inbound (accept/recv) = remote -> local.
 * Layout (checked on corpus captures): family, src addr, src port, dst addr, dst port (ports in host
 * order); unix: family, u64 ptr, u64 ptr (remote first when outbound, as libs), path.
 * `usr` is the syscall's user sockaddr, used as the remote end of a socket that is not connected. */
static __always_inline void store__socktuple(struct aux *a, struct socket *sock, int direction,
					     const void *usr, __u32 usrlen)
{
	struct sock *sk = BPF_CORE_READ(sock, sk);
	if (!sk) {
		store__empty(a);
		return;
	}
	__u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);
	switch (family) {
	case K_AF_INET: {
		struct inet_sock *inet = (struct inet_sock *)sk;
		__u32 laddr = BPF_CORE_READ(inet, inet_saddr);
		__u16 lport = net__ntohs(BPF_CORE_READ(inet, inet_sport));
		__u32 raddr = BPF_CORE_READ(sk, __sk_common.skc_daddr);
		__u16 rport = net__ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
		if (rport == 0 && usr && usrlen >= sizeof(struct sockaddr_in)) {
			struct sockaddr_in sin = {};
			if (!bpf_probe_read_user(&sin, sizeof(sin), usr) && sin.sin_family == K_AF_INET) {
				raddr = sin.sin_addr.s_addr;
				rport = net__ntohs(sin.sin_port);
			}
		}
		if (laddr == 0)
			laddr = BPF_CORE_READ(sk, __sk_common.skc_rcv_saddr);
		put__u8(a, PPM_AF_INET);
		if (direction == TUPLE_OUTBOUND) {
			put__u32(a, laddr); put__u16(a, lport); put__u32(a, raddr); put__u16(a, rport);
		} else {
			put__u32(a, raddr); put__u16(a, rport); put__u32(a, laddr); put__u16(a, lport);
		}
		record__push_len(a, 1 + 4 + 4 + 2 + 2);
		break;
	}
	case K_AF_INET6: {
		struct in6_addr laddr = BPF_CORE_READ(sk, __sk_common.skc_v6_rcv_saddr);
		struct in6_addr raddr = BPF_CORE_READ(sk, __sk_common.skc_v6_daddr);
		__u16 lport = BPF_CORE_READ(sk, __sk_common.skc_num);
		__u16 rport = net__ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
		if (rport == 0 && usr && usrlen >= sizeof(struct sockaddr_in6)) {
			struct sockaddr_in6 sin6 = {};
			if (!bpf_probe_read_user(&sin6, sizeof(sin6), usr) && sin6.sin6_family == K_AF_INET6) {
				raddr = sin6.sin6_addr;
				rport = net__ntohs(sin6.sin6_port);
			}
		}
		struct in6_addr *src = direction == TUPLE_OUTBOUND ? &laddr : &raddr;
		struct in6_addr *dst = direction == TUPLE_OUTBOUND ? &raddr : &laddr;
		put__u8(a, PPM_AF_INET6);
		put__u64(a, *(__u64 *)&src->in6_u.u6_addr8[0]);
		put__u64(a, *(__u64 *)&src->in6_u.u6_addr8[8]);
		put__u16(a, direction == TUPLE_OUTBOUND ? lport : rport);
		put__u64(a, *(__u64 *)&dst->in6_u.u6_addr8[0]);
		put__u64(a, *(__u64 *)&dst->in6_u.u6_addr8[8]);
		put__u16(a, direction == TUPLE_OUTBOUND ? rport : lport);
		record__push_len(a, 1 + 16 + 16 + 2 + 2);
		break;
	}
	case K_AF_UNIX: {
		struct unix_sock *local = (struct unix_sock *)sk;
		struct unix_sock *remote = (struct unix_sock *)BPF_CORE_READ(local, peer);
		struct unix_sock *named = direction == TUPLE_OUTBOUND ? remote : local;
		put__u8(a, PPM_AF_UNIX);
		if (direction == TUPLE_OUTBOUND) {
			put__u64(a, (__u64)remote); put__u64(a, (__u64)local);
		} else {
			put__u64(a, (__u64)local); put__u64(a, (__u64)remote);
		}
		__u32 n;
		struct unix_address *addr = named ? BPF_CORE_READ(named, addr) : NULL;
		if (addr) {
			n = put__unix_path(a, (const char *)addr + bpf_core_field_offset(struct unix_address, name) +
						      offsetof(struct sockaddr_un, sun_path), false);
		} else {
			put__u8(a, 0);
			n = 1;
		}
		record__push_len(a, 1 + 8 + 8 + n);
		break;
	}
	default:
		store__empty(a);
		break;
	}
}

static __always_inline void store__fd_socktuple(struct aux *a, __s64 fd, int direction, const void *usr,
						__u32 usrlen)
{
	struct socket *sock = fd__socket(fd);
	if (!sock) {
		store__empty(a);
		return;
	}
	store__socktuple(a, sock, direction, usr, usrlen);
}
