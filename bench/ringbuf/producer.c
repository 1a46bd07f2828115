// Load generator for the ring buffer benchmark: calls getppid() in a tight loop, which fires the
// traced tracepoint once per call. It waits for one byte on stdin before starting so the consumer
// can attach first (seq then starts at 0), and prints its own window when done:
//   <start CLOCK_MONOTONIC ns> <end ns> <getppid calls>
// Usage: producer <seconds>
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

static unsigned long long now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	double seconds = argc > 1 ? atof(argv[1]) : 3.0;
	if (seconds <= 0) {
		fprintf(stderr, "usage: producer <seconds>\n");
		return 2;
	}
	// Never outlive the benchmark. If the parent died before this line, its end of our stdin pipe
	// is closed and the read below returns 0, so that race needs no getppid() (which is traced).
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	char go;
	if (read(0, &go, 1) != 1)
		return 1;

	unsigned long long start = now_ns();
	unsigned long long end = start + (unsigned long long)(seconds * 1e9);
	unsigned long long calls = 0, t;
	// The clock is read through the vDSO (no syscall) once per 256 calls: about 1% of the loop.
	do {
		for (int i = 0; i < 256; i++)
			getppid();
		calls += 256;
		t = now_ns();
	} while (t < end);
	printf("%llu %llu %llu\n", start, t, calls);
	return 0;
}
