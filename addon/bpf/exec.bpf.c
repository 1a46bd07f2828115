// SPDX-License-Identifier: GPL-2.0
/* trace exec: one EXEC record when a process image starts (argv, resolved executable path), one
 * EXEC_FAILED record when execve/execveat returns an error, one EXIT record when the last thread
 * of a process exits (of those that exec'd under tracing, or of every process with all_exits).
 * Filters run here so untraced processes never reach the ring. Record layout: exec.h. */
#include "common.bpf.h"
#include "exec.h"

/* Filters, applied to EXEC, EXEC_FAILED and untracked EXIT records. The EXIT of a process whose
 * EXEC passed them is always reported: it closes that run. */
const volatile __u32 targ_pid = 0;         /* 0: any; else the process or its direct children */
const volatile __u32 targ_uid = (__u32)-1; /* -1: any */
const volatile char targ_comm[EXEC_COMM_LEN] = {}; /* "": any; else a substring of comm */
const volatile bool targ_cgroup = false; /* only tasks under the cgroup (v2) in cgroup_filter[0] */
/* Also report exits of processes that did not exec while tracing (exitsnoop's job). */
const volatile bool all_exits = false;

DEFINE_EVENTS_RING();

/* Offsets into the scratch record are masked with these so the verifier can bound them. */
#define ARGS_MASK (EXEC_ARGS_MAX - 1)
#define FILENAME_MASK (EXEC_FILENAME_MAX - 1)
#define DATA_MASK (EXEC_ARGS_MAX + EXEC_FILENAME_MAX - 1)
_Static_assert(((DATA_MASK + 1) & DATA_MASK) == 0, "argv + filename space must be a power of two");
#define NAME_MAX_LEN 255 /* a path component (NAME_MAX) */
/* Strings of a failed exec's argv read before it counts as truncated. */
#define FAILED_ARGV_MAX 128

struct exec_scratch {
	struct exec_event ev;
	/* argv at [0, args_len), filename at [args_len, args_len + filename_len); the slack after
	 * lets a masked offset plus a masked length stay inside for the verifier. */
	char data[DATA_MASK + 1 + EXEC_FILENAME_MAX];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct exec_scratch);
} scratch SEC(".maps");

