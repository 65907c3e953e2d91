/* Scheduler tracepoints: every successful exec (execve or execveat) and every thread exit. */
#pragma once

SEC("tp_btf/sched_process_exec")
int BPF_PROG(sched_process_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	struct task_struct *t = task__current();
	if ((__s32)(bpf_get_current_pid_tgid() >> 32) == exclude_tgid)
		return 0;
	/* Like Falco's modern probe, every successful exec — execve or execveat — is reported as an execve exit
	 * event from here (failed calls come from sys_exit with their own event type). */
	if (!selected[SENSORD_NR_execve] && !selected[SENSORD_NR_execveat])
		return 0;
	struct aux *a = aux__get();
	if (!a)
		return 0;
	record__begin(a, PPME_SYSCALL_EXECVE_19_X, PPME_SYSCALL_EXECVE_19_X_NPARAMS);
	/* Parameters 1-15: res .. cgroups (args from the new image's memory, cwd walked from fs->pwd) */
	store__process_head(a, t, 0, NULL, true);
	/* Parameters 16-30: env .. gid */
	store__exec_tail(a, t, NULL);
	/* Parameter 31: filename (FSPATH): the kernel's copy of the path given to exec */
	store__kernel_str(a, BPF_CORE_READ(bprm, filename), MAX_PATH_LEN);
	record__submit(a);
	return 0;
}

/* Child reaper for the children of an exiting thread: a live sibling thread, else the pid namespace's
 * init (libs walks sub-reapers too; simplified here). 0 when the task has no children. */
static __always_inline __s64 task__reaper_tid(struct task_struct *t)
{
	struct list_head *head = (struct list_head *)((void *)t + bpf_core_field_offset(struct task_struct, children));
	if (BPF_CORE_READ(head, next) == head)
		return 0;
	if (BPF_CORE_READ(t, signal, live.counter) > 0) {
		struct task_struct *leader = BPF_CORE_READ(t, group_leader);
		if (leader != t)
			return BPF_CORE_READ(leader, pid);
	}
	struct pid_namespace *ns = task__pid_ns(t);
	return BPF_CORE_READ(ns, child_reaper, pid);
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(sched_process_exit, struct task_struct *p)
{
	if ((__s32)(bpf_get_current_pid_tgid() >> 32) == exclude_tgid)
		return 0;
	struct task_struct *t = task__current();
	RECORD_BEGIN(PPME_PROCEXIT_1_E);
	__s32 code = BPF_CORE_READ(t, exit_code);
	/* Parameter 1: status (ERRNO) */
	store__s64(a, code);
	/* Parameter 2: ret (ERRNO): WEXITSTATUS */
	store__s64(a, (code & 0xff00) >> 8);
	/* Parameter 3: sig (SIGTYPE): WTERMSIG when signaled */
	__u8 sig = code & 0x7f;
	store__u8(a, (sig != 0 && sig != 0x7f) ? sig : 0);
	/* Parameter 4: core (UINT8): WCOREDUMP */
	store__u8(a, (code & 0x80) ? 1 : 0);
	/* Parameter 5: reaper_tid (PID) */
	store__s64(a, task__reaper_tid(t));
	record__submit(a);
	return 0;
}
