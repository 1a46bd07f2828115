// SPDX-License-Identifier: GPL-2.0
/* trace exec: one EXEC record when a process image starts (with argv), one EXIT record when the
 * last thread of a process that exec'd under tracing exits. Filters run here so untraced
 * processes cost one map lookup and never reach the ring. */
#include "common.bpf.h"
#include "exec.h"

const volatile __u32 targ_pid = 0;       /* 0: any; else the process or its direct children */
const volatile __u32 targ_uid = (__u32)-1; /* -1: any */
const volatile char targ_comm[EXEC_COMM_LEN] = {};

DEFINE_EVENTS_RING();

struct exec_scratch {
	struct exec_event ev;
	char args[EXEC_ARGS_MAX];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct exec_scratch);
} scratch SEC(".maps");

/* pid -> monotonic exec time of the processes whose exit we will report. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u32);
	__type(value, __u64);
} running SEC(".maps");

MONITOR_EXPORT(struct exec_event);
MONITOR_EXPORT(enum exec_event_kind);
MONITOR_EXPORT(enum exec_event_flags);

static __always_inline bool comm_matches(const char *comm)
{
	if (targ_comm[0] == 0)
		return true;
#pragma unroll
	for (int i = 0; i < EXEC_COMM_LEN; i++) {
		if (comm[i] != targ_comm[i])
			return false;
		if (comm[i] == 0)
			return true;
	}
	return true;
}

SEC("tp/sched/sched_process_exec")
int handle_exec(struct trace_event_raw_sched_process_exec *ctx)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	__u32 pid = bpf_get_current_pid_tgid() >> 32;
	__u32 ppid = BPF_CORE_READ(task, real_parent, tgid);
	__u32 uid = (__u32)bpf_get_current_uid_gid();
	__u32 zero = 0;

	if (targ_pid && pid != targ_pid && ppid != targ_pid)
		return 0;
	if (targ_uid != (__u32)-1 && uid != targ_uid)
		return 0;

	struct exec_scratch *s = bpf_map_lookup_elem(&scratch, &zero);
	if (!s)
		return 0;
	bpf_get_current_comm(s->ev.comm, sizeof(s->ev.comm));
	if (!comm_matches(s->ev.comm))
		return 0;

	__u64 now = bpf_ktime_get_ns();
	if (bpf_map_update_elem(&running, &pid, &now, BPF_ANY))
		count_loss(LOSS_MAP_FULL);

	s->ev.ts_ns = now;
	s->ev.start_ns = now;
	s->ev.kind = EXEC_EVENT_EXEC;
	s->ev.pid = pid;
	s->ev.ppid = ppid;
	s->ev.uid = uid;
	s->ev.exit_code = 0;
	s->ev.flags = 0;
	s->ev.pad = 0;

	unsigned long arg_start = BPF_CORE_READ(task, mm, arg_start);
	unsigned long arg_end = BPF_CORE_READ(task, mm, arg_end);
	__u64 len = arg_end > arg_start ? arg_end - arg_start : 0;
	if (len > EXEC_ARGS_MAX) {
		len = EXEC_ARGS_MAX;
		s->ev.flags |= EXEC_FLAG_ARGS_TRUNCATED;
	}
	len &= (EXEC_ARGS_MAX << 1) - 1; /* a bound the verifier can see */
	if (len > EXEC_ARGS_MAX)
		len = EXEC_ARGS_MAX;
	if (len && bpf_probe_read_user(s->args, len, (void *)arg_start)) {
		s->ev.flags |= EXEC_FLAG_ARGS_FAULT;
		count_loss(LOSS_READ_FAULT);
		len = 0;
	}
	s->ev.args_len = len;

	if (bpf_ringbuf_output(&events, s, sizeof(s->ev) + len, ringbuf_flags(&events)))
		count_loss(LOSS_RINGBUF_RESERVE);
	return 0;
}

SEC("tp/sched/sched_process_exit")
int handle_exit(struct trace_event_raw_sched_process_template *ctx)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	__u32 pid = bpf_get_current_pid_tgid() >> 32;

	__u64 *start = bpf_map_lookup_elem(&running, &pid);
	if (!start)
		return 0;
	/* do_exit has already dropped this thread from signal->live: 0 means the process is gone. */
	if (BPF_CORE_READ(task, signal, live.counter) != 0)
		return 0;

	struct exec_event *ev = bpf_ringbuf_reserve(&events, sizeof(*ev), 0);
	if (!ev) {
		count_loss(LOSS_RINGBUF_RESERVE);
		bpf_map_delete_elem(&running, &pid);
		return 0;
	}
	ev->ts_ns = bpf_ktime_get_ns();
	ev->start_ns = *start;
	ev->kind = EXEC_EVENT_EXIT;
	ev->pid = pid;
	ev->ppid = BPF_CORE_READ(task, real_parent, tgid);
	ev->uid = (__u32)bpf_get_current_uid_gid();
	ev->exit_code = BPF_CORE_READ(task, exit_code);
	ev->flags = 0;
	ev->args_len = 0;
	ev->pad = 0;
	bpf_get_current_comm(ev->comm, sizeof(ev->comm));
	bpf_map_delete_elem(&running, &pid);
	bpf_ringbuf_submit(ev, ringbuf_flags(&events));
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
