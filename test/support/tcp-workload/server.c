/* TCP server of the controlled workload: listens, then serves the plan's connections one after
 * another (accept order = the client's connect order), each: read exactly C bytes, write S bytes,
 * then close first (plan "s") or wait for the client's FIN / RST and close (plan "c" / "r").
 *
 *   tcp-server -f 4|6 [-a ADDR] [-p PORT] -P PLAN [-g] [-t SECONDS]
 *
 * stdout, one JSON object per line: {"event":"ready","pid","family","addr","port"} once listening
 * (with -g it then waits for a line on stdin before accepting), one {"event":"conn",...} per
 * connection as it is closed, {"event":"done","pid","conns"} at the end. -t bounds the whole run
 * (default 60 s: a client that never comes must not leave a server behind). */
#include "common.h"

int main(int argc, char **argv) {
  pair_opts_t o = pair_options(argc, argv, 0, "tcp-server -f 4|6 [-a ADDR] [-p PORT] -P PLAN [-g] [-t SECONDS]");
  int family = o.family;
  int n;
  step_t *steps = parse_plan(o.plan, &n);

  addr_t a = make_addr(family, o.addr, o.port);
  int ls = socket(family, SOCK_STREAM, 0);
  if (ls < 0) die("socket: %s", strerror(errno));
  int one = 1;
  setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind(ls, (struct sockaddr *)&a.ss, a.len)) die("bind: %s", strerror(errno));
  if (listen(ls, 1024)) die("listen: %s", strerror(errno));
  struct sockaddr_storage bound;
  socklen_t blen = sizeof bound;
  getsockname(ls, (struct sockaddr *)&bound, &blen);
  char text[INET6_ADDRSTRLEN];
  int bport = addr_text(&bound, text, sizeof text);
  printf("{\"event\":\"ready\",\"pid\":%d,\"family\":\"%s\",\"addr\":\"%s\",\"port\":%d}\n", getpid(), family == AF_INET ? "ipv4" : "ipv6", text,
         bport);
  wait_go(o.go);

  for (int i = 0; i < n; i++) {
    int fd = accept(ls, NULL, NULL);
    if (fd < 0) die("accept: %s", strerror(errno));
    end_t local = get_end(fd, 0), remote = get_end(fd, 1);
    read_exact(fd, steps[i].c2s);
    write_all(fd, steps[i].s2c);
    int end = 0;
    if (steps[i].closer != 's') end = read_eof(fd); /* the client closes (FIN) or resets first */
    report_conn(i, local, remote, steps[i].s2c, steps[i].c2s, steps[i].closer, end, fd);
    close(fd);
  }
  close(ls);
  printf("{\"event\":\"done\",\"pid\":%d,\"conns\":%d}\n", getpid(), n);
  return 0;
}
