/* TCP client of the controlled workload: runs the plan's connections one after another against
 * tcp-server, each: connect, write exactly C bytes, read exactly S bytes, then close first (plan
 * "c"), wait for the server's FIN and close (plan "s"), or reset it (plan "r": SO_LINGER 0, close).
 *
 *   tcp-client -f 4|6 [-a ADDR] -p PORT -P PLAN [-g] [-W] [-t SECONDS]
 *
 * -W: after connecting the first connection, print {"event":"connected","local","remote"} and wait
 * for a line on stdin before going on (a connection that exists before a tracer starts).
 *
 * stdout, one JSON object per line: {"event":"ready","pid"} (with -g it then waits for a line on
 * stdin), one {"event":"conn",...} per connection as it is closed, {"event":"done","pid","conns"}. */
#include "common.h"

int main(int argc, char **argv) {
  pair_opts_t o = pair_options(argc, argv, 1, "tcp-client -f 4|6 [-a ADDR] -p PORT -P PLAN [-g] [-W] [-t SECONDS]");
  int family = o.family, go = o.go, hold = o.hold;
  int n;
  step_t *steps = parse_plan(o.plan, &n);
  addr_t a = make_addr(family, o.addr, o.port);
  printf("{\"event\":\"ready\",\"pid\":%d}\n", getpid());
  wait_go(go);

  for (int i = 0; i < n; i++) {
    int fd = socket(family, SOCK_STREAM, 0);
    if (fd < 0) die("socket: %s", strerror(errno));
    if (connect(fd, (struct sockaddr *)&a.ss, a.len)) die("connect %d: %s", i, strerror(errno));
    end_t local = get_end(fd, 0), remote = get_end(fd, 1);
    if (hold && i == 0) {
      printf("{\"event\":\"connected\",\"pid\":%d,", getpid());
      print_end("local", local);
      putchar(',');
      print_end("remote", remote);
      printf("}\n");
      wait_go(1);
    }
    write_all(fd, steps[i].c2s);
    read_exact(fd, steps[i].s2c);
    int end = 0;
    if (steps[i].closer == 's') end = read_eof(fd); /* the server's FIN first */
    report_conn(i, local, remote, steps[i].c2s, steps[i].s2c, steps[i].closer, end, fd);
    if (steps[i].closer == 'r') {
      struct linger l = {1, 0};
      setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    }
    close(fd);
  }
  printf("{\"event\":\"done\",\"pid\":%d,\"conns\":%d}\n", getpid(), n);
  return 0;
}
