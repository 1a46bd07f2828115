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

struct exec_scratch {
	struct exec_event ev;
	/* argv at [0, args_len), filename at [args_len, args_len + filename_len); the slack after
	 * lets a masked offset plus a masked length stay inside for the verifier. */
	char data[DATA_MASK + 1 + EXEC_FILENAME_MAX];
	/* Where a path walk leaves the file's own mount (see put_file_path). */
	__u64 cross_dentry, cross_mnt, root_dentry, root_mnt;
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

/* Untracked exits already reported, by pid and start time: of two threads that both take their
 * process for gone, only the one whose insert succeeds reports it (see exec_exit). Entries only
 * need to outlive that race; the LRU recycles them. */
struct exit_key {
	__u32 pid;
	__u32 pad;
	__u64 start_ns;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, struct exit_key);
	__type(value, __u8);
} exited SEC(".maps");

DEFINE_CGROUP_FILTER();

MONITOR_EXPORT(struct exec_event);
MONITOR_EXPORT(enum exec_event_kind);
MONITOR_EXPORT(enum exec_event_flags);

/* The current task's ids and comm, read through its BTF type: plain loads, where the
 * bpf_get_current_*() helpers cost a call each. */
struct task_ids {
	__u32 pid;  /* tgid */
	__u32 ppid; /* real parent's tgid */
	__u32 uid;  /* uid of the task's credentials, as bpf_get_current_uid_gid() gives it */
};

static __always_inline struct task_ids task_ids(struct task_struct *task)
{
	struct task_ids ids = {
		.pid = task->tgid,
		.ppid = task->real_parent->tgid,
		.uid = task->cred->uid.val,
	};
	return ids;
}

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

