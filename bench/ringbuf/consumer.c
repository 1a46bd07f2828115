// Reference consumer for the ring buffer benchmark: plain libbpf, the same BPF object the addon
// embeds, no batching layer. Its events/s and CPU per event are the bar the Node engine is held to.
//
// Usage: consumer --obj ringbench.bpf.o --pid P --burst K [--ring-bytes N] [--wait level|edge]
//   level (default): ring_buffer__poll, libbpf's own level-triggered epoll. While the producer runs
//     the ring nearly always holds a record, so this tends to spin on epoll_wait.
//   edge: epoll on the ring's fd with EPOLLET, as the engine's drain thread does; it sleeps until
//     the kernel wakes the ring (every 256 KiB here, see common.bpf.h) and then drains it all.
// Protocol (stdin/stdout, one line each): prints "ready" once attached; then drains until it reads
// "stop <window start ns> <window end ns>" (CLOCK_MONOTONIC, from the producer), drains what is
// left, and prints one JSON line of results.
#define _GNU_SOURCE
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

struct ringbench_event { // mirrors addon/bpf/ringbench.h (that header needs vmlinux.h types)
	uint64_t seq;
	uint64_t ts_ns;
	uint32_t cpu;
	uint32_t burst_index;
	uint8_t payload[40];
};

