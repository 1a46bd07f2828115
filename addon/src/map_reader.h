// Reads one BPF map for JS into buffers made once per reader: batch lookup (and lookup-and-delete)
// where the kernel has it, key iteration where it does not. Per-CPU values are summed here as u64
// lanes, so JS always receives value_size bytes per entry whatever the CPU count.
#pragma once
#include <napi.h>

#include <cstdint>
#include <vector>

#include "fd.h"

namespace monitor {

class MapReader : public Napi::ObjectWrap<MapReader> {
 public:
  static Napi::Function Init(Napi::Env env);
  explicit MapReader(const Napi::CallbackInfo &info);

 private:
  Napi::Value Buffers(const Napi::CallbackInfo &info);
  Napi::Value Read(const Napi::CallbackInfo &info);
  Napi::Value Lookup(const Napi::CallbackInfo &info);
  Napi::Value Update(const Napi::CallbackInfo &info);
  Napi::Value Delete(const Napi::CallbackInfo &info);
  Napi::Value Close(const Napi::CallbackInfo &info);
  Napi::Value Info(const Napi::CallbackInfo &info);

  void RequireOpen(Napi::Env env);
  void AllocateOutput(Napi::Env env);
  void Sum(const uint8_t *raw, uint8_t *out, uint32_t count) const;
  uint32_t ReadBatch(Napi::Env env, bool del, bool *unsupported);
  uint32_t ReadIterating(Napi::Env env, bool del);

  UniqueFd fd_;
  std::string name_;
  uint32_t type_;
  uint32_t key_size_, value_size_, max_entries_;
  bool per_cpu_, is_array_, iterate_;
  uint32_t cpus_;
  size_t stride_;   // bytes one CPU's copy of a per-CPU value takes (value size rounded up to 8)
  uint32_t chunk_;  // entries per batch call (bounds the per-CPU scratch)
  bool batch_unsupported_ = false;
  std::vector<uint8_t> raw_;    // per-CPU values as the kernel returns them, one chunk at a time
  std::vector<uint8_t> token_;  // batch position
  std::vector<uint8_t> key_a_, key_b_;
  uint8_t *keys_ = nullptr, *values_ = nullptr;  // backing stores of the Buffers below
  Napi::Reference<Napi::Buffer<uint8_t>> keys_ref_, values_ref_;
};

}  // namespace monitor
