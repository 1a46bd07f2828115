/* Workload for the engine tests. Prints "ready <pid>", waits for a line on stdin (so the test can
 * attach first), then:
 *   test_target calls N           calls monitor_test_target() exactly N times (uprobe counts)
 *   test_target getppid N [US]    makes N getppid() syscalls (tracepoint / ring buffer load),
 *                                 sleeping US microseconds between calls when given
 *   test_target burn MS           burns MS ms of its own CPU time (CLOCK_PROCESS_CPUTIME_ID)
 *                                 inside monitor_test_burn() (perf_event sampling and stacks)
 *   test_target values FILE       calls monitor_test_value(key, value) for each "key value" line
 * and prints "done <result>" (burn: the CPU ns it used). Dies with its parent (PR_SET_PDEATHSIG)
 * so a killed test leaves nothing behind. Built with frame pointers: user stacks unwind. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

__attribute__((noinline)) int monitor_test_target(int x)
{
	__asm__ volatile("" ::: "memory");
	return x + 1;
}

__attribute__((noinline)) unsigned long long monitor_test_value(unsigned int key, unsigned long long value)
{
	__asm__ volatile("" ::: "memory");
	return value + key;
}

static long long cpu_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Spins until `ns` of process CPU time have passed; returns the CPU ns actually used. The clock
 * (a syscall) is read only every 2^16 iterations, so nearly every sample lands in this function. */
__attribute__((noinline)) long long monitor_test_burn(long long ns)
{
	long long start = cpu_ns(), now = start;
	volatile unsigned long acc = 0;
	while (now - start < ns) {
		for (unsigned i = 0; i < (1u << 16); i++)
			acc += i * 2654435761u;
		now = cpu_ns();
	}
	return now - start;
}

int main(int argc, char **argv)
{
	if (argc < 3)
		return 2;
	long n = atol(argv[2]);
	long long acc = 0;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	printf("ready %d\n", getpid());
	fflush(stdout);
	if (getchar() == EOF)
		return 1;
	if (!strcmp(argv[1], "calls")) {
		for (long i = 0; i < n; i++)
			acc = monitor_test_target(acc);
	} else if (!strcmp(argv[1], "getppid")) {
		long gap_us = argc > 3 ? atol(argv[3]) : 0;
		struct timespec gap = {gap_us / 1000000, (gap_us % 1000000) * 1000};
		for (long i = 0; i < n; i++) {
			acc += getppid();
			if (gap_us)
				nanosleep(&gap, NULL);
		}
	} else if (!strcmp(argv[1], "burn")) {
		acc = monitor_test_burn(n * 1000000LL);
	} else if (!strcmp(argv[1], "values")) {
		FILE *f = fopen(argv[2], "r");
		unsigned int key;
		unsigned long long value;
		if (!f)
			return 3;
		while (fscanf(f, "%u %llu", &key, &value) == 2) {
			monitor_test_value(key, value);
			acc++;
		}
		fclose(f);
	} else {
		return 2;
	}
	printf("done %lld\n", acc);
	return 0;
}
