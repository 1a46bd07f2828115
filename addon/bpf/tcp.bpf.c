// SPDX-License-Identifier: GPL-2.0
/* trace tcp: connect, accept, life, states, retrans, resets -- one object, on tracepoints only (no
 * kprobes or fentry: many production kernels have neither). The spec picks the programs a mode
 * needs and sets emit_* to say which records to send; every mode shares the socket -> owner map.
 * Record layout: tcp.h.
 *
 * Owners: a socket's state changes and its close often run in softirq, where the current task is
 * whatever the CPU was running, so the owner is remembered where the process is known -- connect()
 * (CLOSE -> SYN_SENT runs in the connecting task), listen() (-> LISTEN), the return of accept()
 * (the accepting task, mapped from the returned fd), and close()/shutdown() (-> FIN_WAIT1 and
 * -> LAST_ACK run in the closing task: fills in owners of sockets older than tracing). A new
 * server-side socket (-> SYN_RECV) inherits its listener's owner until accept() says who took it. */
#include "common.bpf.h"
#include "tcp.h"
#include <bpf/bpf_endian.h>

#define AF_INET 2
#define AF_INET6 10
#define IPPROTO_TCP 6
#define SOCK_STREAM 1
#define EINPROGRESS 115
#define EALREADY 114
#define EISCONN 106
#define ECONNABORTED 103

/* TCP_ESTABLISHED … TCP_CLOSING: enum in vmlinux.h (include/net/tcp_states.h). */

/* What this run sends (set per mode; the verifier drops the code of the rest). */
const volatile bool emit_connect = false;
const volatile bool emit_accept = false;
const volatile bool emit_life = false;
const volatile bool emit_states = false;
/* Filters cheap enough for the kernel; owner-based ones (pid, comm, addresses, cgroup) need the
 * owner and are applied in user space. */
const volatile __u16 targ_family = 0; /* 0: any; AF_INET or AF_INET6 */
const volatile __u16 targ_port = 0;   /* 0: any; else the local or the remote port */
/* >0: owners' cgroup is their ancestor at this level of the v2 hierarchy (the --cgroup
 * directory's level), so "that directory or below" is one compare in user space. */
const volatile __u32 cgroup_level = 0;

DEFINE_EVENTS_RING();

struct tcp_owner {
	__u64 start_ns; /* connection start (SYN_SENT / SYN_RECV); 0: before tracing */
	__u64 state_ns; /* when the current state was entered; 0: unknown */
	__u64 est_ns;   /* when it reached ESTABLISHED (accept latency) */
	__u64 cgroup;
	__u32 pid;      /* 0: owner not known yet */
	__u16 open;     /* 1: a life started while tracing and its close was not handled yet */
	__u16 state;    /* the last state change handled (newstate); 0: none yet */
	char comm[TCP_COMM_LEN];
};

/* Every socket seen while tracing, by its struct sock address. Entries go when the socket is
 * destroyed (tcp:tcp_destroy_sock) -- not at CLOSE, because a reset is sent after CLOSE
 * (tcp_close with unread data) and must still find its owner. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u64);
	__type(value, struct tcp_owner);
} owners SEC(".maps");

/* Listening sockets' owners by network namespace and port, for the sockets they spawn. */
struct listen_key {
	__u32 netns;
	__u16 port;
	__u16 family;
};

/* LRU: a listener closed by another process than its owner keeps its entry until pushed out. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, struct listen_key);
	__type(value, struct tcp_owner);
} listeners SEC(".maps");

/* Threads inside connect(): set to 1 when the socket reached SYN_SENT during the call, so an error
 * returned before any state change (ENETUNREACH, EADDRNOTAVAIL…) is told from one the state change
 * already reported (ECONNREFUSED on a blocking connect). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH); /* a thread killed inside connect() never reaches its exit */
	__uint(max_entries, 8192);
	__type(key, __u64);
	__type(value, __u8);
} connecting SEC(".maps");

MONITOR_EXPORT(struct tcp_event);
MONITOR_EXPORT(enum tcp_event_kind);
MONITOR_EXPORT(enum tcp_event_flags);

static __always_inline bool family_port_match(__u16 family, __u16 sport, __u16 dport)
{
	if (family != AF_INET && family != AF_INET6)
		return false;
	if (targ_family && family != targ_family)
		return false;
	return !targ_port || sport == targ_port || dport == targ_port;
}

