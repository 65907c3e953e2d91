/* Probe configuration: `const volatile` values are fixed by user space before load (rodata);
 * the syscall selection lives in .bss so user space can change it while the probe is attached. */
#pragma once

#define SENSORD_MAX_SYSCALLS 512

/* Epoch ns at boot: added to bpf_ktime_get_boot_ns() so ts is ns since the epoch. */
const volatile __u64 boot_time_ns = 0;
/* Bytes kept from I/O data buffers (sendto/recvfrom/sendmsg/recvmsg/init_module). */
const volatile __u32 snaplen = 80;
/* Force a reader wake-up once this much data is pending in a ring. */
const volatile __u32 wakeup_bytes = 256 * 1024;
/* The sensor's own process: never traced. */
const volatile __s32 exclude_tgid = 0;

/* 1 = the exit of this x86_64 syscall number is emitted. */
__u8 selected[SENSORD_MAX_SYSCALLS] = {};
