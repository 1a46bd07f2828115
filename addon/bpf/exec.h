/* Event layout of `monitor trace exec`: the one definition of its records. The TS layout
 * (src/trace/exec/layout.ts) is checked against this struct's BTF in test/unit/layout.test.ts:
 * change both or the test fails.
 *
 * A record is a struct exec_event header, then `args_len` bytes of argv, then `filename_len`
 * bytes of filename (both 0 for EXIT):
 *
 *   argv      NUL-separated strings as the kernel keeps them. EXEC: the new image's
 *             mm->arg_start..arg_end (for a #! script, the argv the interpreter got). EXEC_FAILED:
 *             the argv array as passed to execve, each string NUL-terminated, at most
 *             EXEC_FAILED_ARGC_MAX strings. At most EXEC_ARGS_MAX bytes; the last string may be
 *             cut (EXEC_FLAG_ARGS_TRUNCATED).
 *   filename  EXEC: the path of the file the kernel executed (the binary /proc/PID/exe names; for
 *             a #! script, its interpreter), symlinks resolved, walked from the file's dentry up
 *             across mount points to the process's root (so inside a chroot or a container's
 *             mount namespace, the path as the process sees it). Encoded leaf first: each
 *             component NUL-terminated, so /usr/bin/true is "true\0bin\0usr\0"; reverse and join
 *             with '/'. Unlike d_path, a deleted file gets no " (deleted)". Kept: at most
 *             EXEC_PATH_DEPTH components within the file's own mount, EXEC_PATH_MOUNT_STEPS more
 *             steps (a component or a mount point each) beyond it, and EXEC_FILENAME_MAX bytes;
 *             else the outermost components are missing (EXEC_FLAG_FILENAME_TRUNCATED).
 *             EXEC_FAILED: the filename string as passed (may be relative; for execveat, relative
 *             to its dirfd; "" for fexecve), NUL-terminated, at most EXEC_FILENAME_MAX bytes (then
 *             its tail is cut: EXEC_FLAG_FILENAME_TRUNCATED).
 */
#ifndef MONITOR_EXEC_H
#define MONITOR_EXEC_H

#define EXEC_COMM_LEN 16
#define EXEC_ARGS_MAX 2048       /* bytes of argv kept per record (power of two) */
#define EXEC_FILENAME_MAX 2048   /* bytes of filename kept per record (power of two) */
#define EXEC_PATH_DEPTH 32       /* EXEC filename: components within the file's mount */
#define EXEC_PATH_MOUNT_STEPS 16 /* EXEC filename: steps beyond it (see above) */
#define EXEC_FAILED_ARGC_MAX 128 /* argv strings read for an EXEC_FAILED */

enum exec_event_kind {
	EXEC_EVENT_EXEC = 1,        /* a process image started */
	EXEC_EVENT_EXIT = 2,        /* the last thread of a process exited */
	EXEC_EVENT_EXEC_FAILED = 3, /* execve/execveat returned an error; the caller runs on */
};

enum exec_event_flags {
	EXEC_FLAG_ARGS_TRUNCATED = 1,     /* argv was longer than EXEC_ARGS_MAX (or had too many strings) */
	EXEC_FLAG_ARGS_FAULT = 2,         /* argv could not be read; what was read is kept */
	EXEC_FLAG_FILENAME_TRUNCATED = 4, /* filename lacks its outer components / its tail */
	EXEC_FLAG_FILENAME_FAULT = 8,     /* filename could not be read; what was read is kept */
	EXEC_FLAG_UNTRACKED = 16,         /* EXIT of a process that did not exec while tracing */
};

struct exec_event {
	__u64 ts_ns;        /* CLOCK_MONOTONIC time of the event */
	__u64 start_ns;     /* CLOCK_MONOTONIC start of the run. EXEC, EXEC_FAILED: = ts_ns. EXIT: the
			     * time of the EXEC record of this pid; UNTRACKED: the process's start
			     * (group leader's task->start_time, its fork) */
	__u32 kind;         /* enum exec_event_kind */
	__u32 pid;          /* tgid */
	__u32 ppid;         /* real parent's tgid */
	__u32 uid;          /* real uid */
	__s32 exit_code;    /* EXIT: raw wait status, (code << 8) | signal, as task->exit_code; else 0 */
	__u32 flags;        /* enum exec_event_flags */
	__u32 args_len;     /* bytes of argv following this header */
	__u32 filename_len; /* bytes of filename following argv */
	__u32 error;        /* EXEC_FAILED: the errno (positive, e.g. ENOENT); else 0 */
	__u32 pad;
	char comm[EXEC_COMM_LEN]; /* EXEC: the new image's; EXEC_FAILED: the caller's; EXIT: the main
				   * thread's at exit */
};

#endif
