/* sensord native bridge: loads the embedded probe skeleton, creates one ring per CPU (or shared rings),
 * fills the sys_exit filler table from SENSORD_SYSCALLS, and consumes the mmapped rings itself:
 * ringbuf record headers (BUSY/DISCARD, 8-byte alignment) are read directly and records from all rings
 * are merged by timestamp into the caller's buffer. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "sensord.h"
#include "sensord_events.h"
#include "sensord.skel.h"

#define API __attribute__((visibility("default")))
#define DEFAULT_RING_BYTES (8u << 20)
#define DEFAULT_WAKEUP_BYTES (256u << 10)
#define DEFAULT_SNAPLEN 80u
#define MAX_SYSCALLS 512
#define IDLE_SLICE_MS 4 /* rings are submitted without wake-ups: look again at least this often (bounds alert latency) */
#define RB_BUSY (1U << 31)
#define RB_DISCARD (1U << 30)
#define RB_HDR 8

struct ring {
	int fd;
	size_t size;
	uint64_t mask;
	unsigned long *consumer;       /* RW page */
	const unsigned long *producer; /* RO page, followed by the data mapped twice */
	const uint8_t *data;
	uint64_t cons;                 /* our copy of the consumer position */
	/* head record, valid when has_head */
	bool has_head;
	uint32_t head_len;
	uint64_t head_ts;
};

struct sensord {
	struct sensord_bpf *skel;
	struct sensord_config cfg;
	struct ring *rings;
	uint32_t nrings;
	uint32_t ncpus;
	int epfd;
	struct bpf_link *links[3];
	uint8_t supported[MAX_SYSCALLS];
	atomic_uint_fast64_t events, bytes, oversize;
};

/* ---- libbpf log: kept for error messages, printed with SENSORD_DEBUG=1 ---------------------------- */

static char g_log[8192];
static size_t g_log_len;

static int libbpf_log(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (getenv("SENSORD_DEBUG"))
		return vfprintf(stderr, fmt, ap);
	if (level == LIBBPF_DEBUG)
		return 0;
	char line[1024];
	int n = vsnprintf(line, sizeof(line), fmt, ap);
	if (n <= 0)
		return n;
	if ((size_t)n >= sizeof(line))
		n = sizeof(line) - 1;
	if (g_log_len + n >= sizeof(g_log)) /* keep the tail: verifier errors come last */
		g_log_len = 0;
	memcpy(g_log + g_log_len, line, n);
	g_log_len += n;
	g_log[g_log_len] = 0;
	return n;
}

static void set_err(char *err, uint32_t errlen, const char *fmt, ...)
{
	if (!err || !errlen)
		return;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	if (n >= 0 && (uint32_t)n < errlen && g_log_len) {
		size_t tail = g_log_len > 600 ? 600 : g_log_len;
		snprintf(err + n, errlen - n, " | libbpf: %s", g_log + g_log_len - tail);
	}
}

/* ---- setup ---------------------------------------------------------------------------------------- */

static uint64_t compute_boot_time_ns(void)
{
	uint64_t best = 0, best_gap = UINT64_MAX;
	for (int i = 0; i < 5; i++) {
		struct timespec r0, b, r1;
		clock_gettime(CLOCK_REALTIME, &r0);
		clock_gettime(CLOCK_BOOTTIME, &b);
		clock_gettime(CLOCK_REALTIME, &r1);
		uint64_t t0 = r0.tv_sec * 1000000000ULL + r0.tv_nsec, t1 = r1.tv_sec * 1000000000ULL + r1.tv_nsec;
		uint64_t boot = b.tv_sec * 1000000000ULL + b.tv_nsec;
		if (t1 - t0 < best_gap) {
			best_gap = t1 - t0;
			best = (t0 + (t1 - t0) / 2) - boot;
		}
	}
	return best;
}

static bool is_pow2(uint32_t v) { return v && !(v & (v - 1)); }

static int ring_map(struct ring *r, int fd, size_t size)
{
	long page = sysconf(_SC_PAGESIZE);
	r->fd = fd;
	r->size = size;
	r->mask = size - 1;
	void *c = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (c == MAP_FAILED)
		return -errno;
	void *p = mmap(NULL, page + 2 * size, PROT_READ, MAP_SHARED, fd, page);
	if (p == MAP_FAILED) {
		int e = -errno;
		munmap(c, page);
		return e;
	}
	r->consumer = c;
	r->producer = p;
	r->data = (const uint8_t *)p + page;
	r->cons = __atomic_load_n(r->consumer, __ATOMIC_ACQUIRE);
	return 0;
}

