// SPDX-License-Identifier: GPL-2.0
/* top's run-queue latency per process, like runqlat -P but per tgid and into the project's
 * log-linear histogram (hist.h), read by user space once per refresh (src/proc/bpf-runq.ts).
 *
 *   topsched_wakeup / topsched_wakeup_new: the task became runnable: remember when.
 *   topsched_switch: prev still TASK_RUNNING was preempted, so it waits again from now; next gets
 *     the CPU: now - its enqueue time goes into its process's histogram.
 *
 * sched_switch fires thousands of times a second and its run time is monitor's CPU, so the hot
 * path is kept to plain loads: tp_btf hands typed task pointers (no helper call per field read,
 * unlike raw_tp), and the enqueue time lives in task local storage (a per-task slot found without
 * hashing, freed with the task, so it needs no bound and no cleanup) instead of a pid hash. */
#include "common.bpf.h"
#include "hist.h"
#include "topsched.h"

#define TASK_RUNNING 0

/* Enqueue time of each task (CLOCK_MONOTONIC ns); 0: not waiting. */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, __u64);
} enqueued SEC(".maps");

/* tgid -> run-queue latency histogram, ns. Per-CPU: hist_add's plain increments need no atomics.
 * Not preallocated: a preallocated per-CPU hash of 4 KB histograms would cost max_entries x 4 KB x
 * CPUs of kernel memory up front (1 GB on 64 CPUs); this costs that only per process seen. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, TOPSCHED_MAX_PROCS);
	__type(key, __u32);
	__type(value, struct hist);
} runq_hist SEC(".maps");

MONITOR_EXPORT(struct hist);

static __always_inline void mark_enqueued(struct task_struct *p)
{
	if (!p->pid) /* idle: not a process */
		return;
	__u64 *ts = bpf_task_storage_get(&enqueued, p, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!ts) {
		count_loss(LOSS_MAP_FULL);
		return;
	}
	*ts = bpf_ktime_get_ns();
}

SEC("tp_btf/sched_wakeup")
int BPF_PROG(topsched_wakeup, struct task_struct *p)
{
	mark_enqueued(p);
	return 0;
}

SEC("tp_btf/sched_wakeup_new")
int BPF_PROG(topsched_wakeup_new, struct task_struct *p)
{
	mark_enqueued(p);
	return 0;
}

/* Kernels before 5.14 name the state field `state`. */
struct task_struct___old {
	long state;
} __attribute__((preserve_access_index));

static __always_inline long task_state(struct task_struct *t)
{
	if (bpf_core_field_exists(t->__state))
		return t->__state;
	return ((struct task_struct___old *)t)->state;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(topsched_switch, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	/* prev_state is the 4th argument only since 5.18: read the task, which every kernel has. */
	if (task_state(prev) == TASK_RUNNING)
		mark_enqueued(prev);

	if (!next->pid)
		return 0;
	/* No create: a task never seen waking (runnable since before tracing) has nothing to measure. */
	__u64 *ts = bpf_task_storage_get(&enqueued, next, 0, 0);
	if (!ts || !*ts)
		return 0;
	__u64 now = bpf_ktime_get_ns();
	__u64 delta = now > *ts ? now - *ts : 0;
	*ts = 0;
	__u32 tgid = next->tgid;
	struct hist *h = hist_get(&runq_hist, &tgid);
	if (h)
		hist_add(h, delta);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
