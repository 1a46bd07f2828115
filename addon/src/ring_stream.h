// Drains one BPF ring buffer on its own thread and hands JS whole batches: one callback per batch,
// a Buffer of packed records ([u32 len][u32 0][data][pad to 8]), never one JS object per event.
//
// Batches live in a fixed set of slots made once: a batch is only valid during the onBatch call,
// and streaming allocates nothing per record. When JS holds every slot, or JS paused the stream,
// the drain thread stops reading: records stay in the kernel ring (sized for bursts), and if it
// fills the BPF side counts the loss. Stopping is two-phase so nothing in flight is lost: drain()
// reads the ring empty (JS keeps freeing slots meanwhile) and reports back through onDrained;
// stop() then ends the thread. A paused stream drains only once resumed; stop(true) skips the
// drain for a forced exit.
//
// Lifetime: everything the drain thread touches is a RingCore, owned jointly (shared_ptr) by the
// JS wrapper, the thread, the thread-safe function's finalizer, pending deliveries and the slot
// Buffers handed to JS. Every JS-thread teardown path (stop, the wrapper's finalizer, the TSFN
// finalizer, the environment cleanup hook of a closing worker or process) stops and joins the
// thread first, so it never outlives the TSFN it calls or the environment it reports to.
#pragma once
#include <napi.h>
#include <bpf/libbpf.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "fd.h"

namespace monitor {

struct RingCore;
struct RingJs;
struct RingDelivery;

void RingCallJs(Napi::Env env, Napi::Function on_batch, RingJs *js, RingDelivery *d);
using RingTsfn = Napi::TypedThreadSafeFunction<RingJs, RingDelivery, RingCallJs>;

// Stops and joins every live drain thread of an environment when it shuts down.
void RegisterRingCleanup(Napi::Env env);

class RingStream : public Napi::ObjectWrap<RingStream> {
 public:
  static Napi::Function Init(Napi::Env env);
  explicit RingStream(const Napi::CallbackInfo &info);
  ~RingStream() override;

 private:
  Napi::Value Drain(const Napi::CallbackInfo &info);
  Napi::Value Stop(const Napi::CallbackInfo &info);
  Napi::Value Pause(const Napi::CallbackInfo &info);
  Napi::Value Resume(const Napi::CallbackInfo &info);
  Napi::Value Stats(const Napi::CallbackInfo &info);

  std::shared_ptr<RingCore> core_;
  bool released_ = false;
};

}  // namespace monitor
