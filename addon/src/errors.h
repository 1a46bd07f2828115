// Native errors carry errno and libbpf's last log lines, so the TS facade can turn them into one
// clear MonitorError line (and show the log only with --debug).
#pragma once
#include <napi.h>
#include <string>

namespace monitor {

// libbpf's print callback keeps the last messages here instead of writing to stderr.
std::string TakeLibbpfLog();
void InstallLibbpfLogger();

Napi::Error MakeError(Napi::Env env, const std::string &what, int err);
[[noreturn]] void Throw(Napi::Env env, const std::string &what, int err);

}  // namespace monitor
