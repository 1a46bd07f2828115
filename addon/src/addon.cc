// Module entry: the BpfObject, RingStream, MapReader and ProcReader classes plus the few syscalls the engine needs that
// Node does not expose (perf_event_open, mount, paired clocks).
#include <napi.h>
#include <bpf/libbpf.h>
#include <linux/perf_event.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>

#include "bpf_object.h"
#include "bpf_objects.h"
#include "errors.h"
#include "map_reader.h"
#include "perf_event.h"
#include "pidfd.h"
#include "proc_reader.h"
#include "ring_stream.h"

// doctor attaches a uprobe here (in this .node file) and calls it once: a real uprobe attach + hit.
extern "C" __attribute__((noinline, used, visibility("default"))) int monitor_uprobe_probe(int x) {
  __asm__ volatile("" ::: "memory");
  return x + 1;
}

namespace monitor {
namespace {

Napi::Value EmbeddedObjects(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  Napi::Array out = Napi::Array::New(env);
  uint32_t i = 0;
  for (const auto &e : embedded_bpf_objects) out.Set(i++, e.name);
  return out;
}

// [monotonic_ns, realtime_ns] read back to back: BPF timestamps are CLOCK_MONOTONIC.
Napi::Value Clocks(const Napi::CallbackInfo &info) {
  timespec mono, real;
  clock_gettime(CLOCK_MONOTONIC, &mono);
  clock_gettime(CLOCK_REALTIME, &real);
  Napi::Env env = info.Env();
  Napi::Array out = Napi::Array::New(env, 2);
  out.Set(0u, Napi::BigInt::New(env, uint64_t(uint64_t(mono.tv_sec) * 1000000000ull + mono.tv_nsec)));
  out.Set(1u, Napi::BigInt::New(env, uint64_t(uint64_t(real.tv_sec) * 1000000000ull + real.tv_nsec)));
  return out;
}

// perfEventOpen({type, config, pid, cpu, frequency?, period?}) -> fd (software/hardware events).
Napi::Value PerfEventOpen(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  Napi::Object o = info[0].As<Napi::Object>();
  perf_event_attr attr;
  memset(&attr, 0, sizeof(attr));
  attr.size = sizeof(attr);
  attr.type = o.Get("type").As<Napi::Number>().Uint32Value();
  attr.config = o.Get("config").As<Napi::Number>().Int64Value();
  if (o.Has("frequency") && o.Get("frequency").IsNumber()) {
    attr.freq = 1;
    attr.sample_freq = o.Get("frequency").As<Napi::Number>().Int64Value();
  } else if (o.Has("period") && o.Get("period").IsNumber()) {
    attr.sample_period = o.Get("period").As<Napi::Number>().Int64Value();
  }
  int pid = o.Get("pid").As<Napi::Number>().Int32Value();
  int cpu = o.Get("cpu").As<Napi::Number>().Int32Value();
  int fd = syscall(__NR_perf_event_open, &attr, pid, cpu, -1, PERF_FLAG_FD_CLOEXEC);
  if (fd < 0) Throw(env, "perf_event_open", errno);
  return Napi::Number::New(env, fd);
}

Napi::Value CloseFd(const Napi::CallbackInfo &info) {
  close(info[0].As<Napi::Number>().Int32Value());
  return info.Env().Undefined();
}

Napi::Value OnlineCpusJs(const Napi::CallbackInfo &info) {
  std::vector<int> cpus = OnlineCpus();
  if (cpus.empty()) Throw(info.Env(), "read /sys/devices/system/cpu/online", errno);
  Napi::Array out = Napi::Array::New(info.Env(), cpus.size());
  for (size_t i = 0; i < cpus.size(); i++) out.Set(uint32_t(i), cpus[i]);
  return out;
}

Napi::Value PossibleCpus(const Napi::CallbackInfo &info) {
  return Napi::Number::New(info.Env(), libbpf_num_possible_cpus());
}

// mountKernelFs("tracefs" | "securityfs", target): the kernel's own pseudo filesystems, which
// minimal hosts leave unmounted.
Napi::Value MountKernelFs(const Napi::CallbackInfo &info) {
  std::string type = info[0].As<Napi::String>(), target = info[1].As<Napi::String>();
  if (type != "tracefs" && type != "securityfs") Throw(info.Env(), "not a kernel filesystem: " + type, EINVAL);
  if (mount(type.c_str(), target.c_str(), type.c_str(), 0, nullptr)) Throw(info.Env(), "mount " + type, errno);
  return info.Env().Undefined();
}

// probeMapType("ringbuf") -> true when the kernel can create that map type.
Napi::Value ProbeRingbuf(const Napi::CallbackInfo &info) {
  return Napi::Boolean::New(info.Env(), libbpf_probe_bpf_map_type(BPF_MAP_TYPE_RINGBUF, nullptr) == 1);
}

Napi::Value CallUprobeProbe(const Napi::CallbackInfo &info) {
  return Napi::Number::New(info.Env(), monitor_uprobe_probe(info[0].As<Napi::Number>().Int32Value()));
}

Napi::Value LibbpfVersion(const Napi::CallbackInfo &info) {
  return Napi::String::New(info.Env(), libbpf_version_string());
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  InstallLibbpfLogger();
  RegisterRingCleanup(env);
  exports.Set("BpfObject", BpfObject::Init(env));
  exports.Set("RingStream", RingStream::Init(env));
  exports.Set("MapReader", MapReader::Init(env));
  exports.Set("onlineCpus", Napi::Function::New<OnlineCpusJs>(env));
  exports.Set("embeddedObjects", Napi::Function::New<EmbeddedObjects>(env));
  exports.Set("clocks", Napi::Function::New<Clocks>(env));
  exports.Set("perfEventOpen", Napi::Function::New<PerfEventOpen>(env));
  exports.Set("closeFd", Napi::Function::New<CloseFd>(env));
  exports.Set("possibleCpus", Napi::Function::New<PossibleCpus>(env));
  exports.Set("mountKernelFs", Napi::Function::New<MountKernelFs>(env));
  exports.Set("probeRingbuf", Napi::Function::New<ProbeRingbuf>(env));
  exports.Set("callUprobeProbe", Napi::Function::New<CallUprobeProbe>(env));
  exports.Set("ProcReader", ProcReader::Init(env));
  exports.Set("procFields", Napi::Function::New<ProcFields>(env));
  exports.Set("procStatic", Napi::Function::New<ProcStatic>(env));
  exports.Set("procSystem", Napi::Function::New<ProcSystem>(env));
  exports.Set("procConstants", Napi::Function::New<ProcConstants>(env));
  exports.Set("pidfdSignal", Napi::Function::New<PidfdSignal>(env));
  exports.Set("libbpfVersion", Napi::Function::New<LibbpfVersion>(env));
  return exports;
}

}  // namespace
}  // namespace monitor

static Napi::Object InitModule(Napi::Env env, Napi::Object exports) { return monitor::Init(env, exports); }
NODE_API_MODULE(monitor_engine, InitModule)
