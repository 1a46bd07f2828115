#include "ring_stream.h"

#include <pthread.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>

#include "errors.h"

namespace monitor {
namespace {

uint64_t NowNs(clockid_t clock) {
  timespec ts;
  clock_gettime(clock, &ts);
  return uint64_t(ts.tv_sec) * 1000000000ull + ts.tv_nsec;
}

constexpr size_t kRecordHeader = 8;
constexpr int kHold = -EBUSY;  // OnRecord: stop consuming (no free slot, or paused); the record is kept
constexpr int kStopping = -ECANCELED;

size_t Padded(size_t size) { return kRecordHeader + ((size + 7) & ~size_t(7)); }

struct RingBufferFree {
  void operator()(ring_buffer *rb) const { ring_buffer__free(rb); }
};

}  // namespace

struct RingSlot {
  std::unique_ptr<uint8_t[]> data;
  size_t len = 0;
  uint32_t count = 0;
};

enum class DeliveryKind { kBatch, kDrained, kError };

struct RingDelivery {
  std::shared_ptr<RingCore> core;
  DeliveryKind kind;
  int value;  // the slot of a batch, the errno of an error
};

// The JS-thread half: callbacks and the slots' Buffers. It is the TSFN's context and is deleted by
// the TSFN finalizer, on the JS thread, after the drain thread was joined.
struct RingJs {
  std::shared_ptr<RingCore> core;
  Napi::FunctionReference on_end, on_drained, on_error;
  std::vector<Napi::Reference<Napi::Buffer<uint8_t>>> buffers;
};

struct RingCore : std::enable_shared_from_this<RingCore> {
  // Set before the thread starts, then read-only.
  size_t batch_bytes = 0;
  int flush_ms = 50;
  bool fault_drain = false;  // test-only: fail with EIO after the first delivered batch
  UniqueFd map_fd, wake_fd, epoll_fd;
  std::unique_ptr<ring_buffer, RingBufferFree> rb;
  std::vector<RingSlot> slots;
  RingTsfn tsfn;

  std::atomic<uint64_t> records{0}, batches{0}, queue_drop_records{0}, thread_cpu_ns{0};
  std::atomic<int> error{0};
  std::atomic<bool> paused{false};
  std::atomic<bool> drain_requested{false};
  std::atomic<bool> thread_exited{false};

  std::mutex mu;               // guards free_slots, stopping, abandon
  std::condition_variable cv;  // a slot came back, the stream resumed, or stop began
  std::vector<int> free_slots;
  bool stopping = false;
  bool abandon = false;

  // JS thread only.
  std::thread thread;
  bool joined = false;
  bool tsfn_finalized = false;

  // Drain thread only.
  int cur = -1;  // slot being filled; -1 while none is held
  size_t batch_len = 0;
  uint32_t batch_count = 0;
  uint64_t batch_started_ns = 0;
  uint64_t consumed = 0;
  std::vector<uint8_t> pending;  // a record libbpf already consumed that could not be placed yet
  size_t pending_len = 0;
  bool has_pending = false;

  ~RingCore() {
    // Every JS-side owner joins before letting go, so this only guards against misuse.
    if (thread.joinable()) thread.detach();
  }

  void Start();
  void StopAndJoin(bool abandon_ring);
  void Wake() {
    uint64_t one = 1;
    if (wake_fd.Valid()) (void)!write(wake_fd.Get(), &one, sizeof(one));
  }
  void GiveSlot(int slot) {
    {
      std::lock_guard<std::mutex> lock(mu);
      free_slots.push_back(slot);
    }
    cv.notify_all();
  }
  bool Post(DeliveryKind kind, int value) {
    auto *d = new RingDelivery{shared_from_this(), kind, value};
    if (tsfn.NonBlockingCall(d) == napi_ok) return true;
    delete d;  // the TSFN is closing: nobody is left to tell
    return false;
  }

