// SPDX-License-Identifier: GPL-2.0
/* One trivial program per hook type. `monitor doctor` loads each alone (autoload off for the rest)
 * and attaches it for real: a kprobe program loads on this kernel family but cannot attach. */
#include "common.bpf.h"

DEFINE_EVENTS_RING();

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, __u64);
} hits SEC(".maps");

static __always_inline int hit(__u32 slot)
{
	__u64 *v = bpf_map_lookup_elem(&hits, &slot);
	if (v)
		__sync_fetch_and_add(v, 1);
	return 0;
}

SEC("tp/syscalls/sys_enter_getppid")
int probe_tracepoint(void *ctx) { return hit(0); }

SEC("raw_tp/sys_enter")
int probe_raw_tp(void *ctx) { return hit(1); }

SEC("kprobe/do_nanosleep")
int probe_kprobe(void *ctx) { return hit(2); }

SEC("fentry/do_nanosleep")
int probe_fentry(void *ctx) { return hit(3); }

SEC("tp_btf/sched_switch")
int probe_tp_btf(void *ctx) { return hit(4); }

SEC("perf_event")
int probe_perf_event(void *ctx) { return hit(5); }

SEC("uprobe")
int probe_uprobe(void *ctx) { return hit(6); }

SEC("tp/syscalls/sys_enter_getppid")
int probe_ringbuf(void *ctx)
{
	__u64 *rec = bpf_ringbuf_reserve(&events, sizeof(__u64), 0);
	if (!rec)
		return 0;
	*rec = 1;
	bpf_ringbuf_submit(rec, 0);
	return hit(7);
}

char LICENSE[] SEC("license") = "GPL";
