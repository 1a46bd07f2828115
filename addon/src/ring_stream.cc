#include "ring_stream.h"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

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
constexpr int kNoSlot = -EBUSY;    // OnRecord: stop consuming, every slot is with JS
constexpr int kStopping = -ECANCELED;
}  // namespace

Napi::Function RingStream::Init(Napi::Env env) {
  return DefineClass(env, "RingStream",
                     {InstanceMethod<&RingStream::Drain>("drain"),
                      InstanceMethod<&RingStream::Stop>("stop"),
                      InstanceMethod<&RingStream::Stats>("stats")});
}

// new RingStream(mapFd, onBatch(buf, byteLength, count), onEnd(stats, errno), onDrained(),
//                {batchBytes, flushMs, queueDepth})
RingStream::RingStream(const Napi::CallbackInfo &info) : Napi::ObjectWrap<RingStream>(info) {
  Napi::Env env = info.Env();
  int fd = info[0].As<Napi::Number>().Int32Value();
  Napi::Function on_batch = info[1].As<Napi::Function>();
  Napi::Object opts = info[4].As<Napi::Object>();
  batch_bytes_ = opts.Get("batchBytes").As<Napi::Number>().Int64Value();
  flush_ms_ = opts.Get("flushMs").As<Napi::Number>().Int32Value();
  // Slots: one being filled, the rest queued for or being read by JS.
  int slots = opts.Get("queueDepth").As<Napi::Number>().Int32Value() + 1;

  map_fd_ = dup(fd);  // the ring outlives a closed BpfObject until we stop
  if (map_fd_ < 0) Throw(env, "dup ring buffer fd", errno);
  rb_ = ring_buffer__new(map_fd_, OnRecord, this, nullptr);
  if (!rb_) {
    int err = errno;
    close(map_fd_);
    Throw(env, "ring_buffer__new", err);
  }
  wake_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  outer_epoll_ = epoll_create1(EPOLL_CLOEXEC);
  epoll_event ev{};
  // The ring's own fd, edge-triggered, rather than libbpf's level-triggered epoll: a ring fd polls
  // readable whenever any byte waits, so level-triggered waiting returns at once while a producer
  // is active and the thread spins on epoll_wait a few records at a time, defeating the batched
  // wakeups of common.bpf.h. Edge-triggered, it sleeps until the kernel actually wakes the ring
  // (a FORCE_WAKEUP, or a record landing in an empty ring) or the timeout; every wake drains all.
  ev.events = EPOLLIN | EPOLLET;
  ev.data.u32 = 0;
  if (epoll_ctl(outer_epoll_, EPOLL_CTL_ADD, map_fd_, &ev) != 0) {
    int err = errno;
    ring_buffer__free(rb_);
    close(map_fd_);
    close(wake_fd_);
    close(outer_epoll_);
    Throw(env, "epoll_ctl ring buffer fd", err);
  }
  ev.events = EPOLLIN;
  ev.data.u32 = 1;
  epoll_ctl(outer_epoll_, EPOLL_CTL_ADD, wake_fd_, &ev);

  shared_ = new Shared();
  shared_->on_end = Napi::Persistent(info[2].As<Napi::Function>());
  shared_->on_drained = Napi::Persistent(info[3].As<Napi::Function>());
  shared_->slots.resize(slots);
  for (int i = 0; i < slots; i++) {
    auto buf = Napi::Buffer<uint8_t>::New(env, batch_bytes_);
    shared_->slots[i].data = buf.Data();
    shared_->buffers.push_back(Napi::Persistent(buf));
    shared_->free_slots.push_back(slots - 1 - i);
  }
  pending_.resize(batch_bytes_);
  tsfn_ = Napi::ThreadSafeFunction::New(env, on_batch, "monitor-ring", 0, 1, shared_, Finished,
                                       static_cast<void *>(nullptr));
  thread_running_ = true;
  thread_ = std::thread([this] { Run(); });
}

RingStream::~RingStream() {
  StopThread();
  if (!tsfn_released_) tsfn_.Abort();
}

void RingStream::Shared::GiveSlot(int slot) {
  {
    std::lock_guard<std::mutex> lock(mu);
    free_slots.push_back(slot);
  }
  slot_freed.notify_one();
}