  static int OnRecord(void *ctx, void *data, size_t size);
  int Hold(const void *data, size_t size) {
    memcpy(pending.data(), data, size);
    pending_len = size;
    has_pending = true;
    return kHold;
  }
  bool WaitForSlot();
  bool PlacePending();
  void Append(const void *data, size_t size);
  void Flush();
  int ConsumeReady();
  void Fail(int err) {
    error = err;
    Post(DeliveryKind::kError, err);
  }
  void Run();
  void Finish();
};

// Takes a free slot, waiting for JS to return one; false once stop() began.
bool RingCore::WaitForSlot() {
  std::unique_lock<std::mutex> lock(mu);
  cv.wait(lock, [this] { return !free_slots.empty() || stopping; });
  if (free_slots.empty()) return false;
  cur = free_slots.back();  // the most recently returned: likeliest still in cache
  free_slots.pop_back();
  return true;
}

bool RingCore::PlacePending() {
  if (!has_pending) return true;
  if (cur >= 0 && batch_len + Padded(pending_len) > batch_bytes) Flush();
  if (cur < 0 && !WaitForSlot()) return false;
  has_pending = false;
  Append(pending.data(), pending_len);
  return true;
}

void RingCore::Append(const void *data, size_t size) {
  uint8_t *p = slots[cur].data.get() + batch_len;
  uint32_t hdr[2] = {uint32_t(size), 0};
  memcpy(p, hdr, sizeof(hdr));
  memcpy(p + kRecordHeader, data, size);
  if (batch_count == 0) batch_started_ns = NowNs(CLOCK_MONOTONIC);
  batch_len += Padded(size);
  batch_count++;
}

int RingCore::OnRecord(void *ctx, void *data, size_t size) {
  auto *c = static_cast<RingCore *>(ctx);
  c->consumed++;
  size_t need = Padded(size);
  if (need > c->batch_bytes) {  // cannot happen: batchBytes is checked against record sizes in TS
    c->queue_drop_records.fetch_add(1, std::memory_order_relaxed);
    return 0;
  }
  // Checked per record: a record written after pause() returned is never delivered before resume().
  if (c->paused.load()) return c->Hold(data, size);
  if (c->cur >= 0 && c->batch_len + need > c->batch_bytes) c->Flush();
  if (c->cur < 0) {
    std::unique_lock<std::mutex> lock(c->mu);
    if (!c->free_slots.empty()) {
      c->cur = c->free_slots.back();
      c->free_slots.pop_back();
    } else if (!c->stopping) {
      lock.unlock();
      return c->Hold(data, size);  // stop reading; wait for a slot
    }
  }
  if (c->cur < 0) {  // stopping with JS still holding every slot: drop and count
    c->queue_drop_records.fetch_add(1, std::memory_order_relaxed);
    return 0;
  }
  c->Append(data, size);
  return 0;
}

void RingCore::Flush() {
  if (batch_count == 0) return;
  RingSlot &slot = slots[cur];
  slot.len = batch_len;
  slot.count = batch_count;
  if (Post(DeliveryKind::kBatch, cur)) {
    records.fetch_add(batch_count, std::memory_order_relaxed);
    batches.fetch_add(1, std::memory_order_relaxed);
    cur = -1;
  } else {  // the TSFN is closing: keep the slot, count the batch as dropped
    queue_drop_records.fetch_add(batch_count, std::memory_order_relaxed);
  }
  batch_len = 0;
  batch_count = 0;
}

// Reads everything the ring holds, waiting for slots while JS holds them all.
int RingCore::ConsumeReady() {
  for (;;) {
    if (paused.load()) return 0;
    if (cur < 0 && !WaitForSlot()) return kStopping;
    if (!PlacePending()) return kStopping;
    int got = ring_buffer__consume(rb.get());
    if (got == kHold) continue;
    return got < 0 && got != -EINTR ? got : 0;
  }
}

void RingCore::Run() {
  epoll_event events[2];
  const uint64_t flush_ns = uint64_t(flush_ms) * 1000000ull;
  for (;;) {
    if (paused.load()) {
      std::unique_lock<std::mutex> lock(mu);
      cv.wait(lock, [this] { return !paused.load() || stopping; });
    }
    {
      std::lock_guard<std::mutex> lock(mu);
      if (stopping) break;
    }
    // Records written with BPF_RB_NO_WAKEUP only surface on a timeout, so idle waits are as short
    // as the flush deadline: that bounds delivery latency at about two flush periods.
    int timeout = flush_ms > 0 ? flush_ms : 1;
    if (batch_count) {
      uint64_t age = NowNs(CLOCK_MONOTONIC) - batch_started_ns;
      timeout = age >= flush_ns ? 0 : int((flush_ns - age) / 1000000ull) + 1;
    }
    int n = epoll_wait(epoll_fd.Get(), events, 2, timeout);
    if (n < 0 && errno != EINTR) {
      Fail(errno);
      break;
    }
    for (int i = 0; i < n; i++) {
      uint64_t v;
      if (events[i].data.u32 == 1) (void)!read(wake_fd.Get(), &v, sizeof(v));
    }
    consumed = 0;
    int err = ConsumeReady();
    if (err == kStopping) break;
    if (err < 0) {
      Fail(-err);
      break;
    }
    if (paused.load()) continue;  // the partial batch waits for resume()
    if (batch_count && (NowNs(CLOCK_MONOTONIC) - batch_started_ns >= flush_ns || consumed == 0)) Flush();
    if (drain_requested.exchange(false)) {
      Flush();
      Post(DeliveryKind::kDrained, 0);
    }
    if (fault_drain && batches.load() > 0) {
      Fail(EIO);
      break;
    }
  }
  Finish();
}

// After stop: a last read without waiting (JS is blocked in stop); what finds no slot is counted.
// An abandoned stream (forced exit) or a failed one reads nothing more.
void RingCore::Finish() {
  bool abandoned;
  {
    std::lock_guard<std::mutex> lock(mu);
    abandoned = abandon;
  }
  paused = false;
  if (has_pending) {
    if (cur < 0) {
      std::lock_guard<std::mutex> lock(mu);
      if (!free_slots.empty()) {
        cur = free_slots.back();
        free_slots.pop_back();
      }
    }
    if (cur >= 0 && batch_len + Padded(pending_len) > batch_bytes) Flush();
    if (cur >= 0) Append(pending.data(), pending_len);
    else queue_drop_records.fetch_add(1, std::memory_order_relaxed);
    has_pending = false;
  }
  if (!abandoned && error.load() == 0) ring_buffer__consume(rb.get());
  Flush();
  if (cur >= 0) GiveSlot(cur);
  cur = -1;
  thread_cpu_ns = NowNs(CLOCK_THREAD_CPUTIME_ID);
  thread_exited = true;  // before the check below: see RingStream::Drain
  if (drain_requested.exchange(false)) Post(DeliveryKind::kDrained, 0);
}

// The drain thread starts with every signal blocked (set here, inherited at creation, so there is
// no window): SIGINT and SIGTERM always reach the main thread, whose handlers stop tracing cleanly.
void RingCore::Start() {
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  try {
    thread = std::thread([self = shared_from_this()] { self->Run(); });
    pthread_setname_np(thread.native_handle(), "monitor-ring");  // findable in /proc/<pid>/task/*/comm
  } catch (...) {
    pthread_sigmask(SIG_SETMASK, &old, nullptr);
    throw;
  }
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
}

void RingCore::StopAndJoin(bool abandon_ring) {
  if (joined) return;
  {
    std::lock_guard<std::mutex> lock(mu);
    stopping = true;
    if (abandon_ring) abandon = true;
  }
  cv.notify_all();
  Wake();
  if (thread.joinable()) thread.join();
  joined = true;
  rb.reset();
  map_fd.Reset();
  wake_fd.Reset();
  epoll_fd.Reset();
}

namespace {

// Plain Node-API calls (no C++ exceptions): the finalizer may run while the environment shuts
// down, when calling into JS fails, and that must be a status, never a throw.
napi_value StatsObject(napi_env env, const RingCore &c) {
  napi_value o = nullptr, v;
  if (napi_create_object(env, &o) != napi_ok) return nullptr;
  auto set = [&](const char *k, double x) {
    if (napi_create_double(env, x, &v) == napi_ok) napi_set_named_property(env, o, k, v);
  };
  set("records", double(c.records.load()));
  set("batches", double(c.batches.load()));
  set("queueDropRecords", double(c.queue_drop_records.load()));
  set("threadCpuNs", double(c.thread_cpu_ns.load()));
  return o;
}

// Runs on the JS thread once the TSFN is released and every queued batch was delivered, or when
// the environment closes it.
void Finished(Napi::Env env, void *, RingJs *js) {
  std::shared_ptr<RingCore> core = js->core;
  core->StopAndJoin(true);  // a no-op after stop(); at environment teardown, the thread ends here
  core->tsfn_finalized = true;
  napi_env e = env;
  if (e != nullptr && !js->on_end.IsEmpty()) {
    napi_handle_scope scope;
    if (napi_open_handle_scope(e, &scope) == napi_ok) {
      napi_value args[2], undefined, result;
      args[0] = StatsObject(e, *core);
      if (args[0] && napi_create_int32(e, core->error.load(), &args[1]) == napi_ok &&
          napi_get_undefined(e, &undefined) == napi_ok)
        napi_call_function(e, undefined, js->on_end.Value(), 2, args, &result);
      napi_close_handle_scope(e, scope);
    }
  }
  delete js;
}

struct RingRegistry {
  std::vector<std::weak_ptr<RingCore>> cores;
};

void CleanupRings(RingRegistry *registry) {
  for (auto &weak : registry->cores)
    if (auto core = weak.lock()) core->StopAndJoin(true);
  registry->cores.clear();
}

void Track(Napi::Env env, const std::shared_ptr<RingCore> &core) {
  auto *registry = env.GetInstanceData<RingRegistry>();
  if (!registry) return;
  auto &v = registry->cores;
  v.erase(std::remove_if(v.begin(), v.end(), [](const std::weak_ptr<RingCore> &w) { return w.expired(); }), v.end());
  v.push_back(core);
}

}  // namespace

void RegisterRingCleanup(Napi::Env env) {
  auto *registry = new RingRegistry();
  env.SetInstanceData<RingRegistry>(registry);  // deleted with the environment, after the hook
  env.AddCleanupHook(CleanupRings, registry);
}

// Called on the JS thread for each delivery; env is null when the TSFN is torn down with
// deliveries still queued (then `js` may already be gone: touch only the core).
void RingCallJs(Napi::Env env, Napi::Function on_batch, RingJs *js, RingDelivery *d) {
  std::unique_ptr<RingDelivery> own(d);
  RingCore &core = *d->core;
  if (static_cast<napi_env>(env) == nullptr) {
    if (d->kind == DeliveryKind::kBatch) core.GiveSlot(d->value);
    return;
  }
  switch (d->kind) {
    case DeliveryKind::kBatch: {
      struct GiveBack {
        RingCore &core;
        int slot;
        ~GiveBack() { core.GiveSlot(slot); }
      } give{core, d->value};
      const RingSlot &s = core.slots[d->value];
      on_batch.Call({js->buffers[d->value].Value(), Napi::Number::New(env, double(s.len)),
                     Napi::Number::New(env, s.count)});
      return;
    }
    case DeliveryKind::kDrained:
      js->on_drained.Call({});
      return;
    case DeliveryKind::kError:
      js->on_error.Call({Napi::Number::New(env, d->value)});
      return;
  }
}

Napi::Function RingStream::Init(Napi::Env env) {
  return DefineClass(env, "RingStream",
                     {InstanceMethod<&RingStream::Drain>("drain"), InstanceMethod<&RingStream::Stop>("stop"),
                      InstanceMethod<&RingStream::Pause>("pause"), InstanceMethod<&RingStream::Resume>("resume"),
                      InstanceMethod<&RingStream::Stats>("stats")});
}

// new RingStream(mapFd, onBatch(buf, byteLength, count), onEnd(stats, errno), onDrained(),
//                onError(errno), {batchBytes, flushMs, queueDepth, fault?})
RingStream::RingStream(const Napi::CallbackInfo &info) : Napi::ObjectWrap<RingStream>(info) {
  Napi::Env env = info.Env();
  int fd = info[0].As<Napi::Number>().Int32Value();
  Napi::Function on_batch = info[1].As<Napi::Function>();
  Napi::Object opts = info[5].As<Napi::Object>();
  auto core = std::make_shared<RingCore>();
  core->batch_bytes = opts.Get("batchBytes").As<Napi::Number>().Int64Value();
  core->flush_ms = opts.Get("flushMs").As<Napi::Number>().Int32Value();
  core->fault_drain = opts.Has("fault") && opts.Get("fault").IsString() &&
                      opts.Get("fault").As<Napi::String>().Utf8Value() == "drain";
  // Slots: one being filled, the rest queued for or being read by JS.
  int nslots = opts.Get("queueDepth").As<Napi::Number>().Int32Value() + 1;

  // Each resource is owned by the core as soon as it exists: a throw below closes everything.
  core->map_fd.Reset(dup(fd));  // the ring outlives a closed BpfObject until we stop
  if (!core->map_fd.Valid()) Throw(env, "dup ring buffer fd", errno);
  core->wake_fd.Reset(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!core->wake_fd.Valid()) Throw(env, "eventfd", errno);
  core->epoll_fd.Reset(epoll_create1(EPOLL_CLOEXEC));
  if (!core->epoll_fd.Valid()) Throw(env, "epoll_create1", errno);
  core->rb.reset(ring_buffer__new(core->map_fd.Get(), RingCore::OnRecord, core.get(), nullptr));
  if (!core->rb) Throw(env, "ring_buffer__new", errno);
  epoll_event ev{};
  // The ring's own fd, edge-triggered, rather than libbpf's level-triggered epoll: a ring fd polls
  // readable whenever any byte waits, so level-triggered waiting returns at once while a producer
  // is active and the thread spins on epoll_wait a few records at a time, defeating the batched
  // wakeups of common.bpf.h. Edge-triggered, it sleeps until the kernel actually wakes the ring
  // (a FORCE_WAKEUP, or a record landing in an empty ring) or the timeout; every wake drains all.
  ev.events = EPOLLIN | EPOLLET;
  ev.data.u32 = 0;
  if (epoll_ctl(core->epoll_fd.Get(), EPOLL_CTL_ADD, core->map_fd.Get(), &ev) != 0)
    Throw(env, "epoll_ctl ring buffer fd", errno);
  ev.events = EPOLLIN;
  ev.data.u32 = 1;
  if (epoll_ctl(core->epoll_fd.Get(), EPOLL_CTL_ADD, core->wake_fd.Get(), &ev) != 0)
    Throw(env, "epoll_ctl eventfd", errno);

  auto js = std::make_unique<RingJs>();
  js->core = core;
  js->on_end = Napi::Persistent(info[2].As<Napi::Function>());
  js->on_drained = Napi::Persistent(info[3].As<Napi::Function>());
  js->on_error = Napi::Persistent(info[4].As<Napi::Function>());
  core->slots.resize(nslots);
  for (int i = 0; i < nslots; i++) {
    core->slots[i].data.reset(new uint8_t[core->batch_bytes]);
    // The Buffer JS sees is the slot's memory itself; it holds the core, so the memory outlives
    // any Buffer a careless callback kept.
    auto hold = std::make_unique<std::shared_ptr<RingCore>>(core);
    auto buf = Napi::Buffer<uint8_t>::New(
        env, core->slots[i].data.get(), core->batch_bytes,
        [](Napi::Env, uint8_t *, std::shared_ptr<RingCore> *h) { delete h; }, hold.get());
    hold.release();
    js->buffers.push_back(Napi::Persistent(buf));
    core->free_slots.push_back(nslots - 1 - i);
  }
  core->pending.resize(core->batch_bytes);
  core->tsfn = RingTsfn::New(env, on_batch, "monitor-ring", 0, 1, js.get(), Finished, static_cast<void *>(nullptr));
  js.release();  // the TSFN's finalizer owns it now
  core_ = core;
  try {
    core->Start();
  } catch (const std::exception &e) {
    released_ = true;
    core->tsfn.Abort();
    Throw(env, std::string("start the drain thread: ") + e.what(), EAGAIN);
  }
  Track(env, core);
}

RingStream::~RingStream() {
  if (!core_) return;
  core_->StopAndJoin(true);
  if (!released_ && !core_->tsfn_finalized) core_->tsfn.Abort();
}

// drain() -> true if onDrained will be called once everything now in the ring reached onBatch
// (for a paused stream: after resume()).
Napi::Value RingStream::Drain(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (core_->joined) return Napi::Boolean::New(env, false);
  core_->drain_requested = true;
  // If the thread has exited, it posts the marker only if it saw the request; take it back if not.
  if (core_->thread_exited && core_->drain_requested.exchange(false)) return Napi::Boolean::New(env, false);
  core_->Wake();
  return Napi::Boolean::New(env, true);
}

// stop(abandon) ends the drain thread after a last read (none if abandon); onEnd runs once every
// queued batch reached JS.
Napi::Value RingStream::Stop(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (released_) return env.Undefined();
  core_->StopAndJoin(info[0].ToBoolean());
  released_ = true;
  if (!core_->tsfn_finalized) core_->tsfn.Release();
  return env.Undefined();
}

Napi::Value RingStream::Pause(const Napi::CallbackInfo &info) {
  core_->paused = true;
  return info.Env().Undefined();
}

Napi::Value RingStream::Resume(const Napi::CallbackInfo &info) {
  {
    std::lock_guard<std::mutex> lock(core_->mu);
    core_->paused = false;
  }
  core_->cv.notify_all();
  core_->Wake();
  return info.Env().Undefined();
}

Napi::Value RingStream::Stats(const Napi::CallbackInfo &info) {
  if (released_) return info.Env().Null();  // final figures were handed to onEnd
  return Napi::Value(info.Env(), StatsObject(info.Env(), *core_));
}

}  // namespace monitor
