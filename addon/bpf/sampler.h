/* Records of the CPU sampler (sampler.bpf.c): sample counts keyed by process and stacks. */
#ifndef MONITOR_SAMPLER_H
#define MONITOR_SAMPLER_H

#define SAMPLER_MAX_STACK_DEPTH 127 /* PERF_MAX_STACK_DEPTH: the stack map's value is this many u64 */

/* Key of the `counts` map. A stack id < 0 is the errno bpf_get_stackid returned: -EFAULT when the
 * sample has no such stack (a kernel stack in user mode), -EEXIST/-ENOMEM when `stacks` is full. */
struct sample_key {
	__u32 tgid;
	__s32 user_stack_id;
	__s32 kernel_stack_id;
};

#endif
