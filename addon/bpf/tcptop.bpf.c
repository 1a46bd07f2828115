// SPDX-License-Identifier: GPL-2.0
/* top tcp and trace tcp rtt: aggregate in maps, never stream per event. User space reads the maps
 * in batches each interval (src/trace/tcptop/).
 *
 *   tcptop_send / tcptop_recv (sock:sock_send_length / sock_recv_length, kernel >= 6.3; process
 *     context, so the current process owns the bytes): bytes per (socket, process) in conn_bytes,
 *     the connection's tuple read from struct sock once per entry (user space empties the map every
 *     interval, so that is once per connection per interval). With want_owner, also the socket's
 *     owner in `owners` for tcptop_probe. Per-process totals are sums of these entries, made in
 *     user space: a second map update per send would double the work done per event for a sum
 *     that costs user space one pass over a few hundred entries per second.
 *   tcptop_probe (tcp:tcp_probe, softirq or process context): srtt (the trace event's srtt is
 *     tp->srtt_us >> 3, in µs) into a histogram per remote address (hist.h) and a per-connection
 *     summary, owner taken from `owners`. */
#include "common.bpf.h"
#include <bpf/bpf_endian.h>
#include "hist.h"
#include "tcptop.h"

#define AF_INET 2
#define AF_INET6 10
#define IPPROTO_TCP 6
#define MSG_PEEK 2

/* Filters applied in the kernel (cheap); the rest (comm, addresses) in user space. */
const volatile __u16 targ_family = 0; /* 0: both */
const volatile __u16 targ_port = 0;   /* 0: any; else the local or the remote port */
const volatile __u32 targ_pid = 0;    /* 0: any (send/recv only: tcp_probe has no process) */
const volatile bool targ_cgroup = false; /* only tasks under the cgroup (v2) in cgroup_filter[0] */
const volatile bool want_bytes = true;   /* fill conn_bytes (top tcp) */
const volatile bool want_owner = false;  /* fill owners (trace tcp rtt) */
/* tcp_probe: only sockets with a known owner (set with a process filter: --pid/--cgroup). */
const volatile bool owned_only = false;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, struct tcptop_key);
	__type(value, struct tcptop_bytes);
} conn_bytes SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct tcptop_owner);
} owners SEC(".maps");

/* Per-CPU: hist_add's plain increments need no atomics; the engine sums the CPUs. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 256);
	__type(key, struct tcptop_addr_key);
	__type(value, struct hist);
} rtt_hist SEC(".maps");

/* LRU: closed connections make room for new ones without user space deleting them. tcp_probe runs
 * under the socket's lock, so one socket's entry is never updated on two CPUs at once. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192);
	__type(key, __u64);
	__type(value, struct tcptop_rtt_conn);
} rtt_conns SEC(".maps");

DEFINE_CGROUP_FILTER();

MONITOR_EXPORT(struct tcptop_key);
MONITOR_EXPORT(struct tcptop_bytes);
MONITOR_EXPORT(struct tcptop_addr_key);
MONITOR_EXPORT(struct tcptop_rtt_conn);
MONITOR_EXPORT(struct tcptop_owner);
MONITOR_EXPORT(struct hist);

/* Local and remote port of a socket (host order): two reads, done only with a port filter. */
static __always_inline bool sock_port_matches(struct sock *sk)
{
	if (!targ_port)
		return true;
	__u16 sport = BPF_CORE_READ(sk, __sk_common.skc_num);
	__u16 dport = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	return sport == targ_port || dport == targ_port;
}

