/* Shared by the TCP workload programs (test/support/tcp-workload/): address parsing, JSON lines
 * on stdout (one object per line, flushed at once so the caller can react), the "go" handshake, and
 * the per-connection plan both server and client follow.
 *
 * Every program prints what it did as JSON: tests compute their exact expectations from it, never
 * from what they asked for. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

static inline void die(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "tcp-workload: ");
  vfprintf(stderr, fmt, ap);
  fprintf(stderr, "\n");
  va_end(ap);
  exit(1);
}

static inline uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* A v4 or v6 socket address. */
typedef struct {
  struct sockaddr_storage ss;
  socklen_t len;
} addr_t;

static inline int family_of(const char *f) {
  if (!strcmp(f, "4") || !strcmp(f, "ipv4")) return AF_INET;
  if (!strcmp(f, "6") || !strcmp(f, "ipv6")) return AF_INET6;
  die("family must be 4 or 6, not %s", f);
  return -1;
}

static inline addr_t make_addr(int family, const char *text, int port) {
  addr_t a;
  memset(&a, 0, sizeof a);
  if (family == AF_INET) {
    struct sockaddr_in *s = (struct sockaddr_in *)&a.ss;
    s->sin_family = AF_INET;
    s->sin_port = htons(port);
    if (inet_pton(AF_INET, text ? text : "127.0.0.1", &s->sin_addr) != 1) die("bad IPv4 address %s", text);
    a.len = sizeof *s;
  } else {
    struct sockaddr_in6 *s = (struct sockaddr_in6 *)&a.ss;
    s->sin6_family = AF_INET6;
    s->sin6_port = htons(port);
    if (inet_pton(AF_INET6, text ? text : "::1", &s->sin6_addr) != 1) die("bad IPv6 address %s", text);
    a.len = sizeof *s;
  }
  return a;
}

/* "addr" and port of a sockaddr, as the tracers print them (text form, host-order port). */
static inline int addr_text(const struct sockaddr_storage *ss, char *buf, size_t n) {
  if (ss->ss_family == AF_INET) {
    const struct sockaddr_in *s = (const struct sockaddr_in *)ss;
    inet_ntop(AF_INET, &s->sin_addr, buf, n);
    return ntohs(s->sin_port);
  }
  const struct sockaddr_in6 *s = (const struct sockaddr_in6 *)ss;
  inet_ntop(AF_INET6, &s->sin6_addr, buf, n);
  return ntohs(s->sin6_port);
}

/* One end of a connection, captured while it is connected (after a reset getpeername fails). */
typedef struct {
  int ok, port;
  char addr[INET6_ADDRSTRLEN];
} end_t;

static inline end_t get_end(int fd, int remote) {
  end_t e;
  memset(&e, 0, sizeof e);
  struct sockaddr_storage ss;
  socklen_t len = sizeof ss;
  memset(&ss, 0, sizeof ss);
  int rc = remote ? getpeername(fd, (struct sockaddr *)&ss, &len) : getsockname(fd, (struct sockaddr *)&ss, &len);
  if (!rc) {
    e.ok = 1;
    e.port = addr_text(&ss, e.addr, sizeof e.addr);
  }
  return e;
}

/* Prints `"key":{"addr":"…","port":N}` (or null). */
static inline void print_end(const char *key, end_t e) {
  if (!e.ok) printf("\"%s\":null", key);
  else printf("\"%s\":{\"addr\":\"%s\",\"port\":%d}", key, e.addr, e.port);
}

/* The kernel's own counters just before close (struct tcp_info: tcpi_bytes_acked counts the SYN
 * and FIN too, tcpi_bytes_received the FIN), so a test can see what a tracer reading
 * tcp_sock.bytes_acked/bytes_received must report at close. */
static inline void print_tcp_info(int fd) {
  /* glibc's struct tcp_info stops before these fields: read the kernel's layout (linux/tcp.h):
   * tcpi_total_retrans at 100, tcpi_bytes_acked at 120, tcpi_bytes_received at 128. */
  unsigned char ti[232];
  socklen_t len = sizeof ti;
  memset(ti, 0, sizeof ti);
  if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, ti, &len) || len < 136) {
    printf("\"tcpi\":null");
    return;
  }
  uint32_t retrans;
  uint64_t acked, received;
  memcpy(&retrans, ti + 100, 4);
  memcpy(&acked, ti + 120, 8);
  memcpy(&received, ti + 128, 8);
  printf("\"tcpi\":{\"bytes_acked\":%llu,\"bytes_received\":%llu,\"total_retrans\":%u}", (unsigned long long)acked,
         (unsigned long long)received, retrans);
}

static inline const char *errno_name(int e) {
  switch (e) {
  case 0: return NULL;
  case ECONNREFUSED: return "ECONNREFUSED";
  case ETIMEDOUT: return "ETIMEDOUT";
  case EHOSTUNREACH: return "EHOSTUNREACH";
  case ENETUNREACH: return "ENETUNREACH";
  case ECONNRESET: return "ECONNRESET";
  case EINPROGRESS: return "EINPROGRESS";
  case EADDRNOTAVAIL: return "EADDRNOTAVAIL";
  case EINTR: return "EINTR";
  default: return "EOTHER";
  }
}

