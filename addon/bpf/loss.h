/* Loss slots shared by every tool: each BPF object has a per-CPU `losses` array indexed by these.
 * The TS side reads the slot numbers from the object's BTF (see src/engine/layout.ts), so the enum
 * is the single definition. */
#ifndef MONITOR_LOSS_H
#define MONITOR_LOSS_H

enum loss_slot {
	LOSS_RINGBUF_RESERVE = 0, /* bpf_ringbuf_reserve/output failed: ring full */
	LOSS_MAP_FULL = 1,        /* a state map update failed (max_entries reached) */
	LOSS_READ_FAULT = 2,      /* a user/kernel memory read failed; the record is sent incomplete */
	LOSS_SLOTS = 3,
};

#endif