static __always_inline bool ids_match(struct task_ids ids)
{
	if (targ_pid && ids.pid != targ_pid && ids.ppid != targ_pid)
		return false;
	return targ_uid == (__u32)-1 || ids.uid == targ_uid;
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

/* struct dentry has d_name right after d_parent, struct mount mnt_mountpoint right after
 * mnt_parent, in every kernel: one read fetches each pair. (CO-RE relocates the offsets; the
 * verifier drops whichever branch the loaded kernel does not take.) */
struct dentry_up {
	struct dentry *parent;
	struct qstr name;
};
struct mount_up {
	struct mount *parent;
	struct dentry *mountpoint;
};

static __always_inline long read_dentry_up(struct dentry_up *d, struct dentry *dentry)
{
	if (bpf_core_field_offset(struct dentry, d_name) ==
	    bpf_core_field_offset(struct dentry, d_parent) + sizeof(d->parent))
		return bpf_probe_read_kernel(d, sizeof(*d), &dentry->d_parent);
	return BPF_CORE_READ_INTO(&d->parent, dentry, d_parent) ?: BPF_CORE_READ_INTO(&d->name, dentry, d_name);
}

static __always_inline long read_mount_up(struct mount_up *m, struct mount *mnt)
{
	if (bpf_core_field_offset(struct mount, mnt_mountpoint) ==
	    bpf_core_field_offset(struct mount, mnt_parent) + sizeof(m->parent))
		return bpf_probe_read_kernel(m, sizeof(*m), &mnt->mnt_parent);
	return BPF_CORE_READ_INTO(&m->parent, mnt, mnt_parent) ?: BPF_CORE_READ_INTO(&m->mountpoint, mnt, mnt_mountpoint);
}

static __always_inline void filename_fault(struct exec_scratch *s)
{
	s->ev.flags |= EXEC_FLAG_FILENAME_FAULT;
	count_loss(LOSS_READ_FAULT);
}

/* Appends one path component to the filename. false: stop the walk (no room, or a fault; the
 * flags say which). The write position lives in the record, not in a register: every step of a
 * walk then looks the same to the verifier, which checks the loop body once per step instead of
 * once per path through the steps before. */
static __always_inline bool put_component(struct exec_scratch *s, __u32 len, const unsigned char *name)
{
	__u32 pos = s->ev.filename_len & FILENAME_MASK;
	if (len > NAME_MAX_LEN || pos + len + 1 > EXEC_FILENAME_MAX) {
		s->ev.flags |= EXEC_FLAG_FILENAME_TRUNCATED;
		return false;
	}
	__u32 off = (s->ev.args_len & (ARGS_MASK | EXEC_ARGS_MAX)) + pos;
	barrier_var(len); /* keep the mask below: clang would drop it after the check above */
	if (bpf_probe_read_kernel(&s->data[off & DATA_MASK], len & NAME_MAX_LEN, name)) {
		filename_fault(s);
		return false;
	}
	s->data[(off + len) & DATA_MASK] = 0;
	s->ev.filename_len = pos + len + 1;
	return true;
}

/* The walk beyond the file's own mount: struct mount is not in reach of BTF-typed loads (it
 * needs container_of), so from here on every step reads by helper. One component or one mount
 * point per step. */
static __always_inline void put_path_across_mounts(struct exec_scratch *s)
{
	/* Taken from the record, not from registers: the verifier sees one state here, however
	 * many steps the walk took before. */
	struct dentry *dentry = (struct dentry *)*(volatile __u64 *)&s->cross_dentry;
	struct mount *mnt = (struct mount *)*(volatile __u64 *)&s->cross_mnt;
	struct dentry *root = (struct dentry *)*(volatile __u64 *)&s->root_dentry;
	struct mount *root_mnt = (struct mount *)*(volatile __u64 *)&s->root_mnt;
	struct dentry *mnt_root = dentry; /* the walk stopped at its mount's root */
	for (int i = 0; i < EXEC_PATH_MOUNT_STEPS; i++) {
		if (dentry == root && mnt == root_mnt)
			return;
		if (dentry == mnt_root) {
			struct mount_up m;
			if (read_mount_up(&m, mnt)) {
				filename_fault(s);
				return;
			}
			if (m.parent == mnt || !m.parent)
				return; /* the top of this mount namespace */
			dentry = m.mountpoint;
			mnt = m.parent;
			mnt_root = BPF_CORE_READ(mnt, mnt.mnt_root);
			continue;
		}
		struct dentry_up d;
		if (read_dentry_up(&d, dentry)) {
			filename_fault(s);
			return;
		}
		if (d.parent == dentry || !d.parent)
			return; /* the root of a tree mounted nowhere (an internal mount) */
		if (!put_component(s, d.name.len, d.name.name))
			return;
		dentry = d.parent;
	}
	s->ev.flags |= EXEC_FLAG_FILENAME_TRUNCATED;
}

/* Writes the path of `file` leaf first (see exec.h) after argv, into data[args_len...], and sets
 * filename_len. Like d_path, it stops at the task's root (a chroot), else at the root of the
 * mount tree. Within the file's own mount -- all of the path, for a binary on the root file
 * system -- dentries are read by BTF type: one helper call per component, for its name. */
static __always_inline void put_file_path(struct exec_scratch *s, struct file *file, struct task_struct *task)
{
	s->ev.filename_len = 0;
	struct dentry *root = task->fs->root.dentry;
	struct vfsmount *root_mnt = task->fs->root.mnt;
	struct vfsmount *mnt = file->f_path.mnt;
	struct dentry *mnt_root = mnt->mnt_root;
	struct dentry *dentry = file->f_path.dentry;
	if (!dentry) {
		filename_fault(s);
		return;
	}
	for (int i = 0; i < EXEC_PATH_DEPTH; i++) {
		if (dentry == root && mnt == root_mnt)
			return;
		if (dentry == mnt_root) {
			s->cross_dentry = (__u64)dentry;
			s->cross_mnt = (__u64)real_mount(mnt);
			s->root_dentry = (__u64)root;
			s->root_mnt = (__u64)real_mount(root_mnt);
			goto cross;
		}
		struct dentry *up = dentry->d_parent;
		if (up == dentry || !up)
			return; /* the root of a tree mounted nowhere (an internal mount) */
		if (!put_component(s, dentry->d_name.len, dentry->d_name.name))
			return;
		dentry = up;
	}
	s->ev.flags |= EXEC_FLAG_FILENAME_TRUNCATED;
	return;
cross:
	put_path_across_mounts(s);
}

/* The scratch record with the task's comm filled in, if the task passes every filter; else NULL.
 * The cheap id checks come first, so untraced tasks cost no copy. */
static __always_inline struct exec_scratch *traced(struct task_struct *task, struct task_ids ids)
{
	if (!ids_match(ids))
		return NULL;
	struct exec_scratch *s = get_scratch();
	if (!s)
		return NULL;
	__builtin_memcpy(s->ev.comm, task->comm, sizeof(s->ev.comm));
	if (!comm_matches(s->ev.comm) || !cgroup_matches())
		return NULL;
	return s;
}

/* The header fields an EXEC and an EXEC_FAILED record share: the run starts at `now`. */
static __always_inline void start_record(struct exec_scratch *s, __u32 kind, struct task_ids ids, __u64 now)
{
	s->ev.ts_ns = now;
	s->ev.start_ns = now;
	s->ev.kind = kind;
	s->ev.pid = ids.pid;
	s->ev.ppid = ids.ppid;
	s->ev.uid = ids.uid;
	s->ev.exit_code = 0;
	s->ev.flags = 0;
	s->ev.error = 0;
	s->ev.pad = 0;
}

/* Tasks are read through their BTF type (bpf_get_current_task_btf): field reads are plain loads
 * (a fault reads as 0), where BPF_CORE_READ on an untyped pointer costs a helper call per step. */
SEC("raw_tp/sched_process_exec")
int exec_exec(struct bpf_raw_tracepoint_args *ctx)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct task_ids ids = task_ids(task);
	struct exec_scratch *s = traced(task, ids);
	if (!s)
		return 0;

	__u64 now = bpf_ktime_get_ns();
	if (bpf_map_update_elem(&running, &ids.pid, &now, BPF_ANY))
		count_loss(LOSS_MAP_FULL);

	start_record(s, EXEC_EVENT_EXEC, ids, now);

	/* The new image's mm; its exe_file is bprm->file, the file the kernel executed. */
	struct mm_struct *mm = task->mm;
	unsigned long arg_start = mm->arg_start;
	unsigned long arg_end = mm->arg_end;
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
	put_file_path(s, mm->exe_file, task);
	emit(s);
	return 0;
}