struct tuple {
	__u16 family;
	__u16 sport; /* local, host order */
	__u16 dport; /* remote, host order */
};

/* A socket's family and ports. Request and time-wait sockets have these too (in sock_common). */
static __always_inline void read_ports(struct sock *sk, struct tuple *t)
{
	t->family = BPF_CORE_READ(sk, __sk_common.skc_family);
	/* skc_portpair: skc_dport (network order) in the low half, skc_num in the high half. */
	__u32 ports = BPF_CORE_READ(sk, __sk_common.skc_portpair);
	t->dport = bpf_ntohs((__u16)ports);
	t->sport = ports >> 16;
	/* A close releases the local port (skc_num = 0) before the state change is traced;
	 * inet_sport keeps it, as the tracepoint's own sport field shows. */
	if (!t->sport && t->family != 0 && BPF_CORE_READ(sk, __sk_common.skc_state) != TCP_TIME_WAIT)
		t->sport = bpf_ntohs(BPF_CORE_READ((struct inet_sock *)sk, inet_sport));
}

/* A TCP socket's family and ports, if it passes the kernel-side filters; false for other protocols
 * (MPTCP and SCTP change states through the same tracepoint). */
static __always_inline bool read_tuple(struct sock *sk, struct tuple *t)
{
	if (BPF_CORE_READ(sk, sk_protocol) != IPPROTO_TCP)
		return false;
	read_ports(sk, t);
	return family_port_match(t->family, t->sport, t->dport);
}

/* The socket's own addresses: IPv4 as one read of skc_addrpair (daddr low, rcv_saddr high). */
static __always_inline void put_sock_addrs(struct tcp_event *e, struct sock *sk, const struct tuple *t)
{
	e->family = t->family;
	e->sport = t->sport;
	e->dport = t->dport;
	if (t->family == AF_INET) {
		__u64 pair = BPF_CORE_READ(sk, __sk_common.skc_addrpair);
		__builtin_memset(&e->saddr, 0, sizeof(e->saddr));
		__builtin_memset(&e->daddr, 0, sizeof(e->daddr));
		e->daddr.v4 = (__u32)pair;
		e->saddr.v4 = pair >> 32;
	} else {
		BPF_CORE_READ_INTO(&e->saddr.v6, sk, __sk_common.skc_v6_rcv_saddr.in6_u.u6_addr8);
		BPF_CORE_READ_INTO(&e->daddr.v6, sk, __sk_common.skc_v6_daddr.in6_u.u6_addr8);
	}
}

static __always_inline void set_owner(struct tcp_owner *o)
{
	struct task_struct *task = bpf_get_current_task_btf();
	o->pid = task->tgid;
	/* The process's name: a worker thread may have named itself (Node's "libuv-worker"). */
	__builtin_memcpy(o->comm, task->group_leader->comm, sizeof(o->comm));
	o->cgroup = cgroup_level ? bpf_get_current_ancestor_cgroup_id(cgroup_level) : bpf_get_current_cgroup_id();
}

static __always_inline __u32 sock_netns(const struct sock *sk)
{
	return BPF_CORE_READ(sk, __sk_common.skc_net.net, ns.inum);
}

/* A record with the owner's fields and the header zeroed; NULL (counted) when the ring is full. */
static __always_inline struct tcp_event *reserve(__u32 kind, __u64 skaddr, __u64 now, struct tcp_owner *o)
{
	struct tcp_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		count_loss(LOSS_RINGBUF_RESERVE);
		return NULL;
	}
	e->ts_ns = now;
	e->start_ns = 0;
	e->skaddr = skaddr;
	e->tx_bytes = 0;
	e->rx_bytes = 0;
	e->kind = kind;
	e->netns = 0;
	e->error = 0;
	e->oldstate = 0;
	e->newstate = 0;
	e->flags = 0;
	e->pad = 0;
	if (o && o->pid) {
		e->flags = TCP_FLAG_OWNER;
		e->pid = o->pid;
		e->cgroup = o->cgroup;
		__builtin_memcpy(e->comm, o->comm, sizeof(e->comm));
	} else {
		e->pid = 0;
		e->cgroup = 0;
		__builtin_memset(e->comm, 0, sizeof(e->comm));
	}
	return e;
}

