#include "server/http/reactor_timer.h"

#include <sys/timerfd.h>
#include <unistd.h>

#include <cstdint>
#include <system_error>

namespace flint::http {

ReactorTimer::ReactorTimer(std::chrono::milliseconds period)
    : fd_(::timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC)), period_(period) {
  if (fd_ < 0) throw std::system_error(errno, std::generic_category(), "timerfd_create");
}

ReactorTimer::~ReactorTimer() { ::close(fd_); }

void ReactorTimer::arm(bool on) {
  if (on == armed_) return;
  itimerspec spec{};
  if (on) {
    const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(period_);
    spec.it_interval.tv_sec = seconds.count();
    spec.it_interval.tv_nsec = std::chrono::nanoseconds(period_ - seconds).count();
    spec.it_value = spec.it_interval;
  }
  ::timerfd_settime(fd_, 0, &spec, nullptr);
  armed_ = on;
}

void ReactorTimer::acknowledge() {
  uint64_t expirations = 0;
  [[maybe_unused]] auto read = ::read(fd_, &expirations, sizeof expirations);
}

}  // namespace flint::http
