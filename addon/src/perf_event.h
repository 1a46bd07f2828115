// perf_event_open for sampling programs: one event per online CPU.
#pragma once
#include <string>
#include <vector>

namespace monitor {

// CPUs listed in /sys/devices/system/cpu/online ("0-3,6"); empty with errno set on failure.
std::vector<int> OnlineCpus();
// Parses a kernel CPU list ("0-3,6"); false when malformed.
bool ParseCpuList(const std::string &text, std::vector<int> *out);

struct PerfEventSpec {
  unsigned type;
  unsigned long long config;
  unsigned long long frequency;  // samples per second; 0: use period
  unsigned long long period;     // events between samples (ns for cpu-clock)
  int pid;                       // -1: every process
};

// Opens one perf event on `cpu`; returns the fd (close-on-exec) or -errno.
int OpenPerfEvent(const PerfEventSpec &spec, int cpu);

}  // namespace monitor
