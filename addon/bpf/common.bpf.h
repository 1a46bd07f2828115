/* Helpers every monitor BPF program shares: loss accounting and batched ring buffer wakeups. */
#ifndef MONITOR_COMMON_BPF_H
#define MONITOR_COMMON_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "loss.h"

/* Marks a type that crosses to user space: MONITOR_EXPORT(struct exec_event); MONITOR_EXPORT(enum x);
 * It defines a global pointer named __monitor_export_<n>, which puts the type into the object's BTF
 * however the program uses it; the engine lists every type so marked (exportedTypes()), and
 * test/unit/layout.test.ts fails for any marked type without a matching TS layout. */
#define MONITOR_CAT_(a, b) a##b
#define MONITOR_CAT(a, b) MONITOR_CAT_(a, b)
#define MONITOR_EXPORT(type) type *MONITOR_CAT(__monitor_export_, __COUNTER__) __attribute__((unused))
/* The former marker: kept so code written against it still builds (and its types are exported). */
#define BTF_ANCHOR(type, name) MONITOR_EXPORT(type)

MONITOR_EXPORT(enum loss_slot);

/* Wake the consumer only once this many bytes wait in the ring; a wakeup per record costs the
 * producer ~10 us of IPIs in a VM. The consumer also drains on a short timeout, so quiet tools
 * still deliver promptly. 0 means wake on every record. The engine sets it from the final size of
 * the `events` ring (src/engine/config.ts: min(256 KiB, ring / 4)), so a small ring is woken before
 * it fills; this default serves C consumers of the bare object. */
const volatile __u64 wakeup_bytes = 256 * 1024;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, LOSS_SLOTS);
	__type(key, __u32);
	__type(value, __u64);
} losses SEC(".maps");

static __always_inline void count_loss(__u32 slot)
{
	__u64 *v = bpf_map_lookup_elem(&losses, &slot);
	if (v)
		*v += 1;
}

static __always_inline __u64 ringbuf_flags(void *ring)
{
	if (wakeup_bytes == 0)
		return 0;
	return bpf_ringbuf_query(ring, BPF_RB_AVAIL_DATA) >= wakeup_bytes ? BPF_RB_FORCE_WAKEUP
									 : BPF_RB_NO_WAKEUP;
}

/* Every tool's ring is called `events`; its size is set from TS before load. */
#define DEFINE_EVENTS_RING()                                                                       \
	struct {                                                                                   \
		__uint(type, BPF_MAP_TYPE_RINGBUF);                                                \
		__uint(max_entries, 1 << 22);                                                      \
	} events SEC(".maps")

/* --cgroup: the v2 directory user space puts at index 0 (src/trace/cgroup.ts); a program tests the
 * current task with bpf_current_task_under_cgroup(&cgroup_filter, 0). */
#define DEFINE_CGROUP_FILTER()                                                                     \
	struct {                                                                                   \
		__uint(type, BPF_MAP_TYPE_CGROUP_ARRAY);                                           \
		__uint(max_entries, 1);                                                            \
		__type(key, __u32);                                                                \
		__type(value, __u32);                                                              \
	} cgroup_filter SEC(".maps")

#endif
