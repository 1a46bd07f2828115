/* An IPv4 or IPv6 address as records carry it: 16 bytes, IPv4 in the first 4 (network order), told
 * apart by an AF_INET / AF_INET6 family field of the same record. TS: addr('family') in
 * src/engine/layout.ts, checked against this union's BTF by test/unit/layout.test.ts. */
#ifndef MONITOR_ADDR_H
#define MONITOR_ADDR_H

union monitor_addr {
	__u32 v4;
	__u8 v6[16];
};

#endif