/* pid -> monotonic exec time of the processes whose exit we will report. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u32);
	__type(value, __u64);
} running SEC(".maps");

/* User space puts a cgroup v2 directory fd at index 0 after load (with targ_cgroup set). */
struct {
	__uint(type, BPF_MAP_TYPE_CGROUP_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} cgroup_filter SEC(".maps");

BTF_ANCHOR(struct exec_event, exec_event);
BTF_ANCHOR(enum exec_event_kind, exec_event_kind);
BTF_ANCHOR(enum exec_event_flags, exec_event_flags);

/* targ_comm is a non-empty needle somewhere in comm. Both are at most 15 characters, so the
 * naive scan is at most 16 x 16 byte compares, and usually fails on the first byte. */
static __always_inline bool comm_matches(const char *comm)
{
	if (targ_comm[0] == 0)
		return true;
	for (int i = 0; i < EXEC_COMM_LEN && comm[i]; i++) {
		for (int j = 0; i + j < EXEC_COMM_LEN; j++) {
			char n = targ_comm[j];
			if (n == 0)
				return true;
			if (comm[i + j] != n)
				break;
		}
	}
	return false;
}

static __always_inline bool ids_match(__u32 pid, __u32 ppid, __u32 uid)
{
	if (targ_pid && pid != targ_pid && ppid != targ_pid)
		return false;
	return targ_uid == (__u32)-1 || uid == targ_uid;
}

/* The last, costliest check: a helper call walking the cgroup hierarchy. */
static __always_inline bool cgroup_matches(void)
{
	return !targ_cgroup || bpf_current_task_under_cgroup(&cgroup_filter, 0) == 1;
}

static __always_inline struct exec_scratch *get_scratch(void)
{
	__u32 zero = 0;
	return bpf_map_lookup_elem(&scratch, &zero);
}

static __always_inline void emit(struct exec_scratch *s)
{
	__u64 size = sizeof(s->ev) + s->ev.args_len + s->ev.filename_len;
	if (size > sizeof(*s)) /* cannot happen; tells the verifier */
		return;
	if (bpf_ringbuf_output(&events, s, size, ringbuf_flags(&events)))
		count_loss(LOSS_RINGBUF_RESERVE);
}

static __always_inline struct mount *real_mount(struct vfsmount *vfsmnt)
{
	return (struct mount *)((void *)vfsmnt - bpf_core_field_offset(struct mount, mnt));
}

/* Writes the path of `file` leaf first (see exec.h) after argv, into data[args_len...], and sets
 * filename_len. Like d_path, it stops at the task's root (a chroot), else at the root of the
 * mount tree. */
static __always_inline void put_file_path(struct exec_scratch *s, struct file *file, struct task_struct *task)
{
	struct path root, fpath;
	s->ev.filename_len = 0;
	if (BPF_CORE_READ_INTO(&root, task, fs, root) || BPF_CORE_READ_INTO(&fpath, file, f_path))
		goto fault;

	struct mount *root_mnt = real_mount(root.mnt);
	struct dentry *dentry = fpath.dentry;
	struct mount *mnt = real_mount(fpath.mnt);
	struct dentry *mnt_root = BPF_CORE_READ(fpath.mnt, mnt_root);

	/* One component or one mount point per step. The write position lives in the record, not in
	 * a register: the verifier then sees the same state at every step and checks the loop body
	 * once per step instead of once per path through the steps before. */
	for (int i = 0; i < EXEC_PATH_DEPTH; i++) {
		if (dentry == root.dentry && mnt == root_mnt)
			return;
		if (dentry == mnt_root) {
			struct mount *parent = BPF_CORE_READ(mnt, mnt_parent);
			if (parent == mnt || !parent)
				return; /* the top of this mount namespace */
			dentry = BPF_CORE_READ(mnt, mnt_mountpoint);
			mnt = parent;
			mnt_root = BPF_CORE_READ(mnt, mnt.mnt_root);
			continue;
		}
		struct dentry *up = BPF_CORE_READ(dentry, d_parent);
		if (up == dentry || !up)
			return; /* the root of a tree mounted nowhere (an internal mount) */
		struct qstr name;
		if (BPF_CORE_READ_INTO(&name, dentry, d_name))
			goto fault;
		__u32 len = name.len;
		__u32 pos = s->ev.filename_len & FILENAME_MASK;
		if (len > NAME_MAX_LEN || pos + len + 1 > EXEC_FILENAME_MAX)
			break;
		__u32 off = (s->ev.args_len & (ARGS_MASK | EXEC_ARGS_MAX)) + pos;
		if (bpf_probe_read_kernel(&s->data[off & DATA_MASK], len & NAME_MAX_LEN, name.name))
			goto fault;
		s->data[(off + len) & DATA_MASK] = 0;
		s->ev.filename_len = pos + len + 1;
		dentry = up;
	}
	s->ev.flags |= EXEC_FLAG_FILENAME_TRUNCATED;
	return;
fault:
	s->ev.flags |= EXEC_FLAG_FILENAME_FAULT;
	count_loss(LOSS_READ_FAULT);
}

SEC("raw_tp/sched_process_exec")
int exec_exec(struct bpf_raw_tracepoint_args *ctx)
{
	struct linux_binprm *bprm = (struct linux_binprm *)ctx->args[2];
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	__u32 pid = bpf_get_current_pid_tgid() >> 32;
	__u32 ppid = BPF_CORE_READ(task, real_parent, tgid);
	__u32 uid = (__u32)bpf_get_current_uid_gid();

	if (!ids_match(pid, ppid, uid))
		return 0;
	struct exec_scratch *s = get_scratch();
	if (!s)
		return 0;
	bpf_get_current_comm(s->ev.comm, sizeof(s->ev.comm));
	if (!comm_matches(s->ev.comm) || !cgroup_matches())
		return 0;

	__u64 now = bpf_ktime_get_ns();
	if (bpf_map_update_elem(&running, &pid, &now, BPF_ANY))
		count_loss(LOSS_MAP_FULL);

	s->ev.ts_ns = now;
	s->ev.start_ns = now;
	s->ev.kind = EXEC_EVENT_EXEC;
	s->ev.pid = pid;
	s->ev.ppid = ppid;
	s->ev.uid = uid;
	s->ev.exit_code = 0;
	s->ev.flags = 0;
	s->ev.error = 0;
	s->ev.pad = 0;

	unsigned long arg_start = BPF_CORE_READ(task, mm, arg_start);
	unsigned long arg_end = BPF_CORE_READ(task, mm, arg_end);
	__u64 len = arg_end > arg_start ? arg_end - arg_start : 0;
	if (len > EXEC_ARGS_MAX) {
		len = EXEC_ARGS_MAX;
		s->ev.flags |= EXEC_FLAG_ARGS_TRUNCATED;
	}
	len &= (EXEC_ARGS_MAX << 1) - 1; /* a bound the verifier can see */
	if (len > EXEC_ARGS_MAX)
		len = EXEC_ARGS_MAX;
	if (len && bpf_probe_read_user(s->data, len, (void *)arg_start)) {
		s->ev.flags |= EXEC_FLAG_ARGS_FAULT;
		count_loss(LOSS_READ_FAULT);
		len = 0;
	}
	s->ev.args_len = len;
	put_file_path(s, BPF_CORE_READ(bprm, file), task);
	emit(s);
	return 0;
}

/* argv as passed to a failed exec: the caller's memory is intact after the failure. */
static __always_inline __u32 put_argv(struct exec_scratch *s, const char *const *argv)
{
	__u64 pos = 0;
	for (int i = 0; i < FAILED_ARGV_MAX; i++) {
		const char *arg;
		if (bpf_probe_read_user(&arg, sizeof(arg), &argv[i]))
			goto fault;
		if (!arg)
			return pos;
		if (pos >= EXEC_ARGS_MAX)
			break;
		__u64 at = pos;
		barrier_var(at); /* keep the mask below in the code: it is what bounds `at` */
		at &= ARGS_MASK;
		__u64 room = EXEC_ARGS_MAX - at;
		long n = bpf_probe_read_user_str(&s->data[at], room, arg);
		if (n < 0)
			goto fault;
		pos += n;
		if (n == room)
			break; /* cut, or ended exactly at the limit: either way nothing more fits */
	}
	s->ev.flags |= EXEC_FLAG_ARGS_TRUNCATED;
	return pos;
fault:
	s->ev.flags |= EXEC_FLAG_ARGS_FAULT;
	count_loss(LOSS_READ_FAULT);
	return pos;
}

/* Syscall arguments come from the task's saved user registers, which a failed exec leaves as
 * they were: no per-thread state is needed between sys_enter and sys_exit. */
static __always_inline int failed_exec(long ret, bool at)
{
	struct task_struct *task = bpf_get_current_task_btf();
	__u32 pid = bpf_get_current_pid_tgid() >> 32;
	__u32 ppid = BPF_CORE_READ(task, real_parent, tgid);
	__u32 uid = (__u32)bpf_get_current_uid_gid();

	if (!ids_match(pid, ppid, uid))
		return 0;
	struct exec_scratch *s = get_scratch();
	if (!s)
		return 0;
	bpf_get_current_comm(s->ev.comm, sizeof(s->ev.comm));
	if (!comm_matches(s->ev.comm) || !cgroup_matches())
		return 0;

	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(task);
	const char *filename;
	const char *const *argv;
	if (at) {
		filename = (const char *)PT_REGS_PARM2_CORE_SYSCALL(regs);
		argv = (const char *const *)PT_REGS_PARM3_CORE_SYSCALL(regs);
	} else {
		filename = (const char *)PT_REGS_PARM1_CORE_SYSCALL(regs);
		argv = (const char *const *)PT_REGS_PARM2_CORE_SYSCALL(regs);
	}

	s->ev.ts_ns = bpf_ktime_get_ns();
	s->ev.start_ns = s->ev.ts_ns;
	s->ev.kind = EXEC_EVENT_EXEC_FAILED;
	s->ev.pid = pid;
	s->ev.ppid = ppid;
	s->ev.uid = uid;
	s->ev.exit_code = 0;
	s->ev.flags = 0;
	s->ev.error = -ret;
	s->ev.pad = 0;

	__u32 args_len = argv ? put_argv(s, argv) : 0;
	if (args_len > EXEC_ARGS_MAX)
		args_len = EXEC_ARGS_MAX;
	s->ev.args_len = args_len;
	long n = bpf_probe_read_user_str(&s->data[args_len & DATA_MASK],
					 EXEC_FILENAME_MAX, filename);
	if (n < 0) {
		s->ev.flags |= EXEC_FLAG_FILENAME_FAULT;
		count_loss(LOSS_READ_FAULT);
		n = 0;
	} else if (n == EXEC_FILENAME_MAX) {
		s->ev.flags |= EXEC_FLAG_FILENAME_TRUNCATED;
	}
	s->ev.filename_len = n;
	emit(s);
	return 0;
}

/* A successful exec returns 0 here in the new image: one compare and out. */
SEC("tp/syscalls/sys_exit_execve")
int exec_ve_exit(struct trace_event_raw_sys_exit *ctx)
{
	long ret = ctx->ret;
	return ret < 0 ? failed_exec(ret, false) : 0;
}

SEC("tp/syscalls/sys_exit_execveat")
int exec_veat_exit(struct trace_event_raw_sys_exit *ctx)
{
	long ret = ctx->ret;
	return ret < 0 ? failed_exec(ret, true) : 0;
}

SEC("raw_tp/sched_process_exit")
int exec_exit(struct bpf_raw_tracepoint_args *ctx)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	__u32 pid = bpf_get_current_pid_tgid() >> 32;