static __always_inline void submit(struct tcp_event *e)
{
	bpf_ringbuf_submit(e, ringbuf_flags(&events));
}

static __always_inline struct tcp_owner *new_owner(__u64 skaddr, struct tcp_owner *init)
{
	if (bpf_map_update_elem(&owners, &skaddr, init, BPF_ANY)) {
		count_loss(LOSS_MAP_FULL);
		return NULL;
	}
	return bpf_map_lookup_elem(&owners, &skaddr);
}

/* Records found missing after the fact: a close no program saw, found when the socket is destroyed
 * (tcp_destroy), when a new socket takes its address (its destruction was missed too), or when
 * tracing stops (tcp_sweep); in states mode also a change whose old state is not the last one
 * handled for its socket (the changes between went unseen). The kernel can skip every BPF program
 * for a state change without counting a recursion miss: on the VM this was built on, BPF never
 * runs while the sandbox's agent (PID 1) is on the CPU, so a network softirq that runs on top of it
 * is invisible to every BPF tool -- tcplife and tcpstates miss the same changes, and ftrace sees
 * them (bench/tcp/README.md). Counted here so a loss is never silent. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} missed SEC(".maps");

/* Whether a socket's entry says a record is still owed: life, a close not reported; states, a
 * change to CLOSE not reported (at least one transition). */
static __always_inline bool close_owed(const struct tcp_owner *o)
{
	return (emit_life && o->open) || (emit_states && o->state && o->state != TCP_CLOSE);
}

static __always_inline void count_missed(void)
{
	__u32 zero = 0;
	__u64 *n = bpf_map_lookup_elem(&missed, &zero);
	if (n)
		*n += 1;
}

/* One state change (raw tracepoint args: sk, oldstate, newstate); the 4-tuple is read from the
 * socket. */
