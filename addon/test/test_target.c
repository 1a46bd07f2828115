/* Workload for the engine tests. Waits for a line on stdin (so the test can attach first), then:
 *   test_target calls N    calls monitor_test_target() exactly N times (uprobe counts)
 *   test_target getppid N  makes N getppid() syscalls (tracepoint / ring buffer load)
 *   test_target spin MS    burns CPU for MS milliseconds (perf_event sampling)
 * Dies with its parent (PR_SET_PDEATHSIG) so a killed test leaves nothing behind. */
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

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int main(int argc, char **argv)
{
	if (argc < 3)
		return 2;
	long n = atol(argv[2]);
	long acc = 0;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	printf("ready %d\n", getpid());
	fflush(stdout);
	if (getchar() == EOF)
		return 1;
	if (!strcmp(argv[1], "calls")) {
		for (long i = 0; i < n; i++)
			acc = monitor_test_target(acc);
	} else if (!strcmp(argv[1], "getppid")) {
		for (long i = 0; i < n; i++)
			acc += getppid();
	} else if (!strcmp(argv[1], "spin")) {
		double end = now_ms() + n;
		while (now_ms() < end)
			acc++;
	} else {
		return 2;
	}
	printf("done %ld\n", acc);
	return 0;
}
