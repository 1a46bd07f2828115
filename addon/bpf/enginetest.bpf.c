// SPDX-License-Identifier: GPL-2.0
/* The engine's test object: a uprobe on the test target's monitor_test_value(key, value) that
 * records each value into a per-CPU hash of histograms (hist.h), so C's bucket index can be
 * compared with TS's; and a record type exercising every layout field kind. */
#include "common.bpf.h"
#include "hist.h"
#include "enginetest.h"

const volatile __u32 targ_tgid = 0;

/* One config variable of each kind the engine's config checks know (test/unit/config.test.ts). */
const volatile bool cfg_bool = false;
const volatile __s8 cfg_s8 = 0;
const volatile __s64 cfg_s64 = 0;
const volatile __u64 cfg_u64 = 0;
const volatile __u16 cfg_ports[4] = {};
const volatile char cfg_name[8] = {};
const volatile enum loss_slot cfg_slot = LOSS_RINGBUF_RESERVE;

MONITOR_EXPORT(struct hist);
MONITOR_EXPORT(struct engine_probe_record);
MONITOR_EXPORT(union monitor_addr);

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, struct hist);
} hists SEC(".maps");

/* Maps no program writes: test/ebpf/engine-maps.test.ts fills and reads them from user space. */
struct pair {
	__u64 a;
	__u64 b;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u32);
	__type(value, __u64);
} test_hash SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, struct pair);
} test_percpu_hash SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, __u64);
} test_percpu_array SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u32); /* not a multiple of 8: the engine refuses to sum it */
} test_odd SEC(".maps");

SEC("uprobe")
int on_value(struct pt_regs *ctx)
{
	if (targ_tgid && (bpf_get_current_pid_tgid() >> 32) != targ_tgid)
		return 0;
	__u32 key = (__u32)PT_REGS_PARM1(ctx);
	__u64 value = (__u64)PT_REGS_PARM2(ctx);
	struct hist *h = hist_get(&hists, &key);
	if (h)
		hist_add(h, value);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