	__u64 *start = bpf_map_lookup_elem(&running, &pid);
	if (!start && !all_exits)
		return 0;
	/* do_exit has already dropped this thread from signal->live: 0 means the process is gone. */
	if (BPF_CORE_READ(task, signal, live.counter) != 0)
		return 0;

	__u32 ppid = BPF_CORE_READ(task, real_parent, tgid);
	__u32 uid = (__u32)bpf_get_current_uid_gid();
	char comm[EXEC_COMM_LEN];
	bpf_get_current_comm(comm, sizeof(comm));
	__u64 start_ns;
	__u32 flags = 0;
	if (start) {
		start_ns = *start;
	} else {
		if (!ids_match(pid, ppid, uid) || !comm_matches(comm) || !cgroup_matches())
			return 0;
		start_ns = BPF_CORE_READ(task, group_leader, start_time);
		flags = EXEC_FLAG_UNTRACKED;
	}

	struct exec_event *ev = bpf_ringbuf_reserve(&events, sizeof(*ev), 0);
	if (!ev) {
		count_loss(LOSS_RINGBUF_RESERVE);
		if (start)
			bpf_map_delete_elem(&running, &pid);
		return 0;
	}
	ev->ts_ns = bpf_ktime_get_ns();
	ev->start_ns = start_ns;
	ev->kind = EXEC_EVENT_EXIT;
	ev->pid = pid;
	ev->ppid = ppid;
	ev->uid = uid;
	ev->exit_code = BPF_CORE_READ(task, exit_code);
	ev->flags = flags;
	ev->args_len = 0;
	ev->filename_len = 0;
	ev->error = 0;
	ev->pad = 0;
	__builtin_memcpy(ev->comm, comm, sizeof(comm));
	if (start)
		bpf_map_delete_elem(&running, &pid);
	bpf_ringbuf_submit(ev, ringbuf_flags(&events));
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
