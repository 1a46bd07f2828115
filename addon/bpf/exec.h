/* Event layout of `monitor trace exec`. The TS decoder (src/trace/exec-decoder.ts) is checked
 * against this struct's BTF in test/unit/layout.test.ts: change both or the test fails. */
#ifndef MONITOR_EXEC_H
#define MONITOR_EXEC_H

#define EXEC_COMM_LEN 16
#define EXEC_ARGS_MAX 2048 /* bytes of NUL-separated argv kept per exec (power of two) */

enum exec_event_kind {
	EXEC_EVENT_EXEC = 1, /* a process image started; argv follows the header */
	EXEC_EVENT_EXIT = 2, /* a traced process's last thread exited */
};

enum exec_event_flags {
	EXEC_FLAG_ARGS_TRUNCATED = 1,
	EXEC_FLAG_ARGS_FAULT = 2,
};

struct exec_event {
	__u64 ts_ns;    /* CLOCK_MONOTONIC time of the event */
	__u64 start_ns; /* CLOCK_MONOTONIC time of the exec this run began with */
	__u32 kind;     /* enum exec_event_kind */
	__u32 pid;
	__u32 ppid;
	__u32 uid;
	__s32 exit_code; /* raw wait status: (code << 8) | signal, as task->exit_code */
	__u32 flags;     /* enum exec_event_flags */
	__u32 args_len;  /* bytes of argv following this header */
	__u32 pad;
	char comm[EXEC_COMM_LEN];
};

#endif
