/* Calls monitor_uprobe_target() exactly N times (argv[1]) after a start signal on stdin, so a test
 * can attach a uprobe first and then count calls exactly. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <signal.h>

__attribute__((noinline)) int monitor_uprobe_target(int x)
{
	__asm__ volatile("" ::: "memory");
	return x + 1;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 1000;
	int acc = 0;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	printf("ready\n");
	fflush(stdout);
	if (getchar() == EOF)
		return 1;
	for (long i = 0; i < n; i++)
		acc = monitor_uprobe_target(acc);
	printf("done %d\n", acc);
	return 0;
}