static __always_inline int handle_state(struct bpf_raw_tracepoint_args *ctx)
{
	struct sock *sk = (struct sock *)ctx->args[0];
	int oldstate = ctx->args[1];
	int newstate = ctx->args[2];
	struct tuple t;
	if (!read_tuple(sk, &t))
		return 0;
	__u16 family = t.family;
	__u64 skaddr = (__u64)sk;
	__u64 now = bpf_ktime_get_ns();
	struct tcp_owner *o = bpf_map_lookup_elem(&owners, &skaddr);
	__u64 state_ns = o ? o->state_ns : 0;

	/* A new life on an address whose entry still owes a close: the old socket's close and its
	 * destruction both went unseen (the entry would be gone otherwise). Within a life, states
	 * mode: a change that does not start where the last one handled ended. */
	bool new_life = newstate == TCP_SYN_SENT || newstate == TCP_SYN_RECV || newstate == TCP_LISTEN;
	if (o && new_life && close_owed(o))
		count_missed();
	else if (emit_states && o && !new_life && o->state && o->state != oldstate)
		count_missed();

	if (newstate == TCP_SYN_SENT || newstate == TCP_LISTEN) {
		/* connect() or listen(): the current task is the owner. */
		struct tcp_owner init = {.start_ns = newstate == TCP_SYN_SENT ? now : 0, .state_ns = now, .open = newstate == TCP_SYN_SENT};
		set_owner(&init);
		o = new_owner(skaddr, &init);
		if (newstate == TCP_LISTEN) {
			struct listen_key key = {.netns = sock_netns(sk), .port = t.sport, .family = family};
			if (bpf_map_update_elem(&listeners, &key, &init, BPF_ANY))
				count_loss(LOSS_MAP_FULL);
		} else if (emit_connect) {
			__u64 id = bpf_get_current_pid_tgid();
			__u8 *in_call = bpf_map_lookup_elem(&connecting, &id);
			if (in_call)
				*in_call = 1;
		}
	} else if (newstate == TCP_SYN_RECV) {
		/* A passive open, in softirq: the listener's owner until accept() tells. */
		struct tcp_owner init = {.start_ns = now, .state_ns = now, .open = 1};
		struct listen_key key = {.netns = sock_netns(sk), .port = t.sport, .family = family};
		struct tcp_owner *l = bpf_map_lookup_elem(&listeners, &key);
		if (l) {
			init.pid = l->pid;
			init.cgroup = l->cgroup;
			__builtin_memcpy(init.comm, l->comm, sizeof(init.comm));
		}
		o = new_owner(skaddr, &init);
	} else if (!o && (emit_states || newstate == TCP_FIN_WAIT1 || newstate == TCP_LAST_ACK)) {
		/* A socket older than tracing. close()/shutdown() (-> FIN_WAIT1, -> LAST_ACK) run in
		 * the closing task: that names its owner. */
		struct tcp_owner init = {.state_ns = now};
		if (newstate == TCP_FIN_WAIT1 || newstate == TCP_LAST_ACK)
			set_owner(&init);
		o = new_owner(skaddr, &init);
	} else if (o) {
		if (!o->pid && (newstate == TCP_FIN_WAIT1 || newstate == TCP_LAST_ACK))
			set_owner(o);
		o->state_ns = now;
		if (newstate == TCP_ESTABLISHED)
			o->est_ns = now;
	}

	if (emit_states) {
		struct tcp_event *e = reserve(TCP_EVENT_STATE, skaddr, now, o);
		if (e) {
			if (state_ns) {
				e->start_ns = state_ns;
				e->flags |= TCP_FLAG_START;
			}
			e->oldstate = oldstate;
			e->newstate = newstate;
			put_sock_addrs(e, sk, &t);
			submit(e);
		}
	}

	if (emit_connect && oldstate == TCP_SYN_SENT && (newstate == TCP_ESTABLISHED || newstate == TCP_CLOSE)) {
		struct tcp_event *e = reserve(TCP_EVENT_CONNECT, skaddr, now, o);
		if (e) {
			if (o && o->start_ns) {
				e->start_ns = o->start_ns;
				e->flags |= TCP_FLAG_START;
			}
			if (newstate == TCP_CLOSE) {
				/* tcp_done_with_error() and the ICMP path set sk_err before the close;
				 * none: the owner closed the socket before the handshake ended. */
				int err = BPF_CORE_READ(sk, sk_err);
				e->error = err ? err : ECONNABORTED;
			}
			e->oldstate = oldstate;
			e->newstate = newstate;
			put_sock_addrs(e, sk, &t);
			submit(e);
		}
	}

	if (newstate == TCP_CLOSE && oldstate != TCP_CLOSE && oldstate != TCP_LISTEN) {
		/* A connect that never completed counts too when it was seen (as in tcplife). */
		if (emit_life && (oldstate != TCP_SYN_SENT || (o && o->start_ns))) {
			struct tcp_event *e = reserve(TCP_EVENT_CLOSE, skaddr, now, o);
			if (e) {
				if (o && o->start_ns) {
					e->start_ns = o->start_ns;
					e->flags |= TCP_FLAG_START;
				} else {
					e->netns = sock_netns(sk);
				}
				struct tcp_sock *tp = (struct tcp_sock *)sk;
				e->tx_bytes = BPF_CORE_READ(tp, bytes_acked);
				e->rx_bytes = BPF_CORE_READ(tp, bytes_received);
				e->oldstate = oldstate;
				e->newstate = newstate;
				put_sock_addrs(e, sk, &t);
				submit(e);
			}
		}
		/* A closed socket may connect again: its next life starts afresh. */
		if (o) {
			o->start_ns = 0;
			o->open = 0;
		}
	}
	if (o)
		o->state = newstate;
	if (newstate == TCP_CLOSE && oldstate == TCP_LISTEN) {
		struct listen_key key = {.netns = sock_netns(sk), .port = t.sport, .family = family};
		struct tcp_owner *l = bpf_map_lookup_elem(&listeners, &key);
		/* Only this listener's entry (another process may listen on the port now). */
		if (l && o && l->pid == o->pid)
			bpf_map_delete_elem(&listeners, &key);
	}
	return 0;
}

