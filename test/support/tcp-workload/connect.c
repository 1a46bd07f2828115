/* Connects that fail: N connect() calls to ADDR:PORT, blocking or not (-n: O_NONBLOCK, then poll
 * and SO_ERROR, as event loops do), each reported with its errno.
 *
 *   tcp-connect -f 4|6 [-a ADDR] [-p PORT] [-c COUNT] [-n] [-g] [-w MS] [-t SECONDS]
 *
 * Without -p (or -p 0) it reserves a port that refuses: a socket bound to ADDR:0 and never listened
 * on, kept open for the whole run, so nobody else can take the port and every connect gets a RST
 * (ECONNREFUSED). With -p it connects there (e.g. into a netns where nftables drops the SYNs:
 * ETIMEDOUT after net.ipv4.tcp_syn_retries). -w bounds each non-blocking wait (default 30000 ms).
 *
 * stdout: {"event":"ready","pid","family","addr","port"}, then (after "go" on stdin with -g) one
 * {"event":"connect","i","pid","nonblock","errno","first_errno","local","elapsed_ns"} per call
 * ("first_errno" is what connect() itself returned: EINPROGRESS for a non-blocking socket; "errno"
 * the final outcome; "local" the ephemeral end when the kernel still knows it), then
 * {"event":"done","pid","connects"}. */
#include <getopt.h>

#include "common.h"

int main(int argc, char **argv) {
  int family = AF_INET, port = 0, go = 0, limit = 60, count = 1, nonblock = 0, wait_ms = 30000;
  const char *addr = NULL;
  for (int o; (o = getopt(argc, argv, "f:a:p:c:ngw:t:")) != -1;) {
    switch (o) {
    case 'f': family = family_of(optarg); break;
    case 'a': addr = optarg; break;
    case 'p': port = atoi(optarg); break;
    case 'c': count = atoi(optarg); break;
    case 'n': nonblock = 1; break;
    case 'g': go = 1; break;
    case 'w': wait_ms = atoi(optarg); break;
    case 't': limit = atoi(optarg); break;
    default: die("usage: tcp-connect -f 4|6 [-a ADDR] [-p PORT] [-c COUNT] [-n] [-g] [-w MS] [-t SECONDS]");
    }
  }
  setvbuf(stdout, NULL, _IOLBF, 0);
  alarm(limit);
  addr_t a = make_addr(family, addr, port);
  if (!port) {
    int hold = socket(family, SOCK_STREAM, 0); /* bound, never listening: connects to it are refused */
    if (hold < 0 || bind(hold, (struct sockaddr *)&a.ss, a.len)) die("reserve a port: %s", strerror(errno));
    a.len = sizeof a.ss;
    getsockname(hold, (struct sockaddr *)&a.ss, &a.len);
  }
  char text[INET6_ADDRSTRLEN];
  int tport = addr_text(&a.ss, text, sizeof text);
  printf("{\"event\":\"ready\",\"pid\":%d,\"family\":\"%s\",\"addr\":\"%s\",\"port\":%d}\n", getpid(), family == AF_INET ? "ipv4" : "ipv6", text,
         tport);
  wait_go(go);

  for (int i = 0; i < count; i++) {
    int fd = socket(family, SOCK_STREAM | (nonblock ? SOCK_NONBLOCK : 0), 0);
    if (fd < 0) die("socket: %s", strerror(errno));
    uint64_t t0 = now_ns();
    int first = connect(fd, (struct sockaddr *)&a.ss, a.len) ? errno : 0;
    int err = first;
    if (first == EINPROGRESS) {
      struct pollfd p = {fd, POLLOUT, 0};
      int r = poll(&p, 1, wait_ms);
      if (r == 0) err = EINPROGRESS; /* still pending after -w: reported as such */
      else {
        socklen_t l = sizeof err;
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &l);
      }
    }
    uint64_t t1 = now_ns();
    const char *fe = errno_name(first), *en = errno_name(err);
    printf("{\"event\":\"connect\",\"i\":%d,\"pid\":%d,\"nonblock\":%s,", i, getpid(), nonblock ? "true" : "false");
    printf(en ? "\"errno\":\"%s\"," : "\"errno\":null,", en);
    printf(fe ? "\"first_errno\":\"%s\"," : "\"first_errno\":null,", fe);
    print_end("local", get_end(fd, 0));
    printf(",\"elapsed_ns\":%llu}\n", (unsigned long long)(t1 - t0));
    close(fd);
  }
  printf("{\"event\":\"done\",\"pid\":%d,\"connects\":%d}\n", getpid(), count);
  return 0;
}
