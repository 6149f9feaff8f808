// A periodic timer as a descriptor a reactor thread watches for readability: it wakes the loop to
// check deadlines while something waits, and costs nothing while it is disarmed.
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
  // Ticks every period while `on`, from a period from now.
  void arm(bool on);
  // Clears the descriptor after it turned readable.
  void acknowledge();

 private:
  int fd_;
  std::chrono::milliseconds period_;
  bool armed_ = false;
};

}  // namespace flint::http