/* The connection's tuple, local side first, as struct sock has it. */
static __always_inline void read_tuple(struct sock *sk, __u16 family, struct tcptop_bytes *b)
{
	b->family = family;
	b->sport = BPF_CORE_READ(sk, __sk_common.skc_num);
	b->dport = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	if (family == AF_INET) {
		b->saddr.v4 = BPF_CORE_READ(sk, __sk_common.skc_rcv_saddr);
		b->daddr.v4 = BPF_CORE_READ(sk, __sk_common.skc_daddr);
	} else {
		BPF_CORE_READ_INTO(&b->saddr.v6, sk, __sk_common.skc_v6_rcv_saddr.in6_u.u6_addr8);
		BPF_CORE_READ_INTO(&b->daddr.v6, sk, __sk_common.skc_v6_daddr.in6_u.u6_addr8);
	}
}

/* The process's name: its main thread's, as ps shows it (Node and others name their threads). */
static __always_inline void process_comm(char *comm)
{
	struct task_struct *task = bpf_get_current_task_btf();
	__builtin_memcpy(comm, task->group_leader->comm, TCPTOP_COMM_LEN);
}

static __always_inline void note_owner(__u64 sk, __u32 pid)
{
	struct tcptop_owner *o = bpf_map_lookup_elem(&owners, &sk);
	if (o && o->pid == pid)
		return;
	struct tcptop_owner fresh = {.pid = pid};
	process_comm(fresh.comm);
	bpf_map_update_elem(&owners, &sk, &fresh, BPF_ANY); /* LRU: never full */
}

/* Adds bytes to the entry of (socket, process) for this interval. The first bytes of an interval
 * put the entry in whole (tuple, the process's name -- or with pid 0, the socket's inode -- and these
 * bytes), so a read never finds it half made. */
static __always_inline void add_bytes(struct tcptop_key *key, struct sock *sk, __u16 family, __u64 ino, __u64 tx, __u64 rx)
{
	struct tcptop_bytes *b = bpf_map_lookup_elem(&conn_bytes, key);
	if (!b) {
		struct tcptop_bytes fresh = {.tx_bytes = tx, .rx_bytes = rx, .tx_calls = tx ? 1 : 0, .rx_calls = rx ? 1 : 0, .ino = ino};
		read_tuple(sk, family, &fresh);
		if (key->pid)
			process_comm(fresh.comm);
		long err = bpf_map_update_elem(&conn_bytes, key, &fresh, BPF_NOEXIST);
		if (err == 0)
			return;
		/* EEXIST: another thread made it first. Else the map is full; and an entry user space
		 * emptied in between (a window of a few instructions) loses these bytes too: counted. */
		b = err == -17 ? bpf_map_lookup_elem(&conn_bytes, key) : NULL;
		if (!b) {
			count_loss(LOSS_MAP_FULL);
			return;
		}
	}
	if (tx) {
		__sync_fetch_and_add(&b->tx_bytes, tx);
		__sync_fetch_and_add(&b->tx_calls, 1);
	}
	if (rx) {
		__sync_fetch_and_add(&b->rx_bytes, rx);
		__sync_fetch_and_add(&b->rx_calls, 1);
	}
}

static __always_inline int account(struct trace_event_raw_sock_msg_length *ctx, bool tx)
{
	if (ctx->protocol != IPPROTO_TCP || ctx->ret <= 0)
		return 0;
	if (!tx && (ctx->flags & MSG_PEEK)) /* peeked bytes stay in the socket: counted when read */
		return 0;
	__u16 family = ctx->family;
	if (targ_family && family != targ_family)
		return 0;
	__u32 pid = bpf_get_current_pid_tgid() >> 32;
	if (targ_pid && pid != targ_pid)
		return 0;
	struct sock *sk = ctx->sk;
	if (!sock_port_matches(sk))
		return 0;
	if (targ_cgroup && bpf_current_task_under_cgroup(&cgroup_filter, 0) != 1)
		return 0;

	if (want_owner)
		note_owner((__u64)sk, pid);
	if (!want_bytes)
		return 0;

	struct tcptop_key key = {.sk = (__u64)sk, .pid = pid};
	__u64 len = (__u64)ctx->ret;
	add_bytes(&key, sk, family, 0, tx ? len : 0, tx ? 0 : len);
	return 0;
}

