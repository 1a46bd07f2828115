#include "bpf_object.h"

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <linux/bpf.h>
#include <malloc.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "bpf_objects.h"
#include "btf_describe.h"
#include "errors.h"
#include "fd.h"
#include "perf_event.h"

namespace monitor {
namespace {

bool IsPerCpu(enum bpf_map_type t) {
  return t == BPF_MAP_TYPE_PERCPU_ARRAY || t == BPF_MAP_TYPE_PERCPU_HASH ||
         t == BPF_MAP_TYPE_LRU_PERCPU_HASH || t == BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE;
}

// Bytes a lookup returns for one key: per-CPU maps return one 8-byte-aligned slot per possible CPU.
size_t ValueBytes(const struct bpf_map *map) {
  size_t v = bpf_map__value_size(map);
  if (IsPerCpu(bpf_map__type(map))) return ((v + 7) & ~size_t(7)) * libbpf_num_possible_cpus();
  return v;
}

bool EndsWith(const char *s, const char *suffix) {
  size_t a = strlen(s), b = strlen(suffix);
  return a >= b && strcmp(s + a - b, suffix) == 0;
}

}  // namespace

Napi::Function BpfObject::Init(Napi::Env env) {
  return DefineClass(
      env, "BpfObject",
      {InstanceMethod<&BpfObject::Programs>("programs"),
       InstanceMethod<&BpfObject::Maps>("maps"),
       InstanceMethod<&BpfObject::SetAutoload>("setAutoload"),
       InstanceMethod<&BpfObject::SetMaxEntries>("setMaxEntries"),
       InstanceMethod<&BpfObject::Datasec>("datasec"),
       InstanceMethod<&BpfObject::GetData>("getData"),
       InstanceMethod<&BpfObject::SetData>("setData"),
       InstanceMethod<&BpfObject::DescribeType>("describeType"),
       InstanceMethod<&BpfObject::ExportedTypes>("exportedTypes"),
       InstanceMethod<&BpfObject::Load>("load"),
       InstanceMethod<&BpfObject::Attach>("attach"),
       InstanceMethod<&BpfObject::AttachTracepoint>("attachTracepoint"),
       InstanceMethod<&BpfObject::AttachRawTracepoint>("attachRawTracepoint"),
       InstanceMethod<&BpfObject::AttachKprobe>("attachKprobe"),
       InstanceMethod<&BpfObject::AttachPerfEvent>("attachPerfEvent"),
       InstanceMethod<&BpfObject::AttachPerfEvents>("attachPerfEvents"),
       InstanceMethod<&BpfObject::AttachUprobe>("attachUprobe"),
       InstanceMethod<&BpfObject::Detach>("detach"),
       InstanceMethod<&BpfObject::ProgInfo>("progInfo"),
       InstanceMethod<&BpfObject::Run>("run"),
       InstanceMethod<&BpfObject::MapFd>("mapFd"),
       InstanceMethod<&BpfObject::Lookup>("lookup"),
       InstanceMethod<&BpfObject::Update>("update"),
       InstanceMethod<&BpfObject::Close>("close")});
}

// new BpfObject(name): opens the embedded object `name` (no privileges needed until load).
BpfObject::BpfObject(const Napi::CallbackInfo &info) : Napi::ObjectWrap<BpfObject>(info) {
  Napi::Env env = info.Env();
  std::string name = info[0].As<Napi::String>();
  for (const auto &e : embedded_bpf_objects) {
    if (name != e.name) continue;
    LIBBPF_OPTS(bpf_object_open_opts, opts, .object_name = e.name);
    obj_ = bpf_object__open_mem(e.data, e.size, &opts);
    if (!obj_) Throw(env, "open BPF object " + name, errno);
    return;
  }
  Throw(env, "no embedded BPF object named " + name, ENOENT);
}

BpfObject::~BpfObject() { CloseAll(); }

void BpfObject::CloseAll() {
  for (auto *l : links_)
    if (l) bpf_link__destroy(l);
  links_.clear();
  if (obj_) bpf_object__close(obj_);
  obj_ = nullptr;
}

void BpfObject::RequireOpen(Napi::Env env) {
  if (!obj_) Throw(env, "BPF object is closed", EBADF);
}

struct bpf_program *BpfObject::Program(Napi::Env env, const Napi::Value &name) {
  RequireOpen(env);
  std::string n = name.As<Napi::String>();
  struct bpf_program *p = bpf_object__find_program_by_name(obj_, n.c_str());
  if (!p) Throw(env, "no BPF program named " + n, ENOENT);
  return p;
}

struct bpf_map *BpfObject::Map(Napi::Env env, const Napi::Value &name) {
  RequireOpen(env);
  std::string n = name.As<Napi::String>();
  struct bpf_map *m = bpf_object__find_map_by_name(obj_, n.c_str());
  if (!m) {
    // Data sections are named "<object>.rodata"; accept ".rodata" too.
    m = DataMap(n.c_str());
  }
  if (!m) Throw(env, "no BPF map named " + n, ENOENT);
  return m;
}

struct bpf_map *BpfObject::DataMap(const char *suffix) {
  if (suffix[0] != '.') return nullptr;
  struct bpf_map *m;
  bpf_object__for_each_map(m, obj_) {
    if (EndsWith(bpf_map__name(m), suffix)) return m;
  }
  return nullptr;
}

Napi::Value BpfObject::Programs(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  RequireOpen(env);
  Napi::Array out = Napi::Array::New(env);
  struct bpf_program *p;
  uint32_t i = 0;
  bpf_object__for_each_program(p, obj_) {
    Napi::Object o = Napi::Object::New(env);
    o.Set("name", bpf_program__name(p));
    o.Set("section", bpf_program__section_name(p));
    o.Set("autoload", bpf_program__autoload(p));
    out.Set(i++, o);
  }
  return out;
}

Napi::Value BpfObject::Maps(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  RequireOpen(env);
  Napi::Array out = Napi::Array::New(env);
  struct bpf_map *m;
  uint32_t i = 0;
  bpf_object__for_each_map(m, obj_) {
    Napi::Object o = Napi::Object::New(env);
    o.Set("name", bpf_map__name(m));
    o.Set("type", libbpf_bpf_map_type_str(bpf_map__type(m)));
    o.Set("typeId", uint32_t(bpf_map__type(m)));
    o.Set("keySize", bpf_map__key_size(m));
    o.Set("valueSize", bpf_map__value_size(m));
    o.Set("lookupValueSize", double(ValueBytes(m)));
    o.Set("maxEntries", bpf_map__max_entries(m));
    out.Set(i++, o);
  }
  return out;
}

Napi::Value BpfObject::SetAutoload(const Napi::CallbackInfo &info) {
  int err = bpf_program__set_autoload(Program(info.Env(), info[0]), info[1].As<Napi::Boolean>());
  if (err) Throw(info.Env(), "set autoload", err);
  return info.Env().Undefined();
}

Napi::Value BpfObject::SetMaxEntries(const Napi::CallbackInfo &info) {
  int err = bpf_map__set_max_entries(Map(info.Env(), info[0]), info[1].As<Napi::Number>().Uint32Value());
  if (err) Throw(info.Env(), "set max_entries", err);
  return info.Env().Undefined();
}

// datasec(".rodata") -> [{name, offset, size}]: where each global lives, from the object's BTF.
Napi::Value BpfObject::Datasec(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  RequireOpen(env);
  std::string sec = info[0].As<Napi::String>();
  Napi::Array out = Napi::Array::New(env);
  struct btf *btf = bpf_object__btf(obj_);
  if (!btf) return out;
  int id = btf__find_by_name_kind(btf, sec.c_str(), BTF_KIND_DATASEC);
  if (id < 0) return out;
  const struct btf_type *t = btf__type_by_id(btf, id);
  const struct btf_var_secinfo *v = btf_var_secinfos(t);
  for (uint32_t i = 0; i < btf_vlen(t); i++, v++) {
    const struct btf_type *var = btf__type_by_id(btf, v->type);
    Napi::Object o = Napi::Object::New(env);
    o.Set("name", btf__name_by_offset(btf, var->name_off));
    o.Set("offset", v->offset);
    o.Set("size", v->size);
    o.Set("type", DescribeTypeId(env, btf, var->type));
    out.Set(i, o);
  }
  return out;
}

Napi::Value BpfObject::GetData(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  struct bpf_map *m = Map(env, info[0]);
  size_t size = 0;
  const void *data = bpf_map__initial_value(m, &size);
  if (!data) Throw(env, "map has no initial value", EINVAL);
  return Napi::Buffer<uint8_t>::Copy(env, static_cast<const uint8_t *>(data), size);
}

Napi::Value BpfObject::SetData(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  struct bpf_map *m = Map(env, info[0]);
  auto buf = info[1].As<Napi::Buffer<uint8_t>>();
  int err = bpf_map__set_initial_value(m, buf.Data(), buf.Length());
  if (err) Throw(env, "set initial value (before load only)", err);
  return env.Undefined();
}

// describeType(name, kind?) -> the named struct/union/enum with full type information (btf_describe.h).
Napi::Value BpfObject::DescribeType(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  RequireOpen(env);
  std::string name = info[0].As<Napi::String>();
  std::string kind = info[1].IsString() ? info[1].As<Napi::String>().Utf8Value() : "";
  return DescribeNamedType(env, bpf_object__btf(obj_), name, kind);
}

// exportedTypes() -> [{kind, name}] of every type marked with MONITOR_EXPORT.
Napi::Value BpfObject::ExportedTypes(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  RequireOpen(env);
  return monitor::ExportedTypes(env, bpf_object__btf(obj_));
}

Napi::Value BpfObject::Load(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  RequireOpen(env);
  TakeLibbpfLog();
  int err = bpf_object__load(obj_);
  // Loading parses the kernel's BTF (megabytes) and frees it again; glibc keeps the freed heap, so
  // each object loaded would leave several MB in RSS for good. Give it back now.
  malloc_trim(0);
  if (err) Throw(env, std::string("load BPF object ") + bpf_object__name(obj_), err);
  loaded_ = true;
  return env.Undefined();
}

Napi::Value BpfObject::AddLink(Napi::Env env, struct bpf_link *link, const std::string &what) {
  if (!link) Throw(env, what, errno);
  links_.push_back(link);
  return Napi::Number::New(env, double(links_.size() - 1));
}

Napi::Value BpfObject::Attach(const Napi::CallbackInfo &info) {
  struct bpf_program *p = Program(info.Env(), info[0]);
  return AddLink(info.Env(), bpf_program__attach(p), std::string("attach ") + bpf_program__section_name(p));
}

Napi::Value BpfObject::AttachTracepoint(const Napi::CallbackInfo &info) {
  std::string cat = info[1].As<Napi::String>(), name = info[2].As<Napi::String>();
  struct bpf_program *p = Program(info.Env(), info[0]);
  return AddLink(info.Env(), bpf_program__attach_tracepoint(p, cat.c_str(), name.c_str()),
                 "attach tracepoint " + cat + ":" + name);
}

Napi::Value BpfObject::AttachRawTracepoint(const Napi::CallbackInfo &info) {
  std::string name = info[1].As<Napi::String>();
  struct bpf_program *p = Program(info.Env(), info[0]);
  return AddLink(info.Env(), bpf_program__attach_raw_tracepoint(p, name.c_str()),
                 "attach raw tracepoint " + name);
}

Napi::Value BpfObject::AttachKprobe(const Napi::CallbackInfo &info) {
  std::string func = info[1].As<Napi::String>();
  bool ret = info[2].ToBoolean();
  struct bpf_program *p = Program(info.Env(), info[0]);
  return AddLink(info.Env(), bpf_program__attach_kprobe(p, ret, func.c_str()), "attach kprobe " + func);
}

// attachPerfEvent(prog, fd): the link takes ownership of the perf event fd.
Napi::Value BpfObject::AttachPerfEvent(const Napi::CallbackInfo &info) {
  UniqueFd pfd(info[1].As<Napi::Number>().Int32Value());  // ours from here: closed on every failure
  struct bpf_program *p = Program(info.Env(), info[0]);
  struct bpf_link *l = bpf_program__attach_perf_event(p, pfd.Get());
  if (!l) Throw(info.Env(), "attach perf_event", errno);
  pfd.Release();  // the link owns it now
  return AddLink(info.Env(), l, "attach perf_event");
}

// attachPerfEvents(prog, {type, config, frequency?, period?, pid, cpus?}) -> link ids, one per CPU
// (default: every online CPU). Each perf fd is owned by a UniqueFd until its link takes it over, so
// every failure path closes it; a failure detaches what this call attached.
Napi::Value BpfObject::AttachPerfEvents(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  struct bpf_program *p = Program(env, info[0]);
  Napi::Object o = info[1].As<Napi::Object>();
  PerfEventSpec spec{};
  spec.type = o.Get("type").As<Napi::Number>().Uint32Value();
  spec.config = o.Get("config").As<Napi::Number>().Int64Value();
  if (o.Get("frequency").IsNumber()) spec.frequency = o.Get("frequency").As<Napi::Number>().Int64Value();
  if (o.Get("period").IsNumber()) spec.period = o.Get("period").As<Napi::Number>().Int64Value();
  spec.pid = o.Get("pid").IsNumber() ? o.Get("pid").As<Napi::Number>().Int32Value() : -1;
  if (!spec.frequency && !spec.period) Throw(env, "perf event needs a frequency or a period", EINVAL);
  std::vector<int> cpus;
  if (o.Get("cpus").IsArray()) {
    Napi::Array a = o.Get("cpus").As<Napi::Array>();
    for (uint32_t i = 0; i < a.Length(); i++) cpus.push_back(a.Get(i).As<Napi::Number>().Int32Value());
  } else {
    cpus = OnlineCpus();
    if (cpus.empty()) Throw(env, "read /sys/devices/system/cpu/online", errno);
  }
  std::vector<struct bpf_link *> made;
  auto undo = [&made] {
    for (auto *l : made) bpf_link__destroy(l);
  };
  for (int cpu : cpus) {
    UniqueFd pfd(OpenPerfEvent(spec, cpu));
    if (!pfd.Valid()) {
      int err = -pfd.Release();
      undo();
      Throw(env, "perf_event_open on CPU " + std::to_string(cpu), err);
    }
    struct bpf_link *l = bpf_program__attach_perf_event(p, pfd.Get());
    if (!l) {
      int err = errno;
      undo();
      Throw(env, "attach perf_event on CPU " + std::to_string(cpu), err);
    }
    pfd.Release();  // the link closes it on destroy
    made.push_back(l);
  }
  Napi::Array ids = Napi::Array::New(env, made.size());
  links_.reserve(links_.size() + made.size());
  for (size_t i = 0; i < made.size(); i++) {
    links_.push_back(made[i]);
    ids.Set(uint32_t(i), double(links_.size() - 1));
  }
  return ids;
}

// attachUprobe(prog, pid, binaryPath, funcName, retprobe)
Napi::Value BpfObject::AttachUprobe(const Napi::CallbackInfo &info) {
  int pid = info[1].As<Napi::Number>().Int32Value();
  std::string path = info[2].As<Napi::String>(), func = info[3].As<Napi::String>();
  bool ret = info[4].ToBoolean();
  struct bpf_program *p = Program(info.Env(), info[0]);
  LIBBPF_OPTS(bpf_uprobe_opts, opts, .retprobe = ret, .func_name = func.c_str());
  return AddLink(info.Env(), bpf_program__attach_uprobe_opts(p, pid, path.c_str(), 0, &opts),
                 "attach uprobe " + path + ":" + func);
}

Napi::Value BpfObject::Detach(const Napi::CallbackInfo &info) {
  uint32_t id = info[0].As<Napi::Number>().Uint32Value();
  if (id < links_.size() && links_[id]) {
    bpf_link__destroy(links_[id]);
    links_[id] = nullptr;
  }
  return info.Env().Undefined();
}

// run(prog) -> the program's return value: one run now, on this CPU, with no context (BPF_PROG_TEST_RUN)
// -- for a loaded program that is never attached, called on demand (tcp.bpf.c's tcp_sweep).
Napi::Value BpfObject::Run(const Napi::CallbackInfo &info) {
  struct bpf_program *p = Program(info.Env(), info[0]);
  LIBBPF_OPTS(bpf_test_run_opts, opts);
  int err = bpf_prog_test_run_opts(bpf_program__fd(p), &opts);
  if (err) Throw(info.Env(), std::string("run ") + bpf_program__name(p), errno);
  return Napi::Number::New(info.Env(), double(opts.retval));
}

// progInfo(prog) -> {id, runTimeNs, runCount, recursionMisses}; run time needs kernel.bpf_stats_enabled.
Napi::Value BpfObject::ProgInfo(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  struct bpf_program *p = Program(env, info[0]);
  struct bpf_prog_info pi;
  memset(&pi, 0, sizeof(pi));
  __u32 len = sizeof(pi);
  int fd = bpf_program__fd(p);
  if (fd < 0) Throw(env, "program is not loaded", EINVAL);
  int err = bpf_obj_get_info_by_fd(fd, &pi, &len);
  if (err) Throw(env, "bpf_obj_get_info_by_fd", errno);
  Napi::Object o = Napi::Object::New(env);
  o.Set("id", pi.id);
  o.Set("runTimeNs", double(pi.run_time_ns));
  o.Set("runCount", double(pi.run_cnt));
  o.Set("recursionMisses", double(pi.recursion_misses));
  return o;
}

Napi::Value BpfObject::MapFd(const Napi::CallbackInfo &info) {
  int fd = bpf_map__fd(Map(info.Env(), info[0]));
  if (fd < 0) Throw(info.Env(), "map is not created (load first)", EINVAL);
  return Napi::Number::New(info.Env(), fd);
}

// lookup(map, key) -> Buffer | null. Per-CPU maps give one 8-byte-aligned slot per possible CPU.
Napi::Value BpfObject::Lookup(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  struct bpf_map *m = Map(env, info[0]);
  auto key = info[1].As<Napi::Buffer<uint8_t>>();
  if (key.Length() != bpf_map__key_size(m)) Throw(env, "key size mismatch", EINVAL);
  size_t vsize = ValueBytes(m);
  auto out = Napi::Buffer<uint8_t>::New(env, vsize);
  int err = bpf_map_lookup_elem(bpf_map__fd(m), key.Data(), out.Data());
  if (err) {
    if (errno == ENOENT) return env.Null();
    Throw(env, std::string("lookup in ") + bpf_map__name(m), errno);
  }
  return out;
}

Napi::Value BpfObject::Update(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  struct bpf_map *m = Map(env, info[0]);
  auto key = info[1].As<Napi::Buffer<uint8_t>>();
  auto value = info[2].As<Napi::Buffer<uint8_t>>();
  if (key.Length() != bpf_map__key_size(m) || value.Length() != ValueBytes(m))
    Throw(env, "key or value size mismatch", EINVAL);
  if (bpf_map_update_elem(bpf_map__fd(m), key.Data(), value.Data(), BPF_ANY))
    Throw(env, std::string("update ") + bpf_map__name(m), errno);
  return env.Undefined();
}

Napi::Value BpfObject::Close(const Napi::CallbackInfo &info) {
  CloseAll();
  return info.Env().Undefined();
}

}  // namespace monitor
