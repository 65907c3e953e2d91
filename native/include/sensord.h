/* sensord native bridge: load the CO-RE probe, pick the traced syscalls, attach, and poll batches of
 * Falco ppm records (merged across rings in timestamp order) into a caller-owned buffer.
 * Plain C ABI for koffi / node-addon-api; every call except sensord_poll is cheap and non-blocking. */
#ifndef SENSORD_H
#define SENSORD_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct sensord_config {
	uint32_t ring_bytes;    /* per ring, power of 2 multiple of page size; 0 = 8 MiB */
	uint32_t cpus_per_ring; /* 1 = one ring per CPU (default), N = one per N CPUs, 0 = one shared ring */
	uint32_t wakeup_bytes;  /* force a wake-up once this much data is pending; 0 = 256 KiB */
	uint32_t snaplen;       /* data bytes kept for I/O buffers; 0 = 80 */
	int32_t exclude_tgid;   /* the sensor's own process: never traced; 0 = none */
	uint64_t boot_time_ns;  /* epoch ns at boot, added to bpf_ktime_get_boot_ns(); 0 = compute it */
};

struct sensord_stats {
	uint64_t events; /* records copied out by sensord_poll */
	uint64_t bytes;  /* their bytes, framing included */
	uint64_t drops;  /* records the probe could not write (ring full), summed over CPUs */
	uint32_t rings;
	uint32_t cpus;
};

typedef struct sensord sensord_t;

/* Frame of every record in a poll buffer: [u16 cpu][u16 reserved=0][ppm event of hdr.len bytes]. */
#define SENSORD_FRAME_HEADER 4

/* Loads the probe and creates the rings (cfg may be NULL for defaults). NULL on error, with a message. */
sensord_t *sensord_open(const struct sensord_config *cfg, char *err, uint32_t errlen);
/* selected_by_nr[nr] != 0 traces x86_64 syscall nr (exit events). Callable while attached.
 * Returns how many supported syscalls are now selected, <0 -errno. Nothing is selected after open. */
int sensord_select_syscalls(sensord_t *h, const uint8_t *selected_by_nr, uint32_t n);
int sensord_attach(sensord_t *h, char *err, uint32_t errlen);
/* Detaches the programs (rings and maps stay; attach again to resume). */
int sensord_detach(sensord_t *h);
/* Waits up to timeout_ms for data, then copies whole records (k-way merged by timestamp across rings)
 * into buf until it is full or the rings are empty. Returns bytes written (0 on timeout), <0 -errno.
 * Never splits a record; a record larger than cap is skipped and counted in drops.
 * Touches no memory but buf and the handle; safe to run concurrently with sensord_stats. */
int64_t sensord_poll(sensord_t *h, uint8_t *buf, uint32_t cap, int32_t timeout_ms);
int sensord_stats(sensord_t *h, struct sensord_stats *out);
/* Per-CPU drop counters into out[0..n); returns the number of CPUs written. */
int sensord_drops_per_cpu(sensord_t *h, uint64_t *out, uint32_t n);
void sensord_close(sensord_t *h);

#ifdef __cplusplus
}
#endif

#endif /* SENSORD_H */