// Takes a free slot, waiting for JS to return one; false once stop() began.
bool RingStream::WaitForSlot() {
  {
    std::unique_lock<std::mutex> lock(shared_->mu);
    shared_->slot_freed.wait(lock, [this] { return !shared_->free_slots.empty() || shared_->stopping; });
    if (shared_->free_slots.empty()) return false;
    cur_ = shared_->free_slots.back();  // the most recently returned: likeliest still in cache
    shared_->free_slots.pop_back();
  }
  if (has_pending_) {
    has_pending_ = false;
    Append(pending_.data(), pending_len_);
  }
  return true;
}

void RingStream::Append(const void *data, size_t size) {
  uint8_t *p = shared_->slots[cur_].data + batch_len_;
  uint32_t hdr[2] = {uint32_t(size), 0};
  memcpy(p, hdr, sizeof(hdr));
  memcpy(p + kRecordHeader, data, size);
  if (batch_count_ == 0) batch_started_ns_ = NowNs(CLOCK_MONOTONIC);
  batch_len_ += kRecordHeader + ((size + 7) & ~size_t(7));
  batch_count_++;
}

int RingStream::OnRecord(void *ctx, void *data, size_t size) {
  auto *self = static_cast<RingStream *>(ctx);
  self->consumed_++;
  size_t need = kRecordHeader + ((size + 7) & ~size_t(7));
  if (need > self->batch_bytes_) {  // cannot happen: batchBytes is checked against record sizes in TS
    self->shared_->queue_drop_records.fetch_add(1, std::memory_order_relaxed);
    return 0;
  }
  if (self->cur_ >= 0 && self->batch_len_ + need > self->batch_bytes_) self->Flush();
  if (self->cur_ < 0) {
    std::lock_guard<std::mutex> lock(self->shared_->mu);
    if (!self->shared_->free_slots.empty()) {
      self->cur_ = self->shared_->free_slots.back();
      self->shared_->free_slots.pop_back();
    } else if (!self->shared_->stopping) {
      // libbpf has already consumed this record: keep it, stop reading, wait for a slot.
      memcpy(self->pending_.data(), data, size);
      self->pending_len_ = size;
      self->has_pending_ = true;
      return kNoSlot;
    }
  }
  if (self->cur_ < 0) {  // stopping with JS still holding every slot: drop and count
    self->shared_->queue_drop_records.fetch_add(1, std::memory_order_relaxed);
    return 0;
  }
  self->Append(data, size);
  return 0;
}

void RingStream::Flush() {
  if (batch_count_ == 0) return;
  Slot &slot = shared_->slots[cur_];
  slot.len = batch_len_;
  slot.count = batch_count_;
  auto *d = new Delivery{shared_, cur_};
  if (tsfn_.NonBlockingCall(d, Deliver) == napi_ok) {
    shared_->records.fetch_add(batch_count_, std::memory_order_relaxed);
    shared_->batches.fetch_add(1, std::memory_order_relaxed);
    cur_ = -1;
  } else {  // the TSFN is closing: keep the slot, count the batch as dropped
    shared_->queue_drop_records.fetch_add(batch_count_, std::memory_order_relaxed);
    delete d;
  }
  batch_len_ = 0;
  batch_count_ = 0;
}

void RingStream::PostDrained() {
  auto *d = new Delivery{shared_, -1};
  if (tsfn_.NonBlockingCall(d, Deliver) != napi_ok) delete d;
}

void RingStream::Deliver(Napi::Env env, Napi::Function on_batch, Delivery *d) {
  Shared *shared = d->shared;
  int slot = d->slot;
  delete d;
  if (env == nullptr) {  // the stream is being torn down
    if (slot >= 0) shared->GiveSlot(slot);
    return;
  }
  if (slot < 0) {
    shared->on_drained.Call({});
    return;
  }
  const Slot &s = shared->slots[slot];
  try {
    on_batch.Call({shared->buffers[slot].Value(), Napi::Number::New(env, double(s.len)), Napi::Number::New(env, s.count)});
  } catch (const Napi::Error &e) {  // the TS facade catches its callbacks' errors; belt and braces
    shared->GiveSlot(slot);
    e.ThrowAsJavaScriptException();
    return;
  }
  shared->GiveSlot(slot);
}

// Reads everything the ring holds, waiting for slots when JS holds them all.
int RingStream::ConsumeReady() {
  for (;;) {
    if (cur_ < 0 && !WaitForSlot()) return kStopping;
    int got = ring_buffer__consume(rb_);
    if (got == kNoSlot) continue;
    return got < 0 && got != -EINTR ? got : 0;
  }
}

