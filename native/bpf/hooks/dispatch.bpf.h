/* tp_btf/sys_exit dispatcher: an unselected syscall costs one array read; a selected one is handed
 * to its filler by tail call. Only exit events are emitted: each carries all of Falco's params. */
#pragma once

SEC("tp_btf/sys_exit")
int BPF_PROG(sys_exit_dispatch, struct pt_regs *regs, long ret)
{
	__u32 nr = regs->orig_ax;
	if (nr >= SENSORD_MAX_SYSCALLS || !selected[nr])
		return 0;
	if ((__s32)(bpf_get_current_pid_tgid() >> 32) == exclude_tgid)
		return 0;
	/* ia32 syscalls use another numbering: not traced. */
	if (BPF_CORE_READ(task__current(), thread_info.status) & K_TS_COMPAT)
		return 0;
	bpf_tail_call(ctx, &sys_exit_fillers, nr);
	return 0;
}
