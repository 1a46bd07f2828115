/* Record of bench/ringbuf: exactly 64 bytes. */
#ifndef MONITOR_RINGBENCH_H
#define MONITOR_RINGBENCH_H

#define RINGBENCH_MAX_BURST 64

struct ringbench_event {
	__u64 seq; /* global sequence, incremented even when the reserve fails, so gaps = losses */
	__u64 ts_ns;
	__u32 cpu;
	__u32 burst_index;
	__u8 payload[40];
};

#endif
