#include "pidfd.h"

#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>

#include "errors.h"
#include "fd.h"

#ifndef __NR_pidfd_open
#define __NR_pidfd_open 434
#endif
#ifndef __NR_pidfd_send_signal
#define __NR_pidfd_send_signal 424
#endif

namespace monitor {
namespace {

// Field 22 of /proc/PID/stat (ticks since boot), or -1 when it cannot be read. comm (field 2) may
// hold spaces and parentheses, so fields are counted from the last ')'.
long long StartTicks(int pid) {
  std::string path = "/proc/" + std::to_string(pid) + "/stat";
  UniqueFd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.Valid()) return -1;
  char buf[1024];
  ssize_t n = read(fd.Get(), buf, sizeof(buf) - 1);
  if (n <= 0) return -1;
  buf[n] = 0;
  char *p = strrchr(buf, ')');
  if (!p) return -1;
  p++;
  // After ')': field 3 (state) is the first; field 22 is the 20th from there.
  for (int field = 3; field < 22; field++) {
    while (*p == ' ') p++;
    while (*p && *p != ' ') p++;
    if (!*p) return -1;
  }
  return strtoll(p, nullptr, 10);
}

Napi::String Outcome(Napi::Env env, const char *s) { return Napi::String::New(env, s); }

}  // namespace

Napi::Value PidfdSignal(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  int pid = info[0].As<Napi::Number>().Int32Value();
  long long expected = info[1].As<Napi::Number>().Int64Value();
  int sig = info[2].As<Napi::Number>().Int32Value();
  if (pid <= 0) Throw(env, "pidfd_open: bad pid " + std::to_string(pid), EINVAL);
  UniqueFd pidfd(int(syscall(__NR_pidfd_open, pid, 0)));
  if (!pidfd.Valid()) {
    if (errno == ESRCH) return Outcome(env, "gone");
    Throw(env, "pidfd_open", errno);
  }
  // Read after the pidfd is open: if the pid was reused before, this is the newcomer's start time;
  // if it is reused after, the pidfd still names the process checked here (and the signal fails
  // with ESRCH instead of reaching the newcomer).
  long long actual = StartTicks(pid);
  if (actual < 0) return Outcome(env, "gone");
  if (actual != expected) return Outcome(env, "reused");
  if (syscall(__NR_pidfd_send_signal, pidfd.Get(), sig, nullptr, 0) != 0) {
    if (errno == ESRCH) return Outcome(env, "gone");
    if (errno == EPERM) return Outcome(env, "denied");
    Throw(env, "pidfd_send_signal", errno);
  }
  return Outcome(env, "sent");
}

}  // namespace monitor