/* Raw tracepoints, not tp/: the kernel skips a tp/ program whenever any other tp/ or kprobe program
 * runs on the CPU (bpf_prog_active), which a state change in softirq meets whenever it interrupts
 * one. A raw_tp program is skipped only when it interrupts itself -- but that happens too: a state
 * change in process context (connect, close) runs with softirqs enabled, and an interrupt's exit
 * may run the network softirq, whose state changes then find tcp_state busy on this CPU (~0.5% of
 * a connection storm's closes). So two programs take each change: tcp_state, then
 * tcp_state_backup, which handles what tcp_state did not take. An event can only interrupt one of
 * them, so the other takes it.
 *
 * How the backup knows: tcp_state writes the change's key in a per-CPU slot of its context level
 * (task or interrupt); the backup of the same change, at the same level, finds it there and clears
 * it. Not there: tcp_state was skipped for this change. Probes run with preemption off, so nothing
 * of the same level comes between the two programs of one change -- only interrupts (the network
 * softirq on an interrupt's exit), which are of the other level and finish before the two resume.
 * No TCP state changes in a hard interrupt or an NMI, so two levels do. (Not on PREEMPT_RT, where a
 * probe can be preempted and another task's change come between the two: not covered.)
 *
 * (A stack of keys, the second design, left a change's key behind whenever its backup was skipped,
 * and such keys stayed at the bottom for good; in a connection storm socket addresses come back
 * within milliseconds, so a later change of a reused socket with the same transition matched an
 * old key: its tcp_state skipped and the backup thought it taken -- a lost close -- or a pop went
 * past a change in progress -- a record taken twice. A slot is overwritten by the next change of
 * its level, and a finished task-level backup clears the interrupt slot, whose changes it outlived.)
 *
 * The engine reports neither program's recursion misses as losses: tcp_state's are the rescues
 * counted in recursion_covered (subtracted), and whatever the kernel skips in a program named
 * <p>_backup, <p> took (the kernel's window for a program is wider than its body -- with bpf_stats
 * on, much wider -- so the backup cannot count those itself). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} taken SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} recursion_covered SEC(".maps");

/* 0: the probe runs on the current task's stack (process context, or ksoftirqd); 1: on an interrupt
 * stack (a softirq run on an interrupt's exit or at local_bh_enable). The preempt count would say
 * it too, but it is a per-CPU variable whose address the verifier finds only with KALLSYMS_ALL. ctx
 * is the args array the kernel built on the stack for this probe call. */
static __always_inline __u32 context_level(void *ctx)
{
	struct task_struct *task = bpf_get_current_task_btf();
	__u64 base = (__u64)task->stack;
	__u64 top = (__u64)bpf_task_pt_regs(task); /* pt_regs sit at the top of the task stack */
	__u64 at = (__u64)ctx;
	return at >= base && at < top ? 0 : 1;
}

static __always_inline __u64 change_key(struct bpf_raw_tracepoint_args *ctx)
{
	/* Sockets are cache-line aligned: the states fit in the low bits. */
	return ctx->args[0] ^ (ctx->args[1] << 1) ^ (ctx->args[2] << 5);
}

static __always_inline void covered(void)
{
	__u32 zero = 0;
	__u64 *n = bpf_map_lookup_elem(&recursion_covered, &zero);
	if (n)
		*n += 1;
}

SEC("raw_tp/inet_sock_set_state")
int tcp_state(struct bpf_raw_tracepoint_args *ctx)
{
	__u32 level = context_level(ctx);
	__u64 *slot = bpf_map_lookup_elem(&taken, &level);
	if (slot)
		*slot = change_key(ctx);
	return handle_state(ctx);
}

SEC("raw_tp/inet_sock_set_state")
int tcp_state_backup(struct bpf_raw_tracepoint_args *ctx)
{
	__u32 level = context_level(ctx);
	__u64 *slot = bpf_map_lookup_elem(&taken, &level);
	if (!slot)
		return 0;
	if (*slot == change_key(ctx)) {
		*slot = 0; /* tcp_state took it */
	} else {
		/* This change interrupted tcp_state, which the kernel skipped for it. */
		covered();
		handle_state(ctx);
	}
	if (level == 0) {
		__u32 irq = 1;
		__u64 *above = bpf_map_lookup_elem(&taken, &irq);
		if (above)
			*above = 0;
	}
	return 0;
}

/* raw_tp (see tcp_state): a destruction it missed would leave the socket's entry behind. */
SEC("raw_tp/tcp_destroy_sock")
int tcp_destroy(struct bpf_raw_tracepoint_args *ctx)
{
	__u64 skaddr = ctx->args[0];
	/* The cross-check of the two programs above: a socket whose life started while tracing and
	 * whose close neither program handled is a close record lost, whatever the path (counted in
	 * missed; the engine reports at least that many recursion losses). */
	struct tcp_owner *o = bpf_map_lookup_elem(&owners, &skaddr);
	if (o && close_owed(o))
		count_missed();
	bpf_map_delete_elem(&owners, &skaddr);
	return 0;
}

