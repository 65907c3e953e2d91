// SPDX-License-Identifier: GPL-2.0
/* sensord probe: Falco ppm exit records from tp_btf/sys_exit (dispatcher + one filler per syscall,
 * reached by tail call), tp_btf/sched_process_exec and tp_btf/sched_process_exit, written to per-CPU
 * ring buffers. Layers: core/ (config, maps, record builder, kernel reads, conversions), hooks/ (programs). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "sensord_events.h"

#include "core/config.h"
#include "core/maps.h"
#include "core/record.h"
#include "core/convert.h"
#include "core/read.h"
#include "core/socket.h"
#include "core/process.h"

#include "hooks/common.h"
#include "hooks/dispatch.bpf.h"
#include "hooks/sched.bpf.h"
#include "hooks/file.bpf.h"
#include "hooks/net.bpf.h"
#include "hooks/process.bpf.h"

char LICENSE[] SEC("license") = "GPL";
