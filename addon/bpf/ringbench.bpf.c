// SPDX-License-Identifier: GPL-2.0
/* Ring buffer load generator: on every getppid() of one process, write `burst` 64-byte records.
 * The producer is single-threaded, so `seq` needs no atomics and arrives in order. */
#include "common.bpf.h"
#include "ringbench.h"

const volatile __u32 targ_tgid = 0;
const volatile __u32 burst = 1;

DEFINE_EVENTS_RING();

__u64 seq = 0;

MONITOR_EXPORT(struct ringbench_event);

SEC("tp/syscalls/sys_enter_getppid")
int on_getppid(void *ctx)
{
	if ((bpf_get_current_pid_tgid() >> 32) != targ_tgid)
		return 0;
	__u32 cpu = bpf_get_smp_processor_id();
	for (__u32 i = 0; i < RINGBENCH_MAX_BURST && i < burst; i++) {
		struct ringbench_event *ev = bpf_ringbuf_reserve(&events, sizeof(*ev), 0);
		__u64 s = seq++;
		if (!ev) {
			count_loss(LOSS_RINGBUF_RESERVE);
			continue;
		}
		ev->seq = s;
		ev->ts_ns = 0;
		ev->cpu = cpu;
		ev->burst_index = i;
		bpf_ringbuf_submit(ev, ringbuf_flags(&events));
	}
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