void RingStream::Run() {
  epoll_event events[2];
  uint64_t flush_ns = uint64_t(flush_ms_) * 1000000ull;
  for (;;) {
    // Records written with BPF_RB_NO_WAKEUP only surface on a timeout, so idle waits are as short
    // as the flush deadline: that bounds delivery latency at about two flush periods.
    int timeout = flush_ms_ > 0 ? flush_ms_ : 1;
    if (batch_count_) {
      uint64_t age = NowNs(CLOCK_MONOTONIC) - batch_started_ns_;
      timeout = age >= flush_ns ? 0 : int((flush_ns - age) / 1000000ull) + 1;
    }
    int n = epoll_wait(outer_epoll_, events, 2, timeout);
    if (n < 0 && errno != EINTR) {
      shared_->error = errno;
      break;
    }
    for (int i = 0; i < n; i++) {
      uint64_t v;
      if (events[i].data.u32 == 1) (void)!read(wake_fd_, &v, sizeof(v));
    }
    consumed_ = 0;
    int err = ConsumeReady();
    if (err == kStopping) break;
    if (err < 0) {
      shared_->error = -err;
      break;
    }
    if (batch_count_ && (NowNs(CLOCK_MONOTONIC) - batch_started_ns_ >= flush_ns || consumed_ == 0)) Flush();
    if (drain_requested_.exchange(false)) {
      Flush();
      PostDrained();
    }
    std::lock_guard<std::mutex> lock(shared_->mu);
    if (shared_->stopping) break;
  }
  // stop(): a last read without waiting (JS is blocked in stop); what finds no slot is counted.
  ring_buffer__consume(rb_);
  if (has_pending_) shared_->queue_drop_records.fetch_add(1, std::memory_order_relaxed);
  Flush();
  if (cur_ >= 0) shared_->GiveSlot(cur_);
  cur_ = -1;
  shared_->thread_cpu_ns = NowNs(CLOCK_THREAD_CPUTIME_ID);
  thread_exited_ = true;  // before the check below: see Drain()
  if (drain_requested_.exchange(false)) PostDrained();
}

void RingStream::StopThread() {
  if (!thread_running_) return;
  {
    std::lock_guard<std::mutex> lock(shared_->mu);
    shared_->stopping = true;
  }
  shared_->slot_freed.notify_all();
  uint64_t one = 1;
  (void)!write(wake_fd_, &one, sizeof(one));
  thread_.join();
  thread_running_ = false;
  ring_buffer__free(rb_);
  rb_ = nullptr;
  close(map_fd_);
  close(wake_fd_);
  close(outer_epoll_);
}

Napi::Object RingStream::Shared::ToObject(Napi::Env env) const {
  Napi::Object o = Napi::Object::New(env);
  o.Set("records", Napi::Number::New(env, double(records.load())));
  o.Set("batches", Napi::Number::New(env, double(batches.load())));
  o.Set("queueDropRecords", Napi::Number::New(env, double(queue_drop_records.load())));
  o.Set("threadCpuNs", Napi::Number::New(env, double(thread_cpu_ns.load())));
  return o;
}

// Runs on the main thread once the released TSFN has delivered every queued batch.
void RingStream::Finished(Napi::Env env, void *, Shared *shared) {
  if (env != nullptr && !shared->on_end.IsEmpty()) {
    Napi::HandleScope scope(env);
    shared->on_end.Call({shared->ToObject(env), Napi::Number::New(env, shared->error.load())});
  }
  delete shared;
}

// drain() -> true if onDrained will be called once everything now in the ring reached onBatch.
Napi::Value RingStream::Drain(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (!thread_running_) return Napi::Boolean::New(env, false);
  drain_requested_ = true;
  // If the thread has exited, it posts the marker only if it saw the request; take it back if not.
  if (thread_exited_ && drain_requested_.exchange(false)) return Napi::Boolean::New(env, false);
  uint64_t one = 1;
  (void)!write(wake_fd_, &one, sizeof(one));
  return Napi::Boolean::New(env, true);
}

// Ends the drain thread after a last read; onEnd runs once every queued batch reached JS.
Napi::Value RingStream::Stop(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (tsfn_released_) return env.Undefined();
  StopThread();
  tsfn_released_ = true;
  tsfn_.Release();
  return env.Undefined();
}

Napi::Value RingStream::Stats(const Napi::CallbackInfo &info) {
  if (tsfn_released_) return info.Env().Null();  // final figures were handed to onEnd
  return shared_->ToObject(info.Env());
}

}  // namespace monitor