static uint64_t now_ns(clockid_t clock)
{
	struct timespec ts;
	clock_gettime(clock, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static uint64_t cpu_ns(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru); // whole process: comparable with Node's process.cpuUsage()
	return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000ull +
	       (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000ull;
}

static void die(const char *what, int err)
{
	fprintf(stderr, "consumer: %s: %s\n", what, strerror(err < 0 ? -err : err));
	exit(1);
}

struct state {
	uint64_t received, next_seq, gaps, disorder, bad_size;
};

static int on_record(void *ctx, void *data, size_t size)
{
	struct state *s = ctx;
	if (size != sizeof(struct ringbench_event)) {
		s->bad_size++;
		return 0;
	}
	uint64_t seq = ((const struct ringbench_event *)data)->seq;
	if (seq > s->next_seq)
		s->gaps += seq - s->next_seq;
	else if (seq < s->next_seq)
		s->disorder++;
	s->next_seq = seq + 1;
	s->received++;
	return 0;
}

// Offset of a global inside its data section, from the object's BTF (what a skeleton hard-codes).
static size_t var_offset(struct bpf_object *obj, const char *sec, const char *name)
{
	struct btf *btf = bpf_object__btf(obj);
	int id = btf__find_by_name_kind(btf, sec, BTF_KIND_DATASEC);
	if (id < 0)
		die(sec, id);
	const struct btf_type *t = btf__type_by_id(btf, id);
	const struct btf_var_secinfo *vs = btf_var_secinfos(t);
	for (int i = 0; i < btf_vlen(t); i++, vs++)
		if (!strcmp(btf__name_by_offset(btf, btf__type_by_id(btf, vs->type)->name_off), name))
			return vs->offset;
	fprintf(stderr, "consumer: no variable %s in %s\n", name, sec);
	exit(1);
}

// Deliveries are checkpointed (time, running count) so the count at the producer's window end can
// be read afterwards: the stop message itself arrives late.
struct checkpoint {
	uint64_t t, received;
};
static struct checkpoint *cps;
static size_t ncps, cap_cps;

static void checkpoint(uint64_t received)
{
	if (ncps == cap_cps) {
		cap_cps = cap_cps ? cap_cps * 2 : 4096;
		cps = realloc(cps, cap_cps * sizeof(*cps));
		if (!cps)
			die("realloc", ENOMEM);
	}
	cps[ncps++] = (struct checkpoint){now_ns(CLOCK_MONOTONIC), received};
}

int main(int argc, char **argv)
{
	const char *path = NULL;
	long pid = 0, burst = 1, ring_bytes = 4 << 20;
	int edge = 0;
	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--obj"))
			path = argv[i + 1];
		else if (!strcmp(argv[i], "--pid"))
			pid = atol(argv[i + 1]);
		else if (!strcmp(argv[i], "--burst"))
			burst = atol(argv[i + 1]);
		else if (!strcmp(argv[i], "--ring-bytes"))
			ring_bytes = atol(argv[i + 1]);
		else if (!strcmp(argv[i], "--wait"))
			edge = !strcmp(argv[i + 1], "edge");
	}
	if (!path || pid <= 0 || burst < 1 || burst > 64) {
		fprintf(stderr, "usage: consumer --obj ringbench.bpf.o --pid P --burst 1..64 [--ring-bytes N] [--wait level|edge]\n");
		return 2;
	}
	prctl(PR_SET_PDEATHSIG, SIGKILL);

	struct bpf_object *obj = bpf_object__open_file(path, NULL);
	if (!obj)
		die("bpf_object__open_file", errno);
	struct bpf_map *rodata = bpf_object__find_map_by_name(obj, ".rodata");
	struct bpf_map *events = bpf_object__find_map_by_name(obj, "events");
	if (!rodata || !events)
		die("find maps", ENOENT);
	size_t size;
	const void *ro_init = bpf_map__initial_value(rodata, &size);
	char *ro = malloc(size);
	memcpy(ro, ro_init, size);
	uint32_t tgid = pid, k = burst;
	memcpy(ro + var_offset(obj, ".rodata", "targ_tgid"), &tgid, sizeof(tgid));
	memcpy(ro + var_offset(obj, ".rodata", "burst"), &k, sizeof(k));
	int err = bpf_map__set_initial_value(rodata, ro, size);
	if (err)
		die("set .rodata", err);
	free(ro);
	err = bpf_map__set_max_entries(events, ring_bytes);
	if (err)
		die("set ring size", err);
	err = bpf_object__load(obj);
	if (err)
		die("bpf_object__load", err);
	struct bpf_program *prog = bpf_object__find_program_by_name(obj, "on_getppid");
	if (!prog || !bpf_program__attach(prog))
		die("attach on_getppid", errno);

	struct state st = {0};
	struct ring_buffer *rb = ring_buffer__new(bpf_map__fd(events), on_record, &st, NULL);
	if (!rb)
		die("ring_buffer__new", errno);
	fcntl(0, F_SETFL, fcntl(0, F_GETFL) | O_NONBLOCK);
	char line[256];
	size_t line_len = 0;
	unsigned long long win_start = 0, win_end = 0;

	printf("ready\n");
	fflush(stdout);
	uint64_t cpu0 = cpu_ns();
	int ep = -1;
	if (edge) {
		ep = epoll_create1(EPOLL_CLOEXEC);
		struct epoll_event ev = {.events = EPOLLIN | EPOLLET};
		if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, bpf_map__fd(events), &ev))
			die("epoll on the ring", errno);
	}
	for (;;) {
		int n;
		if (edge) {
			struct epoll_event ev;
			n = epoll_wait(ep, &ev, 1, 10) < 0 && errno != EINTR ? -errno : 0;
		} else {
			n = ring_buffer__poll(rb, 10);
		}
		// Records submitted with BPF_RB_NO_WAKEUP do not make the ring's fd ready, so a timeout
		// may still leave data behind: consume explicitly.
		if (n == 0)
			n = ring_buffer__consume(rb);
		if (n < 0 && n != -EINTR)
			die("ring drain", n);
		if (n > 0) {
			checkpoint(st.received);
			continue;
		}
		// Idle: the only time the stop line can have arrived (the producer has exited).
		ssize_t r = read(0, line + line_len, sizeof(line) - 1 - line_len);
		if (r == 0)
			return 1; // the benchmark went away
		if (r > 0) {
			line_len += r;
			line[line_len] = 0;
			if (strchr(line, '\n') && sscanf(line, "stop %llu %llu", &win_start, &win_end) == 2)
				break;
		}
	}
	ring_buffer__consume(rb);
	checkpoint(st.received);
	uint64_t cpu = cpu_ns() - cpu0;

	uint64_t in_window = 0;
	for (size_t i = 0; i < ncps && cps[i].t <= win_end; i++)
		in_window = cps[i].received;

	int ncpu = libbpf_num_possible_cpus();
	uint64_t losses[ncpu > 0 ? ncpu : 1], reserve_losses = 0;
	uint32_t zero = 0;
	int lfd = bpf_object__find_map_fd_by_name(obj, "losses");
	if (bpf_map_lookup_elem(lfd, &zero, losses) == 0)
		for (int i = 0; i < ncpu; i++)
			reserve_losses += losses[i];
	// The BPF side's own count of records it tried to write. seq lives in .bss; libbpf 1.1 does not
	// remap a map's initial value onto the kernel map, so read it with a lookup.
	uint64_t produced = 0;
	struct bpf_map *bss = bpf_object__find_map_by_name(obj, ".bss");
	char *bss_val = bss ? calloc(1, bpf_map__value_size(bss)) : NULL;
	if (bss_val && bpf_map_lookup_elem(bpf_map__fd(bss), &zero, bss_val) == 0)
		memcpy(&produced, bss_val + var_offset(obj, ".bss", "seq"), sizeof(produced));
	free(bss_val);
	struct bpf_prog_info pi;
	uint32_t pi_len = sizeof(pi);
	memset(&pi, 0, sizeof(pi));
	bpf_obj_get_info_by_fd(bpf_program__fd(prog), &pi, &pi_len);

	double secs = (win_end - win_start) / 1e9;
	printf("{\"consumer\":\"%s\",\"burst\":%ld,\"events\":%llu,\"events_in_window\":%llu,"
	       "\"window_s\":%.6f,\"events_per_s\":%.0f,\"produced\":%llu,\"gaps\":%llu,"
	       "\"disorder\":%llu,\"bad_size\":%llu,\"reserve_losses\":%llu,\"queue_drops\":0,"
	       "\"cpu_ns\":%llu,\"bpf_run_ns\":%llu,\"bpf_run_cnt\":%llu}\n",
	       edge ? "c-edge" : "c", burst, (unsigned long long)st.received, (unsigned long long)in_window, secs,
	       secs > 0 ? in_window / secs : 0, (unsigned long long)produced,
	       (unsigned long long)st.gaps, (unsigned long long)st.disorder,
	       (unsigned long long)st.bad_size, (unsigned long long)reserve_losses,
	       (unsigned long long)cpu, (unsigned long long)pi.run_time_ns,
	       (unsigned long long)pi.run_cnt);
	ring_buffer__free(rb);
	bpf_object__close(obj);
	return 0;
}