/* Run once when tracing stops (user space runs it; never attached): entries that still owe a close
 * record, for sockets that are gone -- freed (no references; the TCP slab keeps freed sockets
 * readable) or closed -- are closes no program saw, and neither their destruction: both can be
 * skipped by the kernel without a count (a state change in softirq on top of a task the kernel
 * hides from BPF: see bench/tcp/README.md). The state is read before the entry, so a close handled
 * on another CPU right now is not taken for a lost one (the entry is written before the state). */
static long sweep_socket(struct bpf_map *map, __u64 *skaddr, struct tcp_owner *o, void *ctx)
{
	struct sock *sk = (struct sock *)*skaddr;
	int refs = BPF_CORE_READ(sk, __sk_common.skc_refcnt.refs.counter);
	__u8 state = BPF_CORE_READ(sk, __sk_common.skc_state);
	if ((refs && state != TCP_CLOSE) || !close_owed(o))
		return 0;
	count_missed();
	o->open = 0;
	o->state = TCP_CLOSE;
	return 0;
}

SEC("raw_tp")
int tcp_sweep(void *ctx)
{
	bpf_for_each_map_elem(&owners, sweep_socket, NULL, 0);
	return 0;
}

/* The struct sock behind a file descriptor of the current task, if it is a TCP socket. */
static __always_inline struct sock *tcp_sock_of_fd(long fd)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct file **fds = task->files->fdt->fd;
	unsigned int max = task->files->fdt->max_fds;
	if (fd < 0 || fd >= max)
		return NULL;
	struct file *file;
	if (bpf_probe_read_kernel(&file, sizeof(file), &fds[fd]) || !file)
		return NULL;
	struct socket *sock = BPF_CORE_READ(file, private_data);
	if (!sock)
		return NULL;
	struct sock *sk = BPF_CORE_READ(sock, sk);
	if (!sk)
		return NULL;
	if (BPF_CORE_READ(sk, sk_protocol) != IPPROTO_TCP || BPF_CORE_READ(sk, sk_type) != SOCK_STREAM)
		return NULL;
	return sk;
}

static __always_inline int accept_exit(long ret)
{
	if (ret < 0)
		return 0;
	struct sock *sk = tcp_sock_of_fd(ret);
	if (!sk)
		return 0;
	struct tuple t;
	if (!read_tuple(sk, &t))
		return 0;
	__u64 skaddr = (__u64)sk;
	__u64 now = bpf_ktime_get_ns();
	struct tcp_owner *o = bpf_map_lookup_elem(&owners, &skaddr);
	__u64 est_ns = 0;
	if (o) {
		est_ns = o->est_ns;
		set_owner(o);
	} else if (BPF_CORE_READ(sk, __sk_common.skc_state) != TCP_CLOSE) {
		/* Established before tracing: no start; closed already: nothing more will come. */
		struct tcp_owner init = {};
		set_owner(&init);
		o = new_owner(skaddr, &init);
	}
	if (!emit_accept)
		return 0;
	struct tcp_owner self = {};
	if (!o) {
		set_owner(&self);
		o = &self;
	}
	struct tcp_event *e = reserve(TCP_EVENT_ACCEPT, skaddr, now, o);
	if (!e)
		return 0;
	if (est_ns) {
		e->start_ns = est_ns;
		e->flags |= TCP_FLAG_START;
	}
	put_sock_addrs(e, sk, &t);
	submit(e);
	return 0;
}

SEC("tp/syscalls/sys_exit_accept4")
int tcp_accept4_exit(struct trace_event_raw_sys_exit *ctx)
{
	return accept_exit(ctx->ret);
}

SEC("tp/syscalls/sys_exit_accept")
int tcp_accept_exit(struct trace_event_raw_sys_exit *ctx)
{
	return accept_exit(ctx->ret);
}

SEC("tp/syscalls/sys_enter_connect")
int tcp_connect_enter(struct trace_event_raw_sys_enter *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u8 zero = 0;
	if (bpf_map_update_elem(&connecting, &id, &zero, BPF_ANY))
		count_loss(LOSS_MAP_FULL);
	return 0;
}

/* connect() failed before its socket changed state: the route, the local address, a firewall
 * hook… The state change reports every other outcome. */