SEC("tp/sock/sock_send_length")
int tcptop_send(struct trace_event_raw_sock_msg_length *ctx)
{
	return account(ctx, true);
}

SEC("tp/sock/sock_recv_length")
int tcptop_recv(struct trace_event_raw_sock_msg_length *ctx)
{
	return account(ctx, false);
}

/* Kernels without sock_send_length / sock_recv_length (before 6.3): the bytes of each socket from
 * tcp:tcp_probe, which runs for every segment a socket in ESTABLISHED receives -- data and ACKs --
 * as deltas of tp->bytes_acked (sent, acknowledged) and tp->bytes_received since the socket's
 * previous segment. Softirq context names no process: the key's pid is 0 and the entry carries the
 * socket's inode, which user space maps to its owner through /proc. Bytes before a socket's first
 * segment are not counted for connections older than tracing (tcptop_states starts the others at
 * their handshake). */
struct sock_seen {
	__u64 acked;
	__u64 received;
	__u64 ino; /* while the socket still had its file: after close() it has none */
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct sock_seen);
} probe_seen SEC(".maps");

static __always_inline __u64 sock_inode(struct sock *sk)
{
	struct socket *s = BPF_CORE_READ(sk, sk_socket);
	if (!s)
		return 0;
	return BPF_CORE_READ(s, file, f_inode, i_ino);
}

static __always_inline void start_counting(struct sock *sk)
{
	struct tcp_sock *tp = (struct tcp_sock *)sk;
	struct sock_seen first = {.acked = BPF_CORE_READ(tp, bytes_acked), .received = BPF_CORE_READ(tp, bytes_received), .ino = sock_inode(sk)};
	__u64 skaddr = (__u64)sk;
	bpf_map_update_elem(&probe_seen, &skaddr, &first, BPF_ANY); /* LRU: never full */
}

/* The socket's bytes since it was last seen into conn_bytes (pid 0: user space finds the owner by
 * inode). Callers run under the socket's lock: one socket's entry is never updated on two CPUs. */
static __always_inline void count_bytes(struct sock *sk, __u16 family, bool last)
{
	__u64 skaddr = (__u64)sk;
	struct sock_seen *seen = bpf_map_lookup_elem(&probe_seen, &skaddr);
	if (!seen) {
		if (!last)
			start_counting(sk);
		return;
	}
	struct tcp_sock *tp = (struct tcp_sock *)sk;
	__u64 acked = BPF_CORE_READ(tp, bytes_acked);
	__u64 received = BPF_CORE_READ(tp, bytes_received);
	__u64 tx = acked - seen->acked;
	__u64 rx = received - seen->received;
	/* An accepted socket got its file after its handshake: take it once it has one. */
	if (!seen->ino)
		seen->ino = sock_inode(sk);
	__u64 ino = seen->ino;
	seen->acked = acked;
	seen->received = received;
	if (last)
		bpf_map_delete_elem(&probe_seen, &skaddr);
	if (!tx && !rx)
		return;
	struct tcptop_key key = {.sk = skaddr, .pid = 0};
	add_bytes(&key, sk, family, ino, tx, rx);
}

static __always_inline bool tcp_sock_matches(struct sock *sk, __u16 *family)
{
	*family = BPF_CORE_READ(sk, __sk_common.skc_family);
	if (*family != AF_INET && *family != AF_INET6)
		return false;
	if (targ_family && *family != targ_family)
		return false;
	return BPF_CORE_READ(sk, sk_protocol) == IPPROTO_TCP && sock_port_matches(sk);
}

/* Every segment a socket receives in ESTABLISHED, data or ACK. raw_tp args: sk, skb. */
SEC("raw_tp/tcp_probe")
int tcptop_segbytes(struct bpf_raw_tracepoint_args *ctx)
{
	struct sock *sk = (struct sock *)ctx->args[0];
	__u16 family;
	if (tcp_sock_matches(sk, &family))
		count_bytes(sk, family, false);
	return 0;
}