/* With --go, wait for a line on stdin before the work starts: the caller attaches its tracers to
 * the ports printed in the "ready" line first. */
static inline void wait_go(int go) {
  if (!go) return;
  char line[64];
  if (!fgets(line, sizeof line, stdin)) die("stdin closed before go");
}

static inline void write_all(int fd, size_t n) {
  static char buf[65536];
  while (n) {
    ssize_t w = write(fd, buf, n < sizeof buf ? n : sizeof buf);
    if (w < 0) {
      if (errno == EINTR) continue;
      die("write: %s", strerror(errno));
    }
    n -= (size_t)w;
  }
}

/* Reads exactly n bytes (dies on an early EOF or error). */
static inline void read_exact(int fd, size_t n) {
  static char buf[65536];
  while (n) {
    ssize_t r = read(fd, buf, n < sizeof buf ? n : sizeof buf);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) die("read: %s", strerror(errno));
    if (r == 0) die("read: EOF with %zu bytes still expected", n);
    n -= (size_t)r;
  }
}

/* Reads until EOF (0) or an error; returns 0 or the errno (ECONNRESET after a reset). Bytes that
 * arrive here were not in the plan: die. */
static inline int read_eof(int fd) {
  char buf[256];
  for (;;) {
    ssize_t r = read(fd, buf, sizeof buf);
    if (r == 0) return 0;
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return errno;
    die("read: %zd bytes past the planned end", r);
  }
}

/* The options server and client share: -f 4|6 -a ADDR -p PORT -P PLAN -g -t SECONDS, and the
 * client's -W (hold after the first connect). Also makes stdout line-buffered and arms the -t bound. */
typedef struct {
  int family, port, go, limit, hold;
  const char *addr, *plan;
} pair_opts_t;

static inline pair_opts_t pair_options(int argc, char **argv, int client, const char *usage) {
  pair_opts_t o = {AF_INET, 0, 0, 60, 0, NULL, NULL};
  for (int c; (c = getopt(argc, argv, client ? "f:a:p:P:gWt:" : "f:a:p:P:gt:")) != -1;) {
    switch (c) {
    case 'f': o.family = family_of(optarg); break;
    case 'a': o.addr = optarg; break;
    case 'p': o.port = atoi(optarg); break;
    case 'P': o.plan = optarg; break;
    case 'g': o.go = 1; break;
    case 'W': o.hold = 1; break;
    case 't': o.limit = atoi(optarg); break;
    default: die("usage: %s", usage);
    }
  }
  if (!o.plan || (client && !o.port)) die("usage: %s", usage);
  setvbuf(stdout, NULL, _IOLBF, 0);
  alarm(o.limit);
  return o;
}

/* One {"event":"conn"} line: a connection as this side saw it, just before it closes it. */
static inline void report_conn(int i, end_t local, end_t remote, size_t sent, size_t received, char closer, int end_errno, int fd) {
  printf("{\"event\":\"conn\",\"i\":%d,\"pid\":%d,", i, getpid());
  print_end("local", local);
  putchar(',');
  print_end("remote", remote);
  printf(",\"sent\":%zu,\"received\":%zu,\"closer\":\"%s\",\"end_errno\":", sent, received, closer == 'c' ? "client" : closer == 's' ? "server" : "reset");
  const char *en = errno_name(end_errno);
  printf(en ? "\"%s\"," : "null,", en);
  print_tcp_info(fd);
  printf("}\n");
}

/* The plan: one step per connection, the same string given to server and client.
 *   "C:S:X[,C:S:X...]" with an optional "N*" repeat prefix per entry: the client sends C bytes, the
 *   server reads them and answers with S bytes; X says who ends it: c = the client closes first,
 *   s = the server closes first, r = the client resets (SO_LINGER 0) after reading the answer. */
typedef struct {
  size_t c2s, s2c;
  char closer;
} step_t;

static inline step_t *parse_plan(const char *text, int *count) {
  int cap = 16, n = 0;
  step_t *steps = malloc(cap * sizeof *steps);
  char *copy = strdup(text), *save = NULL;
  for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
    long rep = 1;
    char *star = strchr(tok, '*');
    if (star) {
      rep = strtol(tok, NULL, 10);
      tok = star + 1;
    }
    unsigned long long c, s;
    char x;
    if (sscanf(tok, "%llu:%llu:%c", &c, &s, &x) != 3 || (x != 'c' && x != 's' && x != 'r') || rep < 1) die("bad plan entry %s", tok);
    for (long i = 0; i < rep; i++) {
      if (n == cap) steps = realloc(steps, (cap *= 2) * sizeof *steps);
      steps[n++] = (step_t){c, s, x};
    }
  }
  free(copy);
  if (!n) die("empty plan");
  *count = n;
  return steps;
}
