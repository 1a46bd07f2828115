/* Event layout of `monitor trace tcp` (connect, accept, life, states, retrans, resets): the one
 * definition of its records. The TS layout (src/trace/tcp/layout.ts) is checked against this
 * struct's BTF in test/unit/layout.test.ts: change both or the test fails.
 *
 * Every record is one struct tcp_event; `kind` says which fields mean something. Addresses are the
 * socket's LOCAL side in saddr/sport and the REMOTE side in daddr/dport (as tcplife's LADDR/RADDR),
 * ports in host order, addresses as union monitor_addr told apart by `family` (AF_INET/AF_INET6).
 * pid/comm/cgroup are the socket's OWNER (TCP_FLAG_OWNER set): the process that connected, listened
 * or accepted it, remembered in process context -- not the task current when the event fired, which
 * for a close or a state change in softirq is whoever the CPU happened to run. */
#ifndef MONITOR_TCP_H
#define MONITOR_TCP_H

#include "addr.h"

#define TCP_COMM_LEN 16

enum tcp_event_kind {
	TCP_EVENT_CONNECT = 1, /* an active open resolved: SYN_SENT -> ESTABLISHED (error 0) or
				* SYN_SENT -> CLOSE (error = sk_err), or connect() failed before
				* any state change (error = its errno, TCP_FLAG_SYSCALL) */
	TCP_EVENT_ACCEPT = 2,  /* accept()/accept4() returned a TCP socket */
	TCP_EVENT_CLOSE = 3,   /* life: a connection reached CLOSE */
	TCP_EVENT_STATE = 4,   /* states: any state change */
	TCP_EVENT_RETRANS = 5, /* tcp:tcp_retransmit_skb */
	TCP_EVENT_RESET = 6,   /* tcp:tcp_send_reset (TCP_FLAG_RESET_SENT) / tcp:tcp_receive_reset */
};

enum tcp_event_flags {
	TCP_FLAG_OWNER = 1,      /* pid, comm and cgroup are the socket's owner */
	TCP_FLAG_START = 2,      /* start_ns is known (seen while tracing) */
	TCP_FLAG_SYSCALL = 4,    /* CONNECT: connect() failed before the socket changed state */
	TCP_FLAG_RESET_SENT = 8, /* RESET: sent by this host (else received) */
	TCP_FLAG_NO_SOCKET = 16, /* RESET sent for a packet no socket owned (a closed port) */
};

struct tcp_event {
	__u64 ts_ns;    /* CLOCK_MONOTONIC time of the event */
	__u64 start_ns; /* CONNECT: SYN_SENT (the connect); ACCEPT: when the handshake completed;
			 * CLOSE: the connection's start (SYN_SENT / SYN_RECV); STATE: when the
			 * socket entered oldstate. Valid with TCP_FLAG_START. */
	__u64 skaddr;   /* the kernel's struct sock address: the socket's id within a run */
	__u64 tx_bytes; /* CLOSE: tcp_sock bytes_acked */
	__u64 rx_bytes; /* CLOSE: tcp_sock bytes_received */
	__u64 cgroup;   /* owner's cgroup v2 id (its ancestor at cgroup_level, with that set) */
	__u32 kind;     /* enum tcp_event_kind */
	__u32 pid;      /* owner's tgid (TCP_FLAG_OWNER) */
	__u32 netns;    /* inode of the socket's network namespace (CLOSE without a start: for
			 * matching the start-up snapshot of /proc/net/tcp*); else 0 */
	__s32 error;    /* CONNECT: positive errno, 0 on success */
	__u16 family;   /* AF_INET or AF_INET6 */
	__u16 sport;    /* local port */
	__u16 dport;    /* remote port */
	__u8 oldstate;  /* STATE, CLOSE: the state left */
	__u8 newstate;  /* STATE: the state entered; RETRANS, RESET: the socket's state */
	__u32 flags;    /* enum tcp_event_flags */
	__u32 pad;
	union monitor_addr saddr; /* local address */
	union monitor_addr daddr; /* remote address */
	char comm[TCP_COMM_LEN];  /* owner's command name (TCP_FLAG_OWNER) */
};

#endif
