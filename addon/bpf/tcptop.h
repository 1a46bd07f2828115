/* Map layouts of `monitor top tcp` and `monitor trace tcp rtt` (tcptop.bpf.c): these tools aggregate
 * in BPF maps that user space reads in batches each interval, so nothing is streamed per event.
 * The TS layouts (src/trace/tcptop/layout.ts) are checked against these structs' BTF by
 * test/unit/layout.test.ts: change both or the test fails. Ports are in host order; addresses are
 * in network order, IPv4 in the first 4 bytes of the union (addr.h). */
#ifndef MONITOR_TCPTOP_H
#define MONITOR_TCPTOP_H

#include "addr.h"

#define TCPTOP_COMM_LEN 16

/* Key of `conn_bytes`: one socket as one process used it. A socket shared by two processes (a
 * forked server) is two entries, so each process is credited its own bytes. */
struct tcptop_key {
	__u64 sk;  /* kernel address of the struct sock: the socket's id within a run */
	__u32 pid; /* tgid of the process that sent / received */
	__u32 pad;
};

/* Value of `conn_bytes`: bytes and calls since user space last emptied the map (it reads with
 * lookup-and-delete each interval), and the connection as it was when the entry was made. */
struct tcptop_bytes {
	__u64 tx_bytes; /* sock_send_length: bytes the process handed to the socket */
	__u64 rx_bytes; /* sock_recv_length: bytes the process read (MSG_PEEK not counted) */
	__u64 tx_calls;
	__u64 rx_calls;
	__u16 family; /* AF_INET or AF_INET6 */
	__u16 sport;  /* local port */
	__u16 dport;  /* remote port */
	__u16 pad;
	union monitor_addr saddr; /* local */
	union monitor_addr daddr; /* remote */
	char comm[TCPTOP_COMM_LEN]; /* the process's name (its main thread's); "" from tcptop_segbytes */
	__u64 ino; /* tcptop_segbytes (pid 0 in the key): the socket's inode, for user space to find
		    * its owner in /proc; 0 if none (closed by its owner) */
};

/* Key of `rtt_hist` (values: struct hist, hist.h, in µs): one remote address. */
struct tcptop_addr_key {
	__u16 family;
	__u16 pad;
	union monitor_addr addr;
};

/* Value of `rtt_conns` (an LRU hash keyed by the socket's kernel address, u64): the connection's
 * smoothed RTT as tcp:tcp_probe reported it, since tracing started. */
struct tcptop_rtt_conn {
	__u32 pid;     /* owner: the process last seen sending or receiving on it; 0 if none */
	__u32 count;   /* tcp_probe samples */
	__u32 srtt_us; /* the latest */
	__u32 min_us;
	__u32 max_us;
	__u16 family;
	__u16 sport; /* local port */
	__u16 dport; /* remote port */
	__u16 pad;
	union monitor_addr saddr;
	union monitor_addr daddr;
	char comm[TCPTOP_COMM_LEN]; /* the owner's; "" if none */
	__u64 sum_us; /* of the samples, for their mean */
};

/* Value of `owners` (an LRU hash keyed by the socket's kernel address): the process last seen
 * sending or receiving on a socket, for events that run in softirq (tcp_probe). */
struct tcptop_owner {
	__u32 pid;
	char comm[TCPTOP_COMM_LEN];
};

#endif
