#include "perf_event.h"

#include <linux/perf_event.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

namespace monitor {

bool ParseCpuList(const std::string &text, std::vector<int> *out) {
  std::stringstream ss(text);
  std::string part;
  while (std::getline(ss, part, ',')) {
    while (!part.empty() && isspace(static_cast<unsigned char>(part.back()))) part.pop_back();
    if (part.empty()) continue;
    char *end = nullptr;
    long lo = strtol(part.c_str(), &end, 10), hi = lo;
    if (end == part.c_str()) return false;
    if (*end == '-') {
      const char *p = end + 1;
      hi = strtol(p, &end, 10);
      if (end == p) return false;
    }
    if (*end != '\0' || lo < 0 || hi < lo) return false;
    for (long c = lo; c <= hi; c++) out->push_back(int(c));
  }
  return true;
}

std::vector<int> OnlineCpus() {
  std::ifstream f("/sys/devices/system/cpu/online");
  std::string text;
  std::vector<int> cpus;
  if (!f || !std::getline(f, text) || !ParseCpuList(text, &cpus)) {
    errno = errno ? errno : EINVAL;
    cpus.clear();
  }
  return cpus;
}

int OpenPerfEvent(const PerfEventSpec &spec, int cpu) {
  perf_event_attr attr;
  memset(&attr, 0, sizeof(attr));
  attr.size = sizeof(attr);
  attr.type = spec.type;
  attr.config = spec.config;
  if (spec.frequency) {
    attr.freq = 1;
    attr.sample_freq = spec.frequency;
  } else {
    attr.sample_period = spec.period;
  }
  int fd = int(syscall(__NR_perf_event_open, &attr, spec.pid, cpu, -1, PERF_FLAG_FD_CLOEXEC));
  return fd < 0 ? -errno : fd;
}

}  // namespace monitor
