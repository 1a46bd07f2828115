// Drains one BPF ring buffer on its own thread and hands JS whole batches: one callback per batch,
// a Buffer of packed records ([u32 len][u32 0][data][pad to 8]), never one JS object per event.
#pragma once
#include <napi.h>
#include <bpf/libbpf.h>

#include <atomic>
#include <cstdint>
#include <thread>

namespace monitor {

class RingStream : public Napi::ObjectWrap<RingStream> {
 public:
  static Napi::Function Init(Napi::Env env);
  explicit RingStream(const Napi::CallbackInfo &info);
  ~RingStream() override;

 private:
  struct Batch {
    uint8_t *data;
    size_t len;
    uint32_t count;
  };

  static int OnRecord(void *ctx, void *data, size_t size);
  static void DeliverBatch(Napi::Env env, Napi::Function callback, Batch *batch);
  // Counters and the end callback live apart from the wrapper: the TSFN finalizer that reports
  // them may run after the wrapper was collected.
  struct Shared {
    std::atomic<uint64_t> records{0};
    std::atomic<uint64_t> batches{0};
    std::atomic<uint64_t> queue_drop_records{0};
    std::atomic<uint64_t> queue_drop_batches{0};
    std::atomic<uint64_t> thread_cpu_ns{0};
    std::atomic<int> error{0};
    Napi::FunctionReference on_end;
    Napi::Object ToObject(Napi::Env env) const;
  };
  static void Finished(Napi::Env env, void *, Shared *shared);
  void Run();
  void Flush();
  void StopThread();
  Napi::Value Stop(const Napi::CallbackInfo &info);
  Napi::Value Stats(const Napi::CallbackInfo &info);

  struct ring_buffer *rb_ = nullptr;
  int map_fd_ = -1;
  int stop_fd_ = -1;
  int outer_epoll_ = -1;
  std::thread thread_;
  std::atomic<bool> stopping_{false};
  bool thread_running_ = false;
  Napi::ThreadSafeFunction tsfn_;
  bool tsfn_released_ = false;
  Shared *shared_;

  size_t batch_bytes_;
  int flush_ms_;
  uint8_t *batch_ = nullptr;
  size_t batch_len_ = 0;
  uint32_t batch_count_ = 0;
  uint64_t batch_started_ns_ = 0;
};

}  // namespace monitor
