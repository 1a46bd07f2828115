// Drains one BPF ring buffer on its own thread and hands JS whole batches: one callback per batch,
// a Buffer of packed records ([u32 len][u32 0][data][pad to 8]), never one JS object per event.
//
// Batches live in a fixed set of slots whose Buffers are made once: a batch is only valid during
// the onBatch call, and streaming allocates nothing per batch. (A fresh Buffer per batch was
// ~1 GB/s of new external memory at full rate: page faults on the drain thread and a major GC
// every ~80 ms on the JS side — bench/ringbuf/README.md.)
//
// When JS holds every slot, the drain thread stops reading and waits: records stay in the kernel
// ring (sized for bursts) instead of being dropped here. If the ring fills, the BPF side counts
// the loss. Stopping is two-phase so nothing in flight is lost: drain() reads the ring empty (JS
// keeps freeing slots meanwhile) and reports back through onDrained; stop() then ends the thread.
#pragma once
#include <napi.h>
#include <bpf/libbpf.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

namespace monitor {

class RingStream : public Napi::ObjectWrap<RingStream> {
 public:
  static Napi::Function Init(Napi::Env env);
  explicit RingStream(const Napi::CallbackInfo &info);
  ~RingStream() override;

 private:
  struct Slot {
    uint8_t *data = nullptr;  // backing store of the slot's Buffer (V8 keeps it in place)
    size_t len = 0;
    uint32_t count = 0;
  };

  // Counters, callbacks and the slots' Buffers live apart from the wrapper: the TSFN finalizer
  // that reports them may run after the wrapper was collected.
  struct Shared {
    std::atomic<uint64_t> records{0};
    std::atomic<uint64_t> batches{0};
    std::atomic<uint64_t> queue_drop_records{0};
    std::atomic<uint64_t> thread_cpu_ns{0};
    std::atomic<int> error{0};
    Napi::FunctionReference on_end;
    Napi::FunctionReference on_drained;
    std::vector<Slot> slots;
    std::vector<Napi::Reference<Napi::Buffer<uint8_t>>> buffers;
    std::mutex mu;  // guards free_slots and stopping
    std::condition_variable slot_freed;
    std::vector<int> free_slots;
    bool stopping = false;
    Napi::Object ToObject(Napi::Env env) const;
    void GiveSlot(int slot);
  };

  struct Delivery {
    Shared *shared;
    int slot;  // -1: the "drained" marker
  };

  static int OnRecord(void *ctx, void *data, size_t size);
  static void Deliver(Napi::Env env, Napi::Function on_batch, Delivery *delivery);
  static void Finished(Napi::Env env, void *, Shared *shared);
  void Run();
  int ConsumeReady();
  bool WaitForSlot();
  void Append(const void *data, size_t size);
  void Flush();
  void PostDrained();
  void StopThread();
  Napi::Value Drain(const Napi::CallbackInfo &info);
  Napi::Value Stop(const Napi::CallbackInfo &info);
  Napi::Value Stats(const Napi::CallbackInfo &info);

  struct ring_buffer *rb_ = nullptr;
  int map_fd_ = -1;
  int wake_fd_ = -1;  // eventfd: drain() and stop() wake the thread
  int outer_epoll_ = -1;
  std::thread thread_;
  bool thread_running_ = false;
  std::atomic<bool> thread_exited_{false};
  std::atomic<bool> drain_requested_{false};
  Napi::ThreadSafeFunction tsfn_;
  bool tsfn_released_ = false;
  Shared *shared_;

  // Drain-thread state.
  size_t batch_bytes_;
  int flush_ms_;
  int cur_ = -1;  // slot being filled; -1 while JS holds every slot
  size_t batch_len_ = 0;
  uint32_t batch_count_ = 0;
  uint64_t batch_started_ns_ = 0;
  uint64_t consumed_ = 0;             // records read from the ring (for the flush decision)
  std::vector<uint8_t> pending_;      // the record libbpf handed us when no slot was free
  size_t pending_len_ = 0;
  bool has_pending_ = false;
};

}  // namespace monitor
