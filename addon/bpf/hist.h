/* The project's one histogram scheme: log-linear buckets over the whole u64 range, plus sum and
 * count. Values 0..7 have a bucket each; from 8 on, every power of two [2^k, 2^(k+1)) is split
 * into 8 equal sub-buckets, so a bucket is never wider than 1/8 of its lower bound: a percentile
 * read as its bucket's midpoint is within 6.25% of the true value. 8 + 61 * 8 = 496 slots.
 * src/engine/histogram.ts has the same index function; test/ebpf/histogram.test.ts checks that C
 * and TS put the same values in the same buckets.
 *
 * Use: a BPF_MAP_TYPE_PERCPU_HASH (or PERCPU_ARRAY) of struct hist, hist_get() + hist_add(); the
 * engine sums the CPUs (obj.histograms(map)). Include after common.bpf.h. */
#ifndef MONITOR_HIST_H
#define MONITOR_HIST_H

#define HIST_EXACT 8     /* values below this are their own bucket */
#define HIST_SUB_BITS 3  /* 2^3 = 8 sub-buckets per power of two */
#define HIST_SLOTS 496

struct hist {
	__u64 count;
	__u64 sum; /* wraps modulo 2^64, as u64 arithmetic does */
	__u64 slots[HIST_SLOTS];
};

/* Index of the highest set bit of v (v > 0), without a loop the verifier would have to unroll. */
static __always_inline __u32 hist_msb(__u64 v)
{
	__u32 r = 0;
	if (v >> 32) { v >>= 32; r += 32; }
	if (v >> 16) { v >>= 16; r += 16; }
	if (v >> 8) { v >>= 8; r += 8; }
	if (v >> 4) { v >>= 4; r += 4; }
	if (v >> 2) { v >>= 2; r += 2; }
	if (v >> 1) r += 1;
	return r;
}

static __always_inline __u32 hist_index(__u64 v)
{
	if (v < HIST_EXACT)
		return (__u32)v;
	__u32 msb = hist_msb(v);
	__u32 sub = (__u32)(v >> (msb - HIST_SUB_BITS)) & ((1 << HIST_SUB_BITS) - 1);
	return HIST_EXACT + ((msb - HIST_SUB_BITS) << HIST_SUB_BITS) + sub;
}

static __always_inline void hist_add(struct hist *h, __u64 v)
{
	__u32 i = hist_index(v);
	if (i >= HIST_SLOTS) /* cannot happen; a bound for the verifier */
		return;
	h->count += 1;
	h->sum += v;
	h->slots[i] += 1;
}

/* All-zero initial value for hist_get (too big for the BPF stack). */
struct hist hist_zero = {};

/* The histogram of `key` in `map`, created empty if absent; NULL (and a map_full loss) when the
 * map is full. */
static __always_inline struct hist *hist_get(void *map, const void *key)
{
	struct hist *h = bpf_map_lookup_elem(map, key);
	if (h)
		return h;
	long err = bpf_map_update_elem(map, key, &hist_zero, BPF_NOEXIST);
	if (err && err != -17 /* EEXIST: another CPU made it first */) {
		count_loss(LOSS_MAP_FULL);
		return NULL;
	}
	return bpf_map_lookup_elem(map, key);
}

#endif