SEC("tp/syscalls/sys_exit_connect")
int tcp_connect_exit(struct trace_event_raw_sys_exit *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u8 *in_call = bpf_map_lookup_elem(&connecting, &id);
	if (!in_call)
		return 0;
	__u8 reached_syn_sent = *in_call;
	bpf_map_delete_elem(&connecting, &id);
	long ret = ctx->ret;
	if (ret >= 0 || reached_syn_sent || ret == -EINPROGRESS || ret == -EALREADY || ret == -EISCONN || ret < -4095)
		return 0;

	struct task_struct *task = bpf_get_current_task_btf();
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(task);
	long fd = PT_REGS_PARM1_CORE_SYSCALL(regs);
	void *uaddr = (void *)PT_REGS_PARM2_CORE_SYSCALL(regs);
	struct sock *sk = tcp_sock_of_fd(fd);
	if (!sk || !uaddr)
		return 0;
	/* sockaddr_in: family, port, addr at 4; sockaddr_in6: family, port, flowinfo, addr at 8. */
	struct {
		__u16 family;
		__u16 port;
		__u32 v4_or_flowinfo;
		__u8 v6[16];
	} sa = {};
	if (bpf_probe_read_user(&sa, sizeof(sa), uaddr) && bpf_probe_read_user(&sa, 8, uaddr))
		return 0;
	__u16 dport = bpf_ntohs(sa.port);
	__u16 sport = BPF_CORE_READ(sk, __sk_common.skc_num);
	if (!family_port_match(sa.family, sport, dport))
		return 0;

	struct tcp_owner self = {};
	set_owner(&self);
	__u64 now = bpf_ktime_get_ns();
	struct tcp_event *e = reserve(TCP_EVENT_CONNECT, (__u64)sk, now, &self);
	if (!e)
		return 0;
	e->start_ns = now;
	e->flags |= TCP_FLAG_START | TCP_FLAG_SYSCALL;
	e->error = -ret;
	e->family = sa.family;
	e->sport = sport;
	e->dport = dport;
	e->oldstate = TCP_CLOSE;
	e->newstate = TCP_CLOSE;
	if (sa.family == AF_INET) {
		__builtin_memset(&e->saddr, 0, sizeof(e->saddr));
		__builtin_memset(&e->daddr, 0, sizeof(e->daddr));
		e->saddr.v4 = BPF_CORE_READ(sk, __sk_common.skc_rcv_saddr);
		e->daddr.v4 = sa.v4_or_flowinfo;
	} else {
		BPF_CORE_READ_INTO(&e->saddr.v6, sk, __sk_common.skc_v6_rcv_saddr.in6_u.u6_addr8);
		__builtin_memcpy(e->daddr.v6, sa.v6, 16);
	}
	submit(e);
	return 0;
}

/* Retransmits and received resets often run in softirq: raw_tp, as tcp_state. */
static __always_inline int sock_event(struct sock *sk, __u32 kind)
{
	struct tuple t;
	if (!sk || !read_tuple(sk, &t))
		return 0;
	__u64 skaddr = (__u64)sk;
	struct tcp_owner *o = bpf_map_lookup_elem(&owners, &skaddr);
	struct tcp_event *e = reserve(kind, skaddr, bpf_ktime_get_ns(), o);
	if (!e)
		return 0;
	e->newstate = BPF_CORE_READ(sk, __sk_common.skc_state);
	put_sock_addrs(e, sk, &t);
	if (!o)
		e->netns = sock_netns(sk);
	submit(e);
	return 0;
}

SEC("raw_tp/tcp_retransmit_skb")
int tcp_retrans(struct bpf_raw_tracepoint_args *ctx)
{
	return sock_event((struct sock *)ctx->args[0], TCP_EVENT_RETRANS);
}

/* A SYN-ACK sent again by a listener for a handshake not done yet: the request socket has the
 * 4-tuple (struct sock_common), the listener the owner. The accepted socket's total_retrans counts
 * these too. args: listener sk, request_sock. */
