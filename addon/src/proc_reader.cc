#include "proc_reader.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>

#include "errors.h"

namespace monitor {
namespace {

// stat(5) field numbers (1-based) the record takes; the line is parsed up to the last of them.
constexpr int kStatLastField = 39;  // processor
constexpr uint64_t kSharedRefresh = 10;
// Every process is read afresh at least every kFullRefresh reads, even when read(ran) says it slept.
constexpr uint64_t kFullRefresh = 10;

// Reads a whole small /proc file at `path` (relative to dirfd) into buf; returns its length, or -1
// (errno set) when it cannot be opened or read: a process that exited between listing and reading.
ssize_t ReadAt(int dirfd, const char *path, char *buf, size_t size) {
  int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  size_t n = 0;
  while (n < size - 1) {
    ssize_t r = read(fd, buf + n, size - 1 - n);
    if (r < 0) {
      if (errno == EINTR) continue;
      int e = errno;
      close(fd);
      errno = e;
      return -1;
    }
    if (r == 0) break;
    n += size_t(r);
  }
  close(fd);
  buf[n] = 0;
  return ssize_t(n);
}

// Signed decimal at *p, advancing past it and one separator.
int64_t Num(const char *&p) {
  bool neg = *p == '-';
  if (neg) p++;
  int64_t v = 0;
  while (*p >= '0' && *p <= '9') v = v * 10 + (*p++ - '0');
  if (*p) p++;
  return neg ? -v : v;
}

// Parses a stat line: comm is found by the LAST ')' because the name itself may hold ')' and
// spaces. fields[i] is stat(5) field i (fields[3] is the state character). False when malformed.
bool ParseStat(const char *line, int64_t *fields, const char **comm, size_t *comm_len) {
  const char *open = strchr(line, '(');
  const char *close = strrchr(line, ')');
  if (!open || !close || close < open || close[1] != ' ') return false;
  if (comm) *comm = open + 1, *comm_len = size_t(close - open - 1);
  const char *p = line;
  fields[1] = Num(p);
  p = close + 2;
  fields[2] = 0;
  fields[3] = *p;
  p += 2;
  for (int i = 4; i <= kStatLastField; i++) {
    if (!*p) return false;
    fields[i] = Num(p);
  }
  return true;
}

uint32_t Fnv1a(const char *p, size_t n) {
  uint32_t h = 2166136261u;
  for (size_t i = 0; i < n; i++) h = (h ^ uint8_t(p[i])) * 16777619u;
  return h;
}

bool IsPid(const char *name, long *pid) {
  if (*name < '1' || *name > '9') return false;
  char *end;
  *pid = strtol(name, &end, 10);
  return *end == 0;
}

double MonotonicNs() {
  timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return double(t.tv_sec) * 1e9 + double(t.tv_nsec);
}

struct linux_dirent64 {
  uint64_t d_ino;
  int64_t d_off;
  unsigned short d_reclen;
  unsigned char d_type;
  char d_name[];
};

}  // namespace

Napi::Function ProcReader::Init(Napi::Env env) {
  return DefineClass(env, "ProcReader",
                     {InstanceMethod<&ProcReader::Read>("read"), InstanceMethod<&ProcReader::Skipped>("skipped"),
                      InstanceMethod<&ProcReader::Buffer>("buffer"),
                      InstanceMethod<&ProcReader::ReadAtNs>("readAtNs"), InstanceMethod<&ProcReader::Close>("close")});
}

// new ProcReader(root = '/proc'): the root is a parameter so tests can point it at a fixture tree.
ProcReader::ProcReader(const Napi::CallbackInfo &info) : Napi::ObjectWrap<ProcReader>(info) {
  std::string root = info.Length() > 0 && info[0].IsString() ? info[0].As<Napi::String>().Utf8Value() : "/proc";
  proc_.Reset(open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!proc_.Valid()) Throw(info.Env(), "open " + root, errno);
  dents_.resize(64 * 1024);
  Grow(info.Env(), 1024);
}

void ProcReader::Grow(Napi::Env env, size_t records) {
  auto buf = Napi::Buffer<uint8_t>::New(env, records * kProcFieldCount * sizeof(double));
  if (records_ && capacity_) memcpy(buf.Data(), records_, capacity_ * kProcFieldCount * sizeof(double));
  records_ = reinterpret_cast<double *>(buf.Data());
  capacity_ = records;
  buffer_ref_ = Napi::Persistent(buf);
}

Napi::Value ProcReader::Read(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (!proc_.Valid()) Throw(env, "the /proc reader is closed", EBADF);
  int dirfd = proc_.Get();
  const int32_t *ran = nullptr;
  size_t ran_count = 0;
  bool have_ran = false;  // an empty list (data() may be null) still means "nothing ran"
  if (info.Length() > 0 && info[0].IsTypedArray()) {
    auto a = info[0].As<Napi::TypedArray>();
    if (a.TypedArrayType() != napi_int32_array) Throw(env, "read(ran): ran must be an Int32Array", EINVAL);
    auto i32 = a.As<Napi::Int32Array>();
    ran = i32.Data();
    ran_count = i32.ElementLength();
    have_ran = true;
  }
  skipped_ = 0;
  if (lseek(dirfd, 0, SEEK_SET) < 0) Throw(env, "rewind /proc", errno);
  read_at_ns_ = MonotonicNs();
  size_t count = 0;
  bool sorted = true;
  double last_pid = 0;
  size_t m = 0;
  next_memo_.clear();
  char path[32], buf[2048];
  int64_t f[kStatLastField + 1];
  for (;;) {
    long n = syscall(SYS_getdents64, dirfd, dents_.data(), dents_.size());
    if (n < 0) Throw(env, "list /proc", errno);
    if (n == 0) break;
    for (long off = 0; off < n;) {
      auto *d = reinterpret_cast<linux_dirent64 *>(dents_.data() + off);
      off += d->d_reclen;
      long pid;
      if (!IsPid(d->d_name, &pid)) continue;
      // The previous read's memo of this pid (sorted by pid; /proc lists ascending, so the search
      // starts where the last one ended and usually stops at once).
      auto it = std::lower_bound(memo_.begin() + m, memo_.end(), double(pid),
                                 [](const Memo &a, double key) { return a.rec[kProc_pid] < key; });
      if (it == memo_.end() || it->rec[kProc_pid] != double(pid))
        it = std::lower_bound(memo_.begin(), memo_.end(), double(pid), [](const Memo &a, double key) { return a.rec[kProc_pid] < key; });
      const Memo *known = it != memo_.end() && it->rec[kProc_pid] == double(pid) ? &*it : nullptr;
      if (known) m = size_t(it - memo_.begin());
      if (have_ran && known && known->quiet && (reads_ + uint64_t(pid)) % kFullRefresh != 0 &&
          !std::binary_search(ran, ran + ran_count, int32_t(pid))) {
        if (count == capacity_) Grow(env, capacity_ * 2);
        memcpy(records_ + count * kProcFieldCount, known->rec, sizeof(known->rec));
        next_memo_.push_back(*known);
        if (double(pid) < last_pid) sorted = false;
        last_pid = double(pid);
        count++;
        skipped_++;
        continue;
      }
      snprintf(path, sizeof(path), "%ld/stat", pid);
      // Vanished between listing and reading (ENOENT / ESRCH), or unparsable mid-exit: skipped.
      const char *comm;
      size_t comm_len;
      if (ReadAt(dirfd, path, buf, sizeof(buf)) <= 0 || !ParseStat(buf, f, &comm, &comm_len)) continue;
      uint32_t commhash = Fnv1a(comm, comm_len);
      bool same_process = known && known->rec[kProc_starttime] == double(f[22]);
      double shared;
      if (same_process && known->rec[kProc_resident] == double(f[24]) && (reads_ + uint64_t(pid)) % kSharedRefresh != 0) {
        shared = known->rec[kProc_shared];
      } else {
        snprintf(path, sizeof(path), "%ld/statm", pid);
        if (ReadAt(dirfd, path, buf, sizeof(buf)) <= 0) continue;
        const char *p = buf;
        Num(p);  // size (vsize in pages: stat has it in bytes)
        Num(p);  // resident (stat has it)
        shared = double(Num(p));
      }
      struct stat st;
      snprintf(path, sizeof(path), "%ld", pid);
      if (fstatat(dirfd, path, &st, 0) < 0) continue;
      if (count == capacity_) Grow(env, capacity_ * 2);
      double *r = records_ + count * kProcFieldCount;
      r[kProc_pid] = double(pid);
      r[kProc_ppid] = double(f[4]);
      r[kProc_pgrp] = double(f[5]);
      r[kProc_session] = double(f[6]);
      r[kProc_tty] = double(f[7]);
      r[kProc_flags] = double(f[9]);
      r[kProc_minflt] = double(f[10]);
      r[kProc_majflt] = double(f[12]);
      r[kProc_utime] = double(f[14]);
      r[kProc_stime] = double(f[15]);
      r[kProc_priority] = double(f[18]);
      r[kProc_nice] = double(f[19]);
      r[kProc_threads] = double(f[20]);
      r[kProc_starttime] = double(f[22]);
      r[kProc_vsize] = double(f[23]);
      r[kProc_processor] = double(f[39]);
      r[kProc_state] = double(f[3]);
      r[kProc_uid] = double(st.st_uid);
      r[kProc_resident] = double(f[24]);
      r[kProc_shared] = shared;
      r[kProc_commhash] = double(commhash);
      next_memo_.emplace_back();
      Memo &memo = next_memo_.back();
      memcpy(memo.rec, r, sizeof(memo.rec));
      memo.quiet = same_process && (f[3] == 'S' || f[3] == 'I') &&
                   known->rec[kProc_utime] + known->rec[kProc_stime] == r[kProc_utime] + r[kProc_stime];
      if (double(pid) < last_pid) sorted = false;
      last_pid = double(pid);
      count++;
    }
  }
  reads_++;
  memo_.swap(next_memo_);
  // /proc lists pids ascending; the service merges two readings by pid, so keep that promise.
  if (!sorted) {
    std::sort(memo_.begin(), memo_.end(), [](const Memo &a, const Memo &b) { return a.rec[kProc_pid] < b.rec[kProc_pid]; });
    struct Rec {
      double v[kProcFieldCount];
    };
    Rec *recs = reinterpret_cast<Rec *>(records_);
    std::sort(recs, recs + count, [](const Rec &a, const Rec &b) { return a.v[kProc_pid] < b.v[kProc_pid]; });
  }
  return Napi::Number::New(env, double(count));
}

Napi::Value ProcReader::Buffer(const Napi::CallbackInfo &) { return buffer_ref_.Value(); }

Napi::Value ProcReader::Skipped(const Napi::CallbackInfo &info) { return Napi::Number::New(info.Env(), double(skipped_)); }

Napi::Value ProcReader::ReadAtNs(const Napi::CallbackInfo &info) { return Napi::Number::New(info.Env(), read_at_ns_); }

Napi::Value ProcReader::Close(const Napi::CallbackInfo &info) {
  proc_.Reset();
  return info.Env().Undefined();
}

Napi::Value ProcFields(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  static const char *names[] = {
#define MONITOR_PROC_NAME(name) #name,
      MONITOR_PROC_FIELDS(MONITOR_PROC_NAME)
#undef MONITOR_PROC_NAME
  };
  Napi::Array out = Napi::Array::New(env, kProcFieldCount);
  for (uint32_t i = 0; i < kProcFieldCount; i++) out.Set(i, names[i]);
  return out;
}

// procStatic(root, pid) -> {starttime, comm, cmdline, cgroup} | null: what does not change while a
// process lives (short of an exec), read once per (pid, starttime). starttime comes back so the
// caller can tell a reused pid from the process it listed.
Napi::Value ProcStatic(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  std::string root = info[0].As<Napi::String>();
  long pid = info[1].As<Napi::Number>().Int64Value();
  UniqueFd dir(open((root + "/" + std::to_string(pid)).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dir.Valid()) return env.Null();
  static char buf[8192];
  int64_t f[kStatLastField + 1];
  const char *comm;
  size_t comm_len;
  if (ReadAt(dir.Get(), "stat", buf, sizeof(buf)) <= 0 || !ParseStat(buf, f, &comm, &comm_len)) return env.Null();
  Napi::Object out = Napi::Object::New(env);
  out.Set("starttime", double(f[22]));
  out.Set("flags", double(f[9]));
  out.Set("comm", Napi::String::New(env, comm, comm_len));
  out.Set("commhash", double(Fnv1a(comm, comm_len)));
  ssize_t n = ReadAt(dir.Get(), "cmdline", buf, sizeof(buf));
  if (n < 0) return env.Null();
  // argv is NUL-separated (and NUL-terminated): shown joined by spaces, as ps and htop do.
  while (n > 0 && buf[n - 1] == 0) n--;
  for (ssize_t i = 0; i < n; i++)
    if (buf[i] == 0) buf[i] = ' ';
  out.Set("cmdline", Napi::String::New(env, buf, size_t(n)));
  n = ReadAt(dir.Get(), "cgroup", buf, sizeof(buf));
  out.Set("cgroup", n < 0 ? env.Null() : Napi::String::New(env, buf, size_t(n)));
  return out;
}

// procSystem(root) -> the texts of the system-wide files, null where absent (PSI needs
// CONFIG_PSI): stat, meminfo, loadavg, uptime, pressure/cpu, pressure/memory, pressure/io.
Napi::Value ProcSystem(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  std::string root = info[0].As<Napi::String>();
  static const char *files[] = {"stat", "meminfo", "loadavg", "uptime", "pressure/cpu", "pressure/memory", "pressure/io"};
  static std::vector<char> buf(64 * 1024);
  UniqueFd dir(open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dir.Valid()) Throw(env, "open " + root, errno);
  Napi::Array out = Napi::Array::New(env, std::size(files));
  for (uint32_t i = 0; i < std::size(files); i++) {
    ssize_t n = ReadAt(dir.Get(), files[i], buf.data(), buf.size());
    out.Set(i, n < 0 ? env.Null() : Napi::String::New(env, buf.data(), size_t(n)));
  }
  return out;
}

Napi::Value ProcConstants(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  Napi::Object out = Napi::Object::New(env);
  out.Set("clockTicks", double(sysconf(_SC_CLK_TCK)));
  out.Set("pageSize", double(sysconf(_SC_PAGESIZE)));
  return out;
}

}  // namespace monitor
