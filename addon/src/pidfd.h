// Signals a process through a pidfd, so a pid the kernel has meanwhile given to another process is
// never signalled: the pidfd pins the process, and its start time, read only after the pidfd is
// open, must be the one the caller saw.
#pragma once
#include <napi.h>

namespace monitor {

// pidfdSignal(pid, startTicks, signal) -> 'sent' | 'gone' (no such process) | 'reused' (another
// start time: not the caller's process) | 'denied' (EPERM). Other errors throw.
Napi::Value PidfdSignal(const Napi::CallbackInfo &info);

}  // namespace monitor