SEC("raw_tp/tcp_retransmit_synack")
int tcp_retrans_synack(struct bpf_raw_tracepoint_args *ctx)
{
	struct sock *listener = (struct sock *)ctx->args[0];
	struct sock *req = (struct sock *)ctx->args[1]; /* only its sock_common is read */
	struct tuple t;
	if (!listener || !req)
		return 0;
	read_ports(req, &t);
	if (!family_port_match(t.family, t.sport, t.dport))
		return 0;
	__u64 laddr = (__u64)listener;
	struct tcp_owner *o = bpf_map_lookup_elem(&owners, &laddr);
	struct tcp_event *e = reserve(TCP_EVENT_RETRANS, (__u64)req, bpf_ktime_get_ns(), o);
	if (!e)
		return 0;
	e->newstate = TCP_SYN_RECV;
	put_sock_addrs(e, req, &t);
	if (!o)
		e->netns = sock_netns(req);
	submit(e);
	return 0;
}

SEC("raw_tp/tcp_receive_reset")
int tcp_reset_received(struct bpf_raw_tracepoint_args *ctx)
{
	return sock_event((struct sock *)ctx->args[0], TCP_EVENT_RESET);
}

/* The 4-tuple of a packet this host answers with a reset, turned around so the local side (the
 * packet's destination) comes first. */
static __always_inline bool put_skb_addrs(struct tcp_event *e, struct sk_buff *skb)
{
	unsigned char *head = BPF_CORE_READ(skb, head);
	__u16 nh = BPF_CORE_READ(skb, network_header);
	__u16 th = BPF_CORE_READ(skb, transport_header);
	__u16 ports[2]; /* source, dest (network order) */
	__u8 version;
	if (bpf_probe_read_kernel(&version, 1, head + nh) || bpf_probe_read_kernel(ports, sizeof(ports), head + th))
		return false;
	__u16 family = (version >> 4) == 6 ? AF_INET6 : AF_INET;
	__u16 sport = bpf_ntohs(ports[1]);
	__u16 dport = bpf_ntohs(ports[0]);
	if (!family_port_match(family, sport, dport))
		return false;
	e->family = family;
	e->sport = sport;
	e->dport = dport;
	if (family == AF_INET) {
		__u32 addrs[2]; /* iphdr saddr, daddr at 12 */
		if (bpf_probe_read_kernel(addrs, sizeof(addrs), head + nh + 12))
			return false;
		__builtin_memset(&e->saddr, 0, sizeof(e->saddr));
		__builtin_memset(&e->daddr, 0, sizeof(e->daddr));
		e->saddr.v4 = addrs[1];
		e->daddr.v4 = addrs[0];
	} else {
		/* ipv6hdr saddr at 8, daddr at 24 */
		if (bpf_probe_read_kernel(e->daddr.v6, 16, head + nh + 8) || bpf_probe_read_kernel(e->saddr.v6, 16, head + nh + 24))
			return false;
	}
	return true;
}

/* A reset this host sends: for a socket's connection (its owner known), or in answer to a packet no
 * socket took (a closed port: the packet gives the 4-tuple). Request and time-wait sockets carry
 * only struct sock_common, which has the 4-tuple but no owner. raw_tp, as tcp_state; args: sk
 * (may be NULL), skb. */
SEC("raw_tp/tcp_send_reset")
int tcp_reset_sent(struct bpf_raw_tracepoint_args *ctx)
{
	struct sock *sk = (struct sock *)ctx->args[0];
	struct sk_buff *skb = (struct sk_buff *)ctx->args[1];
	__u64 skaddr = (__u64)sk;
	__u8 state = sk ? BPF_CORE_READ(sk, __sk_common.skc_state) : 0;
	struct tuple t = {};
	if (sk) {
		read_ports(sk, &t);
		if (!family_port_match(t.family, t.sport, t.dport))
			return 0;
	} else if (!skb) {
		return 0;
	}
	struct tcp_owner *o = sk ? bpf_map_lookup_elem(&owners, &skaddr) : NULL;
	struct tcp_event *e = reserve(TCP_EVENT_RESET, skaddr, bpf_ktime_get_ns(), o);
	if (!e)
		return 0;
	e->flags |= TCP_FLAG_RESET_SENT | (sk ? 0 : TCP_FLAG_NO_SOCKET);
	e->newstate = state;
	if (sk) {
		put_sock_addrs(e, sk, &t);
		if (!o)
			e->netns = sock_netns(sk);
	} else if (!put_skb_addrs(e, skb)) {
		bpf_ringbuf_discard(e, 0);
		return 0;
	}
	submit(e);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
