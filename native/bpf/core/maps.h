/* Maps shared by every program: output rings, drop counters, the per-CPU record scratch area and the
 * per-syscall filler table the sys_exit dispatcher tail-calls into. */
#pragma once

/* Inner map template: user space creates the real rings with the configured size and sets one of
 * them as the inner map before load (bpf_map__set_inner_map_fd). */
struct ringbuf_map {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096 * 16);
};

/* cpu id -> ring (one per CPU, one per N CPUs, or one shared); max_entries = possible CPUs. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 1);
	__type(key, __u32);
	__array(values, struct ringbuf_map);
} ringbufs SEC(".maps");

/* Records lost because a ring was full (or missing), counted per CPU. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} drops SEC(".maps");

/* Record under construction. `data` starts with the 4-byte frame prefix user space hands out as is
 * ([u16 cpu][u16 0]), then the 26-byte ppm header, the u16 length array and the params.
 * Writes are masked to the lower half so any store of <= AUX_HALF bytes stays inside `data`. */
#define AUX_DATA_SIZE (64 * 1024)
#define AUX_HALF (AUX_DATA_SIZE / 2)
#define AUX_SAFE(x) ((x) & (AUX_HALF - 1))
#define TMP_SIZE 8192
#define TMP_MASK 4095

struct aux {
	__u8 data[AUX_DATA_SIZE];
	__u8 tmp[TMP_SIZE]; /* paths are built backwards here before being copied into data */
	__u64 pos;          /* next param byte, offset in data */
	__u32 lens_pos;     /* next u16 length slot, offset in data */
	__u32 nparams;
};

/* One record area per CPU (an ARRAY indexed by cpu: per-CPU values are capped at 32 KiB). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1); /* set to the number of possible CPUs by user space */
	__type(key, __u32);
	__type(value, struct aux);
} aux_maps SEC(".maps");

/* x86_64 syscall nr -> filler program (tp_btf/sys_exit), filled by user space from SENSORD_SYSCALLS. */
struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, SENSORD_MAX_SYSCALLS);
	__type(key, __u32);
	__type(value, __u32);
} sys_exit_fillers SEC(".maps");
