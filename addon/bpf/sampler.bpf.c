// SPDX-License-Identifier: GPL-2.0
/* Engine building blocks for the profiler: a perf_event (cpu-clock) sampler counting samples per
 * (process, user stack, kernel stack), with the stacks in a stack map, and a uprobe counting
 * calls. Attach on_sample with obj.attachPerfEvent (one event per online CPU). */
#include "common.bpf.h"
#include "sampler.h"

const volatile __u32 targ_tgid = 0; /* 0: every process */

MONITOR_EXPORT(struct sample_key);

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} samples SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, struct sample_key);
	__type(value, __u64);
} counts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(max_entries, 16384);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, SAMPLER_MAX_STACK_DEPTH * sizeof(__u64));
} stacks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} calls SEC(".maps");

SEC("perf_event")
int on_sample(struct bpf_perf_event_data *ctx)
{
	__u32 zero = 0;
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	if (targ_tgid && tgid != targ_tgid)
		return 0;
	__u64 *n = bpf_map_lookup_elem(&samples, &zero);
	if (n)
		*n += 1;

	struct sample_key key = {.tgid = tgid};
	key.user_stack_id = bpf_get_stackid(ctx, &stacks, BPF_F_USER_STACK);
	key.kernel_stack_id = bpf_get_stackid(ctx, &stacks, 0);
	__u64 *v = bpf_map_lookup_elem(&counts, &key);
	if (v) {
		__sync_fetch_and_add(v, 1);
		return 0;
	}
	__u64 one = 1;
	long err = bpf_map_update_elem(&counts, &key, &one, BPF_NOEXIST);
	if (err == -17 /* EEXIST: another CPU added it meanwhile */) {
		v = bpf_map_lookup_elem(&counts, &key);
		if (v)
			__sync_fetch_and_add(v, 1);
	} else if (err) {
		count_loss(LOSS_MAP_FULL);
	}
	return 0;
}

SEC("uprobe")
int on_call(struct pt_regs *ctx)
{
	__u32 zero = 0;
	if (targ_tgid && (bpf_get_current_pid_tgid() >> 32) != targ_tgid)
		return 0;
	__u64 *v = bpf_map_lookup_elem(&calls, &zero);
	if (v)
		__sync_fetch_and_add(v, 1);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
