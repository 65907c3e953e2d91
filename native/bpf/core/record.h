/* Building ppm records: begin (frame prefix + header), store params in table order, submit to the
 * CPU's ring. Every store appends its bytes and its u16 length, as Falco's auxmap does. */
#pragma once

#define FRAME_PREFIX 4
#define PPM_HDR_SIZE 26
#define HDR_OFF_TS (FRAME_PREFIX + 0)
#define HDR_OFF_TID (FRAME_PREFIX + 8)
#define HDR_OFF_LEN (FRAME_PREFIX + 16)
#define HDR_OFF_TYPE (FRAME_PREFIX + 20)
#define HDR_OFF_NPARAMS (FRAME_PREFIX + 22)
#define LENS_OFF (FRAME_PREFIX + PPM_HDR_SIZE)

#define MAX_PATH_LEN 4096
#define MAX_ARGS_LEN 4096

static __always_inline struct aux *aux__get(void)
{
	__u32 cpu = bpf_get_smp_processor_id();
	return bpf_map_lookup_elem(&aux_maps, &cpu);
}

static __always_inline void record__count_drop(void)
{
	__u32 zero = 0;
	__u64 *n = bpf_map_lookup_elem(&drops, &zero);
	if (n)
		*n += 1;
}

static __always_inline void record__begin(struct aux *a, __u16 type, __u32 nparams)
{
	__u8 *d = a->data;
	*(__u16 *)&d[0] = (__u16)bpf_get_smp_processor_id();
	*(__u16 *)&d[2] = 0;
	*(__u64 *)&d[HDR_OFF_TS] = boot_time_ns + bpf_ktime_get_boot_ns();
	*(__u64 *)&d[HDR_OFF_TID] = bpf_get_current_pid_tgid() & 0xffffffff;
	*(__u16 *)&d[HDR_OFF_TYPE] = type;
	*(__u32 *)&d[HDR_OFF_NPARAMS] = nparams;
	a->nparams = nparams;
	a->lens_pos = LENS_OFF;
	a->pos = LENS_OFF + 2 * nparams;
}

static __always_inline void record__push_len(struct aux *a, __u16 len)
{
	*(__u16 *)&a->data[a->lens_pos & 127] = len;
	a->lens_pos += 2;
}

/* Room left before the masked write window ends; keeps a too-large record from wrapping. */
static __always_inline __u32 record__room(struct aux *a)
{
	return AUX_HALF - AUX_SAFE(a->pos);
}

static __always_inline void store__empty(struct aux *a)
{
	record__push_len(a, 0);
}

static __always_inline void store__u8(struct aux *a, __u8 v)
{
	a->data[AUX_SAFE(a->pos)] = v;
	a->pos += 1;
	record__push_len(a, 1);
}

static __always_inline void store__u16(struct aux *a, __u16 v)
{
	*(__u16 *)&a->data[AUX_SAFE(a->pos)] = v;
	a->pos += 2;
	record__push_len(a, 2);
}

static __always_inline void store__u32(struct aux *a, __u32 v)
{
	*(__u32 *)&a->data[AUX_SAFE(a->pos)] = v;
	a->pos += 4;
	record__push_len(a, 4);
}

static __always_inline void store__u64(struct aux *a, __u64 v)
{
	*(__u64 *)&a->data[AUX_SAFE(a->pos)] = v;
	a->pos += 8;
	record__push_len(a, 8);
}

static __always_inline void store__s64(struct aux *a, __s64 v)
{
	store__u64(a, (__u64)v);
}

/* Raw bytes appended to the current param without closing it (for composite params). */
static __always_inline void put__u8(struct aux *a, __u8 v)
{
	a->data[AUX_SAFE(a->pos)] = v;
	a->pos += 1;
}
static __always_inline void put__u16(struct aux *a, __u16 v)
{
	*(__u16 *)&a->data[AUX_SAFE(a->pos)] = v;
	a->pos += 2;
}
static __always_inline void put__u32(struct aux *a, __u32 v)
{
	*(__u32 *)&a->data[AUX_SAFE(a->pos)] = v;
	a->pos += 4;
}
static __always_inline void put__u64(struct aux *a, __u64 v)
{
	*(__u64 *)&a->data[AUX_SAFE(a->pos)] = v;
	a->pos += 8;
}

/* A NUL-terminated string from user or kernel memory, NUL counted; returns the bytes written. */
static __always_inline __u32 put__str(struct aux *a, const void *src, __u32 max, bool user)
{
	__u32 room = record__room(a);
	if (max > room)
		max = room;
	barrier_var(max);
	max &= AUX_HALF - 1; /* tells the verifier the bound clang may have folded away */
	if (!src || max == 0)
		return 0;
	long n = user ? bpf_probe_read_user_str(&a->data[AUX_SAFE(a->pos)], max, src)
		      : bpf_probe_read_kernel_str(&a->data[AUX_SAFE(a->pos)], max, src);
	if (n <= 0)
		return 0;
	a->pos += n;
	return n;
}

/* Raw bytes from user or kernel memory; returns the bytes written (0 when the read fails). */
static __always_inline __u32 put__bytes(struct aux *a, const void *src, __u32 len, bool user)
{
	__u32 room = record__room(a);
	if (len > room)
		len = room;
	barrier_var(len);
	len &= AUX_HALF - 1;
	if (!src || len == 0)
		return 0;
	long err = user ? bpf_probe_read_user(&a->data[AUX_SAFE(a->pos)], len, src)
			: bpf_probe_read_kernel(&a->data[AUX_SAFE(a->pos)], len, src);
	if (err)
		return 0;
	a->pos += len;
	return len;
}

static __always_inline void store__user_str(struct aux *a, const void *src, __u32 max)
{
	record__push_len(a, put__str(a, src, max, true));
}

static __always_inline void store__kernel_str(struct aux *a, const void *src, __u32 max)
{
	record__push_len(a, put__str(a, src, max, false));
}

static __always_inline void store__user_bytes(struct aux *a, const void *src, __u32 len)
{
	record__push_len(a, put__bytes(a, src, len, true));
}

/* Ring of the current CPU (user space maps every CPU to a ring). */
static __always_inline void *ring__current(void)
{
	__u32 cpu = bpf_get_smp_processor_id();
	return bpf_map_lookup_elem(&ringbufs, &cpu);
}

/* No wake-up per record: the reader polls with a timeout, and is woken once enough data is pending. */
static __always_inline __u64 ring__wakeup_flags(void *ring, __u64 size)
{
	__u64 pending = bpf_ringbuf_query(ring, BPF_RB_AVAIL_DATA);
	return pending + size >= wakeup_bytes ? BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP;
}

static __always_inline void record__submit(struct aux *a)
{
	__u64 size = a->pos;
	if (size > AUX_HALF || size < LENS_OFF) {
		record__count_drop();
		return;
	}
	*(__u32 *)&a->data[HDR_OFF_LEN] = (__u32)(size - FRAME_PREFIX);
	void *ring = ring__current();
	if (!ring) {
		record__count_drop();
		return;
	}
	if (bpf_ringbuf_output(ring, a->data, size, ring__wakeup_flags(ring, size)))
		record__count_drop();
}
