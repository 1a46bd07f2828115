// Exec storm: runs a program (default /bin/true) N times, one after another, as fast as
// posix_spawn + waitpid allow, and prints one JSON line with the count and the elapsed time.
//
//   storm N [path [arg ...]]     N runs
//   storm Ss [path [arg ...]]    as many runs as fit in S seconds (e.g. "20s")
//
// Used by bench/exec and by the slow-reader test of trace exec.
// Dies with its parent (PR_SET_PDEATHSIG), so a killed benchmark leaves no storm behind.
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static long long now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: storm N [path]\n");
		return 2;
	}
	pid_t parent = getppid();
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent)
		return 1;
	char *unit;
	long n = strtol(argv[1], &unit, 10);
	long long until = 0;
	if (*unit == 's') {
		until = now_ns() + n * 1000000000LL;
		n = -1;
	}
	const char *path = argc > 2 ? argv[2] : "/bin/true";
	char *default_argv[] = {(char *)path, NULL};
	char **child_argv = argc > 2 ? argv + 2 : default_argv;
	long failed = 0, nonzero = 0;

	long long start = now_ns();
	long i;
	for (i = 0; n < 0 ? now_ns() < until : i < n; i++) {
		pid_t pid;
		int err = posix_spawn(&pid, path, NULL, NULL, child_argv, environ);
		if (err) {
			failed++;
			continue;
		}
		int status;
		while (waitpid(pid, &status, 0) < 0) {
			if (errno != EINTR) {
				perror("waitpid");
				return 1;
			}
		}
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			nonzero++;
	}
	long long elapsed = now_ns() - start;
	n = i;
	printf("{\"pid\":%d,\"n\":%ld,\"failed\":%ld,\"nonzero\":%ld,\"elapsed_ns\":%lld}\n", getpid(), n, failed,
	       nonzero, elapsed);
	return failed ? 1 : 0;
}