/* argv as passed to a failed exec: the caller's memory is intact after the failure. */
static __always_inline __u32 put_argv(struct exec_scratch *s, const char *const *argv)
{
	__u64 pos = 0;
	for (int i = 0; i < EXEC_FAILED_ARGC_MAX; i++) {
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
	struct task_ids ids = task_ids(task);
	struct exec_scratch *s = traced(task, ids);
	if (!s)
		return 0;

	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(task);
	const char *filename;
	const char *const *argv;
	if (at) {
		filename = (const char *)PT_REGS_PARM2_SYSCALL(regs);
		argv = (const char *const *)PT_REGS_PARM3_SYSCALL(regs);
	} else {
		filename = (const char *)PT_REGS_PARM1_SYSCALL(regs);
		argv = (const char *const *)PT_REGS_PARM2_SYSCALL(regs);
	}

	start_record(s, EXEC_EVENT_EXEC_FAILED, ids, bpf_ktime_get_ns());
	s->ev.error = -ret;

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

/* Whether this thread's exit ends its process. Kernels whose tracepoint passes group_dead say
 * so exactly. Before that, signal->live (already decremented for this thread) tells, but it reads
 * 0 for every thread whose exit passes here after the last decrement: exec_exit also claims the
 * exit, and exactly one claim succeeds. */
static __always_inline bool process_gone(struct bpf_raw_tracepoint_args *ctx, struct task_struct *task)
{
	if (bpf_core_field_exists(struct trace_event_raw_sched_process_exit, group_dead))
		return (bool)ctx->args[1];
	return task->signal->live.counter == 0;
}

#define EEXIST 17

SEC("raw_tp/sched_process_exit")
int exec_exit(struct bpf_raw_tracepoint_args *ctx)
{
	struct task_struct *task = bpf_get_current_task_btf();
	__u32 pid = task->tgid;

	__u64 *start = bpf_map_lookup_elem(&running, &pid);
	if (!start && !all_exits)
		return 0;
	if (!process_gone(ctx, task))
		return 0;

	struct task_ids ids = task_ids(task);
	/* The process's name is its main thread's: the last thread out may be a worker that named
	 * itself (Node's "WorkerThread"). */
	const char *comm = task->group_leader->comm;
	__u64 start_ns;
	__u32 flags = 0;
	if (start) {
		start_ns = *start;
		barrier_var(start_ns); /* keeps clang from merging this load with the one below */
		if (bpf_map_delete_elem(&running, &pid))
			return 0; /* another thread of the process claimed its exit */
	} else {
		if (!ids_match(ids) || !comm_matches(comm) || !cgroup_matches())
			return 0;
		start_ns = task->group_leader->start_time;
		struct exit_key key = {.pid = pid, .start_ns = start_ns};
		__u8 seen = 1;
		if (bpf_map_update_elem(&exited, &key, &seen, BPF_NOEXIST) == -EEXIST)
			return 0; /* another thread of the process claimed its exit */
		flags = EXEC_FLAG_UNTRACKED;
	}

	struct exec_event *ev = bpf_ringbuf_reserve(&events, sizeof(*ev), 0);
	if (!ev) {
		count_loss(LOSS_RINGBUF_RESERVE);
		return 0;
	}
	ev->ts_ns = bpf_ktime_get_ns();
	ev->start_ns = start_ns;
	ev->kind = EXEC_EVENT_EXIT;
	ev->pid = pid;
	ev->ppid = ids.ppid;
	ev->uid = ids.uid;
	ev->exit_code = task->exit_code;
	ev->flags = flags;
	ev->args_len = 0;
	ev->filename_len = 0;
	ev->error = 0;
	ev->pad = 0;
	__builtin_memcpy(ev->comm, comm, sizeof(ev->comm));
	bpf_ringbuf_submit(ev, ringbuf_flags(&events));
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
