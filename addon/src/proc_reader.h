// Reads /proc for `monitor top` without threads and without a JS object per process: one call walks
// /proc, reads each process's stat and statm with openat/read into a reused scratch buffer, and
// packs the numbers into fixed-size records of doubles in one Buffer that grows only when the
// process count does. Static data (comm, cmdline, cgroup) is read on request, for new processes
// only, and the system files are read in one call as text for pure TS parsers.
#pragma once
#include <napi.h>

#include <cstdint>
#include <vector>

#include "fd.h"

namespace monitor {

// The record layout, defined once: the field order of every record (doubles, exact up to 2^53).
// JS gets the names from procFields() and checks them against its own decoder at load. commhash is
// a 32-bit FNV-1a of comm: an exec changes comm but not (pid, starttime), and the static cache must
// see that.
#define MONITOR_PROC_FIELDS(X) \
  X(pid) X(ppid) X(pgrp) X(session) X(tty) X(flags) X(minflt) X(majflt) X(utime) X(stime) \
  X(priority) X(nice) X(threads) X(starttime) X(vsize) X(processor) X(state) X(uid) X(resident) X(shared) X(commhash)

enum ProcField {
#define MONITOR_PROC_ENUM(name) kProc_##name,
  MONITOR_PROC_FIELDS(MONITOR_PROC_ENUM)
#undef MONITOR_PROC_ENUM
  kProcFieldCount
};

class ProcReader : public Napi::ObjectWrap<ProcReader> {
 public:
  static Napi::Function Init(Napi::Env env);
  explicit ProcReader(const Napi::CallbackInfo &info);

 private:
  // read([ran]) -> number of records; buffer() holds them (pid ascending); readAtNs() the clock of
  // the read; skipped() how many records the last read copied from the one before instead of reading.
  Napi::Value Read(const Napi::CallbackInfo &info);
  Napi::Value Skipped(const Napi::CallbackInfo &info);
  Napi::Value Buffer(const Napi::CallbackInfo &info);
  Napi::Value ReadAtNs(const Napi::CallbackInfo &info);
  Napi::Value Close(const Napi::CallbackInfo &info);

  void Grow(Napi::Env env, size_t records);

  // statm is read only for `shared`: resident comes from stat (the same get_mm_rss() count). A
  // process whose start time and resident size did not change since the last read keeps its last
  // shared size, re-read every kSharedRefresh reads at the latest (by pid, round robin): statm is
  // ~40% of a refresh's syscalls and idle processes are most of them.
  //
  // read(ran) also skips stat itself for a process that cannot have changed: given `ran` (the sorted
  // tgids whose threads the scheduler switched in since the read before last, from topsched.bpf.c),
  // a process that is not in it, was sleeping (S or I) at its last read and had used no CPU time
  // between its last two reads keeps its last record. Anything a process's stat shows changes only
  // while one of its threads runs, except its nice value (renice by another process) and resident
  // size (reclaim): every process is read afresh every kFullRefresh reads (by pid, round robin).
  // A thread that runs without ever being switched in (alone on a CPU) was running, or had used CPU
  // time, at its last read, so it is never skipped.
  struct Memo {
    double rec[kProcFieldCount];
    bool quiet;  // S or I at the last read, and no CPU time since the read before
  };
  std::vector<Memo> memo_, next_memo_;
  uint64_t reads_ = 0;
  size_t skipped_ = 0;

  UniqueFd proc_;  // /proc, opened once: every per-process path is relative to it
  std::vector<char> dents_;
  double read_at_ns_ = 0;
  double *records_ = nullptr;
  size_t capacity_ = 0;  // records the Buffer holds
  Napi::Reference<Napi::Buffer<uint8_t>> buffer_ref_;
};

Napi::Value ProcFields(const Napi::CallbackInfo &info);
Napi::Value ProcStatic(const Napi::CallbackInfo &info);
Napi::Value ProcSystem(const Napi::CallbackInfo &info);
Napi::Value ProcConstants(const Napi::CallbackInfo &info);

}  // namespace monitor