/* A connection established while tracing is counted from its handshake (bytes_acked's 1 for the
 * SYN); after ESTABLISHED, tcp_probe no longer runs, so the bytes acknowledged while closing are
 * counted at each state change, the last at CLOSE. raw_tp args: sk, oldstate, newstate. */
SEC("raw_tp/inet_sock_set_state")
int tcptop_states(struct bpf_raw_tracepoint_args *ctx)
{
	struct sock *sk = (struct sock *)ctx->args[0];
	int oldstate = ctx->args[1];
	int newstate = ctx->args[2];
	__u16 family;
	if (oldstate == TCP_LISTEN || oldstate == TCP_SYN_SENT || oldstate == TCP_SYN_RECV) {
		if (newstate == TCP_ESTABLISHED && tcp_sock_matches(sk, &family))
			start_counting(sk);
		return 0;
	}
	if (oldstate != TCP_CLOSE && tcp_sock_matches(sk, &family))
		count_bytes(sk, family, newstate == TCP_CLOSE);
	return 0;
}

/* trace tcp rtt: srtt on every segment a socket in ESTABLISHED receives. raw_tp, not tp/: tcp_probe
 * runs in softirq, where the kernel skips a tp/ program whenever it interrupts any other tp/ or
 * kprobe program on that CPU (bpf_prog_active) -- tcptop_send of a process sending on that CPU, or
 * another tool's -- a sample lost each time. A raw_tp program is skipped only when it interrupts
 * itself. raw_tp args: sk, skb. */
SEC("raw_tp/tcp_probe")
int tcptop_probe(struct bpf_raw_tracepoint_args *ctx)
{
	struct sock *sk = (struct sock *)ctx->args[0];
	__u16 family;
	if (!tcp_sock_matches(sk, &family))
		return 0;
	__u32 srtt = BPF_CORE_READ((struct tcp_sock *)sk, srtt_us) >> 3; /* µs, as the event has it */
	/* Hides the shift's bound from clang, which would drop hist_add's bound check the verifier needs. */
	barrier_var(srtt);
	if (srtt == 0)
		return 0; /* no RTT measured yet */
	__u64 skaddr = (__u64)sk;

	struct tcptop_owner *owner = bpf_map_lookup_elem(&owners, &skaddr);
	if (owned_only && !owner)
		return 0;

	struct tcptop_bytes tuple = {}; /* v4 fills 4 of the 16 address bytes */
	read_tuple(sk, family, &tuple);
	struct tcptop_addr_key akey = {.family = family, .addr = tuple.daddr};
	struct hist *h = hist_get(&rtt_hist, &akey);
	if (h)
		hist_add(h, srtt);

	struct tcptop_rtt_conn *c = bpf_map_lookup_elem(&rtt_conns, &skaddr);
	if (!c) {
		struct tcptop_rtt_conn fresh = {
			.family = family,
			.sport = tuple.sport,
			.dport = tuple.dport,
			.saddr = tuple.saddr,
			.daddr = tuple.daddr,
			.min_us = srtt,
			.max_us = srtt,
		};
		bpf_map_update_elem(&rtt_conns, &skaddr, &fresh, BPF_ANY); /* LRU: never full */
		c = bpf_map_lookup_elem(&rtt_conns, &skaddr);
		if (!c)
			return 0;
	}
	if (owner && c->pid != owner->pid) {
		c->pid = owner->pid;
		__builtin_memcpy(c->comm, owner->comm, TCPTOP_COMM_LEN);
	}
	c->count += 1;
	c->srtt_us = srtt;
	c->sum_us += srtt;
	if (srtt < c->min_us)
		c->min_us = srtt;
	if (srtt > c->max_us)
		c->max_us = srtt;
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
