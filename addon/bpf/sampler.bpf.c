// SPDX-License-Identifier: GPL-2.0
/* Engine building blocks for the profiler: a perf_event (cpu-clock) sampler counting samples of one
 * process per CPU, and a uprobe counting calls. pprof will extend these with stack maps. */
#include "common.bpf.h"
#include "sampler.h"

const volatile __u32 targ_tgid = 0;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} samples SEC(".maps");

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
	if (targ_tgid && (bpf_get_current_pid_tgid() >> 32) != targ_tgid)
		return 0;
	__u64 *v = bpf_map_lookup_elem(&samples, &zero);
	if (v)
		*v += 1;
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
