// A steady loopback TCP transfer: a receiver process reads and discards; the sender writes CHUNK
// bytes at a time, paced to RATE bytes/s (each millisecond it writes what brings the total to
// RATE x elapsed), for SECONDS. Prints "<sender pid> <receiver pid> <bytes> <writes> <elapsed ns>
// <CPU ns of both>" (the CPU includes what the tracepoints and BPF programs cost in their context).
//   transfer RATE CHUNK SECONDS
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: transfer RATE CHUNK SECONDS\n");
		return 2;
	}
	double rate = atof(argv[1]), seconds = atof(argv[3]);
	size_t chunk = (size_t)atol(argv[2]);
	int ls = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t alen = sizeof(a);
	if (ls < 0 || bind(ls, (void *)&a, sizeof(a)) || listen(ls, 1) || getsockname(ls, (void *)&a, &alen)) {
		perror("listen");
		return 1;
	}
	pid_t rx = fork();
	if (rx == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		int c = accept(ls, NULL, NULL);
		static char buf[1 << 16];
		while (read(c, buf, sizeof(buf)) > 0)
			;
		_exit(0);
	}
	int s = socket(AF_INET, SOCK_STREAM, 0);
	if (connect(s, (void *)&a, sizeof(a))) {
		perror("connect");
		return 1;
	}
	char *buf = calloc(1, chunk);
	double t0 = now_s(), end = t0 + seconds;
	unsigned long long sent = 0, writes = 0;
	for (double t = t0; t < end; t = now_s()) {
		double due = rate * (t - t0);
		while (sent + chunk <= due) {
			ssize_t n = write(s, buf, chunk);
			if (n <= 0) {
				perror("write");
				return 1;
			}
			sent += (size_t)n;
			writes++;
		}
		struct timespec ms = {0, 1000000};
		nanosleep(&ms, NULL);
	}
	double elapsed = now_s() - t0;
	close(s);
	waitpid(rx, NULL, 0);
	struct rusage self, kids;
	getrusage(RUSAGE_SELF, &self);
	getrusage(RUSAGE_CHILDREN, &kids);
	double cpu = self.ru_utime.tv_sec + self.ru_stime.tv_sec + kids.ru_utime.tv_sec + kids.ru_stime.tv_sec +
		     (self.ru_utime.tv_usec + self.ru_stime.tv_usec + kids.ru_utime.tv_usec + kids.ru_stime.tv_usec) / 1e6;
	printf("%d %d %llu %llu %.0f %.0f\n", getpid(), rx, sent, writes, elapsed * 1e9, cpu * 1e9);
	return 0;
}
