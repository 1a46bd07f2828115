#include "map_reader.h"

#include <bpf/bpf.h>
#include <linux/bpf.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "errors.h"

namespace monitor {
namespace {

constexpr int kENOTSUPP = 524;  // the kernel's internal "no such operation" leaks out of bpf()
// Per-CPU scratch is capped near this many bytes; a hash bucket larger than the chunk grows it.
constexpr size_t kScratchBytes = 4 << 20;

bool IsPerCpu(uint32_t t) {
  return t == BPF_MAP_TYPE_PERCPU_ARRAY || t == BPF_MAP_TYPE_PERCPU_HASH || t == BPF_MAP_TYPE_LRU_PERCPU_HASH ||
         t == BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE;
}

uint32_t U32(const Napi::Object &o, const char *k) { return o.Get(k).As<Napi::Number>().Uint32Value(); }

}  // namespace

Napi::Function MapReader::Init(Napi::Env env) {
  return DefineClass(env, "MapReader",
                     {InstanceMethod<&MapReader::Buffers>("buffers"), InstanceMethod<&MapReader::Read>("read"),
                      InstanceMethod<&MapReader::Lookup>("lookup"), InstanceMethod<&MapReader::Update>("update"),
                      InstanceMethod<&MapReader::Delete>("delete"), InstanceMethod<&MapReader::Close>("close"),
                      InstanceMethod<&MapReader::Info>("info")});
}

// new MapReader(fd, {name, type, keySize, valueSize, maxEntries, cpus, iterate?})
// The fd is duplicated: the reader stays valid (and can never hit a recycled fd number) whatever
// happens to the object that created the map.
MapReader::MapReader(const Napi::CallbackInfo &info) : Napi::ObjectWrap<MapReader>(info) {
  Napi::Env env = info.Env();
  int fd = info[0].As<Napi::Number>().Int32Value();
  Napi::Object o = info[1].As<Napi::Object>();
  name_ = o.Get("name").As<Napi::String>();
  type_ = U32(o, "type");
  key_size_ = U32(o, "keySize");
  value_size_ = U32(o, "valueSize");
  max_entries_ = U32(o, "maxEntries");
  cpus_ = std::max(1u, U32(o, "cpus"));
  iterate_ = o.Has("iterate") && o.Get("iterate").ToBoolean();
  per_cpu_ = IsPerCpu(type_);
  is_array_ = type_ == BPF_MAP_TYPE_ARRAY || type_ == BPF_MAP_TYPE_PERCPU_ARRAY;
  if (per_cpu_ && value_size_ % 8)
    Throw(env, "per-CPU map " + name_ + " has a value size that is not a multiple of 8", EINVAL);
  if (key_size_ == 0 || max_entries_ == 0) Throw(env, "map " + name_ + " has no keys to read", EINVAL);
  stride_ = (size_t(value_size_) + 7) & ~size_t(7);
  size_t per_entry = per_cpu_ ? stride_ * cpus_ : 0;
  chunk_ = per_cpu_ ? uint32_t(std::max<size_t>(kScratchBytes / per_entry, 16)) : max_entries_;
  chunk_ = std::min(chunk_, max_entries_);
  fd_.Reset(dup(fd));
  if (!fd_.Valid()) Throw(env, "dup map fd", errno);
  if (per_cpu_) raw_.resize(per_entry * chunk_);
  token_.resize(std::max<size_t>(key_size_, 8));
  key_a_.resize(key_size_);
  key_b_.resize(key_size_);
}

void MapReader::RequireOpen(Napi::Env env) {
  if (!fd_.Valid()) Throw(env, "map reader for " + name_ + " is closed", EBADF);
}

// Output buffers are made on the first read, once: a reader used only for lookups never pays
// max_entries × value_size.
void MapReader::AllocateOutput(Napi::Env env) {
  if (keys_) return;
  auto keys = Napi::Buffer<uint8_t>::New(env, size_t(max_entries_) * key_size_);
  auto values = Napi::Buffer<uint8_t>::New(env, std::max<size_t>(1, size_t(max_entries_) * value_size_));
  keys_ = keys.Data();
  values_ = values.Data();
  keys_ref_ = Napi::Persistent(keys);
  values_ref_ = Napi::Persistent(values);
}

// buffers() -> {keys, values}: the same two Buffers for the reader's whole life.
Napi::Value MapReader::Buffers(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  AllocateOutput(env);
  Napi::Object o = Napi::Object::New(env);
  o.Set("keys", keys_ref_.Value());
  o.Set("values", values_ref_.Value());
  return o;
}

Napi::Value MapReader::Info(const Napi::CallbackInfo &info) {
  Napi::Object o = Napi::Object::New(info.Env());
  o.Set("chunk", chunk_);
  o.Set("batch", !iterate_ && !batch_unsupported_);
  return o;
}

// Sums `count` per-CPU values (cpus_ copies of stride_ bytes each) into value_size_ bytes each.
void MapReader::Sum(const uint8_t *raw, uint8_t *out, uint32_t count) const {
  size_t lanes = value_size_ / 8;
  for (uint32_t i = 0; i < count; i++) {
    const uint8_t *entry = raw + size_t(i) * stride_ * cpus_;
    for (size_t lane = 0; lane < lanes; lane++) {
      uint64_t sum = 0;
      for (uint32_t c = 0; c < cpus_; c++) {
        uint64_t v;
        memcpy(&v, entry + c * stride_ + lane * 8, 8);
        sum += v;
      }
      memcpy(out + size_t(i) * value_size_ + lane * 8, &sum, 8);
    }
  }
}

uint32_t MapReader::ReadBatch(Napi::Env env, bool del, bool *unsupported) {
  uint32_t total = 0;
  bool first = true;
  while (total < max_entries_) {
    __u32 count = std::min(chunk_, max_entries_ - total);
    uint8_t *keys = keys_ + size_t(total) * key_size_;
    uint8_t *vals = per_cpu_ ? raw_.data() : values_ + size_t(total) * value_size_;
    LIBBPF_OPTS(bpf_map_batch_opts, opts);
    void *in = first ? nullptr : token_.data();
    int err = del ? bpf_map_lookup_and_delete_batch(fd_.Get(), in, token_.data(), keys, vals, &count, &opts)
                  : bpf_map_lookup_batch(fd_.Get(), in, token_.data(), keys, vals, &count, &opts);
    int e = err ? errno : 0;
    if (e == ENOSPC && count == 0) {
      // One hash bucket holds more entries than a chunk: grow the scratch (kept for later reads).
      if (chunk_ >= max_entries_) Throw(env, "batch lookup in " + name_, e);
      chunk_ = std::min(max_entries_, chunk_ * 2);
      if (per_cpu_) raw_.resize(stride_ * cpus_ * chunk_);
      continue;
    }
    if (e && e != ENOENT) {
      if (first && (e == EINVAL || e == EOPNOTSUPP || e == kENOTSUPP)) {
        *unsupported = true;
        return 0;
      }
      Throw(env, "batch lookup in " + name_, e);
    }
    if (per_cpu_) Sum(raw_.data(), values_ + size_t(total) * value_size_, count);
    total += count;
    first = false;
    if (e == ENOENT) break;
  }
  return total;
}

// For kernels (or map types) without batch ops. With delete, keys are removed after the walk: a
// hash walk restarts from the first key once the current key is gone.
uint32_t MapReader::ReadIterating(Napi::Env env, bool del) {
  uint32_t total = 0;
  const void *prev = nullptr;
  uint8_t *next = key_a_.data();
  uint8_t *scratch = per_cpu_ ? raw_.data() : nullptr;
  while (total < max_entries_) {
    if (bpf_map_get_next_key(fd_.Get(), prev, next) != 0) {
      if (errno != ENOENT) Throw(env, "iterate " + name_, errno);
      break;
    }
    uint8_t *out = per_cpu_ ? scratch : values_ + size_t(total) * value_size_;
    if (bpf_map_lookup_elem(fd_.Get(), next, out) == 0) {
      memcpy(keys_ + size_t(total) * key_size_, next, key_size_);
      if (per_cpu_) Sum(scratch, values_ + size_t(total) * value_size_, 1);
      total++;
    } else if (errno != ENOENT) {
      Throw(env, "lookup in " + name_, errno);
    }
    prev = next;
    next = next == key_a_.data() ? key_b_.data() : key_a_.data();
  }
  if (del)
    for (uint32_t i = 0; i < total; i++) bpf_map_delete_elem(fd_.Get(), keys_ + size_t(i) * key_size_);
  return total;
}

// read(delete) -> entries now in buffers().keys / .values.
Napi::Value MapReader::Read(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  RequireOpen(env);
  bool del = info[0].ToBoolean();
  if (del && is_array_) Throw(env, "array map " + name_ + " cannot delete entries", EINVAL);
  AllocateOutput(env);
  uint32_t n = 0;
  if (!iterate_ && !batch_unsupported_) n = ReadBatch(env, del, &batch_unsupported_);
  if (iterate_ || batch_unsupported_) n = ReadIterating(env, del);
  return Napi::Number::New(env, n);
}

// lookup(key, out) -> found. `out` receives value_size bytes (per-CPU values summed).
Napi::Value MapReader::Lookup(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  RequireOpen(env);
  auto key = info[0].As<Napi::Buffer<uint8_t>>();
  auto out = info[1].As<Napi::Buffer<uint8_t>>();
  if (key.Length() != key_size_ || out.Length() < value_size_) Throw(env, "key or value size mismatch", EINVAL);
  uint8_t *dst = per_cpu_ ? raw_.data() : out.Data();
  if (bpf_map_lookup_elem(fd_.Get(), key.Data(), dst) != 0) {
    if (errno == ENOENT) return Napi::Boolean::New(env, false);
    Throw(env, "lookup in " + name_, errno);
  }
  if (per_cpu_) Sum(raw_.data(), out.Data(), 1);
  return Napi::Boolean::New(env, true);
}

// update(key, value, flags). Per-CPU maps take one value per possible CPU (stride × cpus bytes),
// or value_size bytes meaning "this on CPU 0, zero elsewhere".
Napi::Value MapReader::Update(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  RequireOpen(env);
  auto key = info[0].As<Napi::Buffer<uint8_t>>();
  auto value = info[1].As<Napi::Buffer<uint8_t>>();
  uint64_t flags = info[2].IsNumber() ? info[2].As<Napi::Number>().Int64Value() : uint64_t(BPF_ANY);
  if (key.Length() != key_size_) Throw(env, "key size mismatch", EINVAL);
  const uint8_t *src = value.Data();
  if (per_cpu_) {
    if (value.Length() == value_size_) {
      std::fill(raw_.begin(), raw_.begin() + stride_ * cpus_, 0);
      memcpy(raw_.data(), value.Data(), value_size_);
      src = raw_.data();
    } else if (value.Length() != stride_ * cpus_) {
      Throw(env, "value size mismatch", EINVAL);
    }
  } else if (value.Length() != value_size_) {
    Throw(env, "value size mismatch", EINVAL);
  }
  if (bpf_map_update_elem(fd_.Get(), key.Data(), src, flags)) Throw(env, "update " + name_, errno);
  return env.Undefined();
}

Napi::Value MapReader::Delete(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  RequireOpen(env);
  auto key = info[0].As<Napi::Buffer<uint8_t>>();
  if (key.Length() != key_size_) Throw(env, "key size mismatch", EINVAL);
  if (bpf_map_delete_elem(fd_.Get(), key.Data()) != 0) {
    if (errno == ENOENT) return Napi::Boolean::New(env, false);
    Throw(env, "delete in " + name_, errno);
  }
  return Napi::Boolean::New(env, true);
}

Napi::Value MapReader::Close(const Napi::CallbackInfo &info) {
  fd_.Reset();
  return info.Env().Undefined();
}

}  // namespace monitor
