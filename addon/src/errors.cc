#include "errors.h"

#include <bpf/libbpf.h>
#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <mutex>

namespace monitor {
namespace {
std::mutex log_mutex;
std::string log_text;

int LibbpfPrint(enum libbpf_print_level level, const char *format, va_list args) {
  if (level == LIBBPF_DEBUG) return 0;
  char line[1024];
  vsnprintf(line, sizeof(line), format, args);
  std::lock_guard<std::mutex> lock(log_mutex);
  log_text += line;
  if (log_text.size() > 16384) log_text.erase(0, log_text.size() - 16384);
  return 0;
}
}  // namespace

void InstallLibbpfLogger() { libbpf_set_print(LibbpfPrint); }

std::string TakeLibbpfLog() {
  std::lock_guard<std::mutex> lock(log_mutex);
  std::string out;
  out.swap(log_text);
  return out;
}

Napi::Error MakeError(Napi::Env env, const std::string &what, int err) {
  if (err < 0) err = -err;
  std::string msg = what;
  if (err) msg += std::string(": ") + strerror(err);
  Napi::Error e = Napi::Error::New(env, msg);
  e.Set("errno", Napi::Number::New(env, err));
  const char *name = err ? strerrorname_np(err) : nullptr;
  if (name) e.Set("code", Napi::String::New(env, name));
  e.Set("libbpfLog", Napi::String::New(env, TakeLibbpfLog()));
  return e;
}

void Throw(Napi::Env env, const std::string &what, int err) { throw MakeError(env, what, err); }

}  // namespace monitor
