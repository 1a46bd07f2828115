// SPDX-License-Identifier: GPL-2.0
/* bench/toptcp's reference: the accounting of tcptop.bpf.c's tcptop_send / tcptop_recv (same
 * tracepoints, same TCP / length / MSG_PEEK checks), but one ring record per call for user space to
 * sum, instead of a sum in a map. Not used by any command. */
#include "common.bpf.h"
#include "tcpstream.h"

#define IPPROTO_TCP 6
#define MSG_PEEK 2

DEFINE_EVENTS_RING();

MONITOR_EXPORT(struct tcpstream_event);

static __always_inline int stream(struct trace_event_raw_sock_msg_length *ctx, __u32 tx)
{
	if (ctx->protocol != IPPROTO_TCP || ctx->ret <= 0 || (!tx && (ctx->flags & MSG_PEEK)))
		return 0;
	struct tcpstream_event *ev = bpf_ringbuf_reserve(&events, sizeof(*ev), 0);
	if (!ev) {
		count_loss(LOSS_RINGBUF_RESERVE);
		return 0;
	}
	ev->sk = (__u64)ctx->sk;
	ev->pid = bpf_get_current_pid_tgid() >> 32;
	ev->len = ctx->ret;
	ev->tx = tx;
	ev->pad = 0;
	bpf_ringbuf_submit(ev, ringbuf_flags(&events));
	return 0;
}

SEC("tp/sock/sock_send_length")
int tcpstream_send(struct trace_event_raw_sock_msg_length *ctx)
{
	return stream(ctx, 1);
}

SEC("tp/sock/sock_recv_length")
int tcpstream_recv(struct trace_event_raw_sock_msg_length *ctx)
{
	return stream(ctx, 0);
}

char LICENSE[] SEC("license") = "GPL";
