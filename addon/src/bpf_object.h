// One BPF object (an embedded .bpf.o) and the links that attach its programs. Links are fds owned by
// this process: exit, a crash or kill -9 detaches everything (nothing is pinned).
#pragma once
#include <napi.h>
#include <bpf/libbpf.h>

#include <vector>

namespace monitor {

class BpfObject : public Napi::ObjectWrap<BpfObject> {
 public:
  static Napi::Function Init(Napi::Env env);
  explicit BpfObject(const Napi::CallbackInfo &info);
  ~BpfObject() override;

 private:
  struct bpf_program *Program(Napi::Env env, const Napi::Value &name);
  struct bpf_map *Map(Napi::Env env, const Napi::Value &name);
  struct bpf_map *DataMap(const char *suffix);
  void RequireOpen(Napi::Env env);
  Napi::Value AddLink(Napi::Env env, struct bpf_link *link, const std::string &what);

  Napi::Value Programs(const Napi::CallbackInfo &info);
  Napi::Value Maps(const Napi::CallbackInfo &info);
  Napi::Value SetAutoload(const Napi::CallbackInfo &info);
  Napi::Value SetMaxEntries(const Napi::CallbackInfo &info);
  Napi::Value Datasec(const Napi::CallbackInfo &info);
  Napi::Value GetData(const Napi::CallbackInfo &info);
  Napi::Value SetData(const Napi::CallbackInfo &info);
  Napi::Value DescribeType(const Napi::CallbackInfo &info);
  Napi::Value ExportedTypes(const Napi::CallbackInfo &info);
  Napi::Value Load(const Napi::CallbackInfo &info);
  Napi::Value Attach(const Napi::CallbackInfo &info);
  Napi::Value AttachTracepoint(const Napi::CallbackInfo &info);
  Napi::Value AttachRawTracepoint(const Napi::CallbackInfo &info);
  Napi::Value AttachKprobe(const Napi::CallbackInfo &info);
  Napi::Value AttachPerfEvent(const Napi::CallbackInfo &info);
  Napi::Value AttachPerfEvents(const Napi::CallbackInfo &info);
  Napi::Value AttachUprobe(const Napi::CallbackInfo &info);
  Napi::Value Detach(const Napi::CallbackInfo &info);
  Napi::Value ProgInfo(const Napi::CallbackInfo &info);
  Napi::Value Run(const Napi::CallbackInfo &info);
  Napi::Value MapFd(const Napi::CallbackInfo &info);
  Napi::Value Lookup(const Napi::CallbackInfo &info);
  Napi::Value Update(const Napi::CallbackInfo &info);
  Napi::Value Close(const Napi::CallbackInfo &info);
  void CloseAll();

  struct bpf_object *obj_ = nullptr;
  bool loaded_ = false;
  std::vector<struct bpf_link *> links_;
};

}  // namespace monitor
