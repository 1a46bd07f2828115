/* Map layout of `monitor top`'s run-queue latency columns (topsched.bpf.c). User space reads
 * `runq_hist` (key: a tgid, __u32; value: struct hist of hist.h, in ns, summed over CPUs by the
 * engine) each refresh and takes differences from its previous read, so the BPF side never empties
 * the map on the hot path; entries of processes that stayed idle for a refresh are deleted by user
 * space, which keeps the map to the processes active lately. */
#ifndef MONITOR_TOPSCHED_H
#define MONITOR_TOPSCHED_H

/* Processes with a histogram at once (entries of runq_hist). Set from TS before load. */
#define TOPSCHED_MAX_PROCS 4096

#endif
