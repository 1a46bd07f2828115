/* Helpers every monitor BPF program shares: loss accounting and batched ring buffer wakeups. */
#ifndef MONITOR_COMMON_BPF_H
#define MONITOR_COMMON_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "loss.h"

/* Types referenced here land in the object's BTF, where the TS side checks its copy of them. */
#define BTF_ANCHOR(type, name) type *name##_btf_anchor __attribute__((unused))
BTF_ANCHOR(enum loss_slot, loss_slot);

/* Wake the consumer only once this many bytes wait in the ring; a wakeup per record costs the
 * producer ~10 us of IPIs in a VM. The consumer also drains on a short timeout, so quiet tools
 * still deliver promptly. 0 means wake on every record. */
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

#endif
