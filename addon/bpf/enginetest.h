/* Types of the engine's own test object (enginetest.bpf.c). */
#ifndef MONITOR_ENGINETEST_H
#define MONITOR_ENGINETEST_H

#include "addr.h"

/* One field of every kind the TS layout DSL has, so its offsets and decoder are checked against
 * what the C compiler wrote (test/unit/layout.test.ts, test/unit/layout-decode.test.ts). */
struct engine_probe_record {
	__u8 u8v;
	__s8 s8v;
	__u16 u16v;
	__s16 s16v;
	__u16 family; /* AF_INET / AF_INET6: says which part of the addresses is used */
	__u32 u32v;
	__s32 s32v;
	__u64 u64v;
	__s64 s64v;
	__u64 cookie;
	char comm[16];
	__u32 ids[3];
	__u16 port;
	__u8 pad[2];
	union monitor_addr saddr;
	union monitor_addr daddr;
	__s16 deltas[2];
	__u32 tail;
};

#endif
