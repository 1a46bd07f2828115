/* Record of bench/toptcp's reference: every TCP send and receive streamed to user space, the design
 * `monitor top tcp` avoids by counting in maps (tcptop.bpf.c). */
#ifndef MONITOR_TCPSTREAM_H
#define MONITOR_TCPSTREAM_H

struct tcpstream_event {
	__u64 sk;  /* kernel address of the socket */
	__u32 pid; /* tgid */
	__u32 len; /* bytes sent or received */
	__u32 tx;  /* 1: sent, 0: received */
	__u32 pad;
};

#endif
