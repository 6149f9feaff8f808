// A periodic timer as a descriptor a reactor thread watches for readability: it wakes the loop to
// check deadlines while something waits, and costs nothing while it is stopped. Starting and
// stopping are system calls, and a network thread's work comes and goes thousands of times a
// second, so it stops at the first tick after it is no longer wanted rather than at once.
#pragma once

#include <chrono>

namespace flint::http {

class ReactorTimer {
 public:
  explicit ReactorTimer(std::chrono::milliseconds period);
  ~ReactorTimer();
  ReactorTimer(const ReactorTimer&) = delete;
  ReactorTimer& operator=(const ReactorTimer&) = delete;

  int fd() const { return fd_; }
  // `on`: ticks every period, from a period from now unless it ticks already. Off: stops at the
  // next tick unless wanted again by then.
  void arm(bool on);
  // Called when one of the loop's descriptors turned readable, this one or another: clears a tick
  // that is due (stopping there if no longer wanted), without a system call when none is.
  void acknowledge();

 private:
  int fd_;
  std::chrono::milliseconds period_;
  bool running_ = false;
  bool wanted_ = false;
  std::chrono::steady_clock::time_point nextTick_{};
};

}  // namespace flint::http