static void ring_unmap(struct ring *r)
{
	long page = sysconf(_SC_PAGESIZE);
	if (r->consumer)
		munmap(r->consumer, page);
	if (r->producer)
		munmap((void *)r->producer, page + 2 * r->size);
	if (r->fd > 0)
		close(r->fd);
}

/* Puts each syscall's filler program into the tail-call table at its x86_64 number. */
static int fill_tail_table(struct sensord *h, char *err, uint32_t errlen)
{
	int table = bpf_map__fd(h->skel->maps.sys_exit_fillers);
#define FILL(name, nr, code)                                                                             \
	do {                                                                                             \
		struct bpf_program *p = bpf_object__find_program_by_name(h->skel->obj, "sys_exit_" #name); \
		uint32_t key = nr;                                                                        \
		int pfd = p ? bpf_program__fd(p) : -1;                                                   \
		if (pfd < 0 || bpf_map_update_elem(table, &key, &pfd, BPF_ANY)) {                         \
			set_err(err, errlen, "filler for %s: %s", #name, strerror(errno));                \
			return -1;                                                                        \
		}                                                                                         \
		h->supported[nr] = 1;                                                                     \
	} while (0);
	SENSORD_SYSCALLS(FILL)
#undef FILL
	return 0;
}

API sensord_t *sensord_open(const struct sensord_config *cfg, char *err, uint32_t errlen)
{
	libbpf_set_print(libbpf_log);
	g_log_len = 0;
	struct sensord *h = calloc(1, sizeof(*h));
	if (!h) {
		set_err(err, errlen, "out of memory");
		return NULL;
	}
	h->epfd = -1;
	if (cfg) {
		h->cfg = *cfg;
	} else {
		h->cfg.cpus_per_ring = 1;
	}
	if (!h->cfg.ring_bytes)
		h->cfg.ring_bytes = DEFAULT_RING_BYTES;
	if (!h->cfg.wakeup_bytes)
		h->cfg.wakeup_bytes = DEFAULT_WAKEUP_BYTES;
	if (!h->cfg.snaplen)
		h->cfg.snaplen = DEFAULT_SNAPLEN;
	if (!h->cfg.boot_time_ns)
		h->cfg.boot_time_ns = compute_boot_time_ns();
	/* A threshold at or above the ring size would never wake the reader before the ring fills. */
	if (h->cfg.wakeup_bytes > h->cfg.ring_bytes / 4)
		h->cfg.wakeup_bytes = h->cfg.ring_bytes / 4;
	long page = sysconf(_SC_PAGESIZE);
	if (!is_pow2(h->cfg.ring_bytes) || h->cfg.ring_bytes % page) {
		set_err(err, errlen, "ring_bytes %u is not a power of 2 multiple of the page size", h->cfg.ring_bytes);
		goto fail;
	}
	int ncpus = libbpf_num_possible_cpus();
	if (ncpus <= 0) {
		set_err(err, errlen, "cannot count CPUs");
		goto fail;
	}
	h->ncpus = ncpus;
	h->nrings = h->cfg.cpus_per_ring ? (ncpus + h->cfg.cpus_per_ring - 1) / h->cfg.cpus_per_ring : 1;
	h->rings = calloc(h->nrings, sizeof(*h->rings));
	if (!h->rings) {
		set_err(err, errlen, "out of memory");
		goto fail;
	}

	h->skel = sensord_bpf__open();
	if (!h->skel) {
		set_err(err, errlen, "open probe: %s", strerror(errno));
		goto fail;
	}
	h->skel->rodata->boot_time_ns = h->cfg.boot_time_ns;
	h->skel->rodata->snaplen = h->cfg.snaplen;
	h->skel->rodata->wakeup_bytes = h->cfg.wakeup_bytes;
	h->skel->rodata->exclude_tgid = h->cfg.exclude_tgid;
	bpf_map__set_max_entries(h->skel->maps.ringbufs, ncpus);
	bpf_map__set_max_entries(h->skel->maps.aux_maps, ncpus);

	for (uint32_t i = 0; i < h->nrings; i++) {
		int fd = bpf_map_create(BPF_MAP_TYPE_RINGBUF, "sensord_ring", 0, 0, h->cfg.ring_bytes, NULL);
		if (fd < 0) {
			set_err(err, errlen, "create ring %u (%u bytes): %s", i, h->cfg.ring_bytes, strerror(errno));
			goto fail;
		}
		h->rings[i].fd = fd;
	}
	bpf_map__set_inner_map_fd(h->skel->maps.ringbufs, h->rings[0].fd);

	struct bpf_program *prog;
	bpf_object__for_each_program(prog, h->skel->obj) bpf_program__set_autoattach(prog, false);

	if (sensord_bpf__load(h->skel)) {
		set_err(err, errlen, "load probe: %s", strerror(errno));
		goto fail;
	}
	int outer = bpf_map__fd(h->skel->maps.ringbufs);
	for (uint32_t cpu = 0; cpu < h->ncpus; cpu++) {
		uint32_t r = h->cfg.cpus_per_ring ? cpu / h->cfg.cpus_per_ring : 0;
		if (bpf_map_update_elem(outer, &cpu, &h->rings[r].fd, BPF_ANY)) {
			set_err(err, errlen, "map cpu %u to ring %u: %s", cpu, r, strerror(errno));
			goto fail;
		}
	}
	if (fill_tail_table(h, err, errlen))
		goto fail;

	h->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (h->epfd < 0) {
		set_err(err, errlen, "epoll: %s", strerror(errno));
		goto fail;
	}
	for (uint32_t i = 0; i < h->nrings; i++) {
		int fd = h->rings[i].fd, e = ring_map(&h->rings[i], fd, h->cfg.ring_bytes);
		if (e) {
			set_err(err, errlen, "mmap ring %u: %s", i, strerror(-e));
			goto fail;
		}
		struct epoll_event ev = { .events = EPOLLIN, .data.u32 = i };
		if (epoll_ctl(h->epfd, EPOLL_CTL_ADD, fd, &ev)) {
			set_err(err, errlen, "epoll add ring %u: %s", i, strerror(errno));
			goto fail;
		}
	}
	return h;
fail:
	sensord_close(h);
	return NULL;
}

API int sensord_select_syscalls(sensord_t *h, const uint8_t *sel, uint32_t n)
{
	if (!h || (!sel && n))
		return -EINVAL;
	volatile uint8_t *selected = h->skel->bss->selected;
	int count = 0;
	for (uint32_t nr = 0; nr < MAX_SYSCALLS; nr++) {
		uint8_t on = nr < n && sel[nr] && h->supported[nr];
		selected[nr] = on;
		count += on;
	}
	return count;
}

API int sensord_attach(sensord_t *h, char *err, uint32_t errlen)
{
	if (!h)
		return -EINVAL;
	struct bpf_program *progs[3] = { h->skel->progs.sys_exit_dispatch, h->skel->progs.sched_process_exec,
					 h->skel->progs.sched_process_exit };
	for (int i = 0; i < 3; i++) {
		if (h->links[i])
			continue;
		h->links[i] = bpf_program__attach(progs[i]);
		if (!h->links[i]) {
			int e = -errno;
			set_err(err, errlen, "attach %s: %s", bpf_program__name(progs[i]), strerror(errno));
			sensord_detach(h);
			return e;
		}
	}
	return 0;
}

API int sensord_detach(sensord_t *h)
{
	if (!h)
		return -EINVAL;
	for (int i = 0; i < 3; i++) {
		if (h->links[i])
			bpf_link__destroy(h->links[i]);
		h->links[i] = NULL;
	}
	return 0;
}

/* ---- consuming ----------------------------------------------------------------------------------- */

static inline void ring_advance(struct ring *r, uint32_t len)
{
	r->cons += (len + RB_HDR + 7) & ~7u;
	__atomic_store_n(r->consumer, r->cons, __ATOMIC_RELEASE);
	r->has_head = false;
}

/* Finds the ring's next committed record (skipping discarded ones); false when none is ready. */
static bool ring_peek(struct ring *r)
{
	if (r->has_head)
		return true;
	uint64_t prod = __atomic_load_n(r->producer, __ATOMIC_ACQUIRE);
	while (r->cons < prod) {
		const uint32_t *hdr = (const uint32_t *)(r->data + (r->cons & r->mask));
		uint32_t len = __atomic_load_n(hdr, __ATOMIC_ACQUIRE);
		if (len & RB_BUSY)
			return false;
		if (len & RB_DISCARD) {
			ring_advance(r, len & ~RB_DISCARD);
			continue;
		}
		const uint8_t *rec = (const uint8_t *)hdr + RB_HDR;
		r->head_len = len;
		memcpy(&r->head_ts, rec + SENSORD_FRAME_HEADER, sizeof(r->head_ts));
		r->has_head = true;
		return true;
	}
	return false;
}

/* Copies records, oldest first across rings, until buf is full or nothing is ready. */
static int64_t drain(struct sensord *h, uint8_t *buf, uint32_t cap, bool *had_any)
{
	uint64_t written = 0, n = 0;
	for (;;) {
		struct ring *best = NULL;
		for (uint32_t i = 0; i < h->nrings; i++) {
			struct ring *r = &h->rings[i];
			if (ring_peek(r) && (!best || r->head_ts < best->head_ts))
				best = r;
		}
		if (!best)
			break;
		*had_any = true;
		uint32_t len = best->head_len;
		if (len > cap) { /* can never fit: skip and count */
			ring_advance(best, len);
			atomic_fetch_add(&h->oversize, 1);
			continue;
		}
		if (written + len > cap)
			break;
		memcpy(buf + written, best->data + ((best->cons + RB_HDR) & best->mask), len);
		written += len;
		n++;
		ring_advance(best, len);
	}
	if (n) {
		atomic_fetch_add(&h->events, n);
		atomic_fetch_add(&h->bytes, written);
	}
	return written;
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

API int64_t sensord_poll(sensord_t *h, uint8_t *buf, uint32_t cap, int32_t timeout_ms)
{
	if (!h || !buf)
		return -EINVAL;
	int64_t deadline = timeout_ms < 0 ? INT64_MAX : now_ms() + timeout_ms;
	for (;;) {
		bool had_any = false;
		int64_t n = drain(h, buf, cap, &had_any);
		if (n > 0)
			return n;
		int64_t left = deadline - now_ms();
		if (left <= 0)
			return 0;
		struct epoll_event evs[16];
		int wait = left > IDLE_SLICE_MS ? IDLE_SLICE_MS : (int)left;
		if (epoll_wait(h->epfd, evs, 16, wait) < 0 && errno != EINTR)
			return -errno;
	}
}

API int sensord_drops_per_cpu(sensord_t *h, uint64_t *out, uint32_t n)
{
	if (!h || !out)
		return -EINVAL;
	uint64_t *vals = calloc(h->ncpus, sizeof(uint64_t));
	if (!vals)
		return -ENOMEM;
	uint32_t zero = 0;
	if (bpf_map_lookup_elem(bpf_map__fd(h->skel->maps.drops), &zero, vals)) {
		int e = -errno;
		free(vals);
		return e;
	}
	uint32_t m = n < h->ncpus ? n : h->ncpus;
	memcpy(out, vals, m * sizeof(uint64_t));
	free(vals);
	return m;
}

API int sensord_stats(sensord_t *h, struct sensord_stats *out)
{
	if (!h || !out)
		return -EINVAL;
	uint64_t vals[1024] = {0};
	int m = sensord_drops_per_cpu(h, vals, 1024);
	if (m < 0)
		return m;
	uint64_t drops = atomic_load(&h->oversize);
	for (int i = 0; i < m; i++)
		drops += vals[i];
	out->events = atomic_load(&h->events);
	out->bytes = atomic_load(&h->bytes);
	out->drops = drops;
	out->rings = h->nrings;
	out->cpus = h->ncpus;
	return 0;
}

API void sensord_close(sensord_t *h)
{
	if (!h)
		return;
	sensord_detach(h);
	if (h->epfd >= 0)
		close(h->epfd);
	for (uint32_t i = 0; h->rings && i < h->nrings; i++)
		ring_unmap(&h->rings[i]);
	free(h->rings);
	if (h->skel)
		sensord_bpf__destroy(h->skel);
	free(h);
}
