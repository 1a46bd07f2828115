/* Loopback connection storm for bench/tcp: as many short connections per second as the machine
 * allows, each closed gracefully, bounded in count (-n) and time (-t).
 *
 *   tcp-storm -n N [-f 4|6] [-b BYTES] [-s] [-g] [-t SECONDS]
 *
 * A listener on 127.0.0.1:0 (or [::1]:0); a forked server process accepts N connections one by one,
 * reads BYTES and then waits for the client's FIN (with -s: closes first after reading); the client
 * (this process) connects, writes BYTES and closes (with -s: waits for the server's FIN, then
 * closes), one connection after another. Client and server are separate processes, so a tracer's
 * per-side pid can be checked: every connection gives one record per side.
 *
 * stdout: {"event":"ready","pid","server_pid","family","port"} (with -g it then waits for a line on
 * stdin), and at the end {"event":"done","pid","server_pid","family","port","n","conns","errors",
 * "elapsed_ns"}: conns = connections completed, errors = connects that failed (all counted, none
 * retried). Exits 1 when the time bound was hit or a connect failed. */
#include <getopt.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include "common.h"

static void serve(int ls, long n, size_t bytes, int server_first) {
  for (long i = 0; i < n; i++) {
    int fd = accept(ls, NULL, NULL);
    if (fd < 0) die("accept: %s", strerror(errno));
    if (bytes) read_exact(fd, bytes);
    if (!server_first) read_eof(fd);
    close(fd);
  }
  _exit(0);
}

int main(int argc, char **argv) {
  int family = AF_INET, go = 0, limit = 60, server_first = 0;
  long n = 1000;
  size_t bytes = 0;
  for (int o; (o = getopt(argc, argv, "n:f:b:sgt:")) != -1;) {
    switch (o) {
    case 'n': n = atol(optarg); break;
    case 'f': family = family_of(optarg); break;
    case 'b': bytes = (size_t)atol(optarg); break;
    case 's': server_first = 1; break;
    case 'g': go = 1; break;
    case 't': limit = atoi(optarg); break;
    default: die("usage: tcp-storm -n N [-f 4|6] [-b BYTES] [-s] [-g] [-t SECONDS]");
    }
  }
  if (n < 1) die("-n must be >= 1");
  setvbuf(stdout, NULL, _IOLBF, 0);
  addr_t a = make_addr(family, NULL, 0);
  int ls = socket(family, SOCK_STREAM, 0);
  if (ls < 0 || bind(ls, (struct sockaddr *)&a.ss, a.len) || listen(ls, 4096)) die("listen: %s", strerror(errno));
  a.len = sizeof a.ss;
  getsockname(ls, (struct sockaddr *)&a.ss, &a.len);
  char text[INET6_ADDRSTRLEN];
  int port = addr_text(&a.ss, text, sizeof text);

  pid_t server = fork();
  if (server < 0) die("fork: %s", strerror(errno));
  if (server == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL); /* never outlive the client */
    alarm(limit + 5);
    serve(ls, n, bytes, server_first);
  }
  const char *fam = family == AF_INET ? "ipv4" : "ipv6";
  printf("{\"event\":\"ready\",\"pid\":%d,\"server_pid\":%d,\"family\":\"%s\",\"port\":%d}\n", getpid(), server, fam, port);
  wait_go(go);

  long conns = 0, errors = 0;
  uint64_t t0 = now_ns(), deadline = t0 + (uint64_t)limit * 1000000000ull;
  int timed_out = 0;
  for (long i = 0; i < n; i++) {
    if ((i & 255) == 0 && now_ns() > deadline) {
      timed_out = 1;
      break;
    }
    int fd = socket(family, SOCK_STREAM, 0);
    if (fd < 0) die("socket: %s", strerror(errno));
    if (connect(fd, (struct sockaddr *)&a.ss, a.len)) {
      errors++;
      close(fd);
      continue;
    }
    if (bytes) write_all(fd, bytes);
    if (server_first) read_eof(fd);
    close(fd);
    conns++;
  }
  uint64_t t1 = now_ns();
  if (timed_out || errors) kill(server, SIGKILL);
  int status = 0;
  waitpid(server, &status, 0);
  close(ls);
  printf("{\"event\":\"done\",\"pid\":%d,\"server_pid\":%d,\"family\":\"%s\",\"port\":%d,\"n\":%ld,\"conns\":%ld,\"errors\":%ld,\"timed_out\":%s,"
         "\"server_status\":%d,\"elapsed_ns\":%llu}\n",
         getpid(), server, fam, port, n, conns, errors, timed_out ? "true" : "false", status, (unsigned long long)(t1 - t0));
  return timed_out || errors || status ? 1 : 0;
}
