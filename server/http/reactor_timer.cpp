#include "server/http/reactor_timer.h"

#include <sys/timerfd.h>
#include <unistd.h>

#include <cstdint>
#include <system_error>

namespace flint::http {
namespace {

timespec toTimespec(std::chrono::nanoseconds d) {
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(d);
  return {static_cast<time_t>(seconds.count()), static_cast<long>((d - seconds).count())};
}

}  // namespace

ReactorTimer::ReactorTimer(std::chrono::milliseconds period)
    : fd_(::timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC)), period_(period) {
  if (fd_ < 0) throw std::system_error(errno, std::generic_category(), "timerfd_create");
}

ReactorTimer::~ReactorTimer() { ::close(fd_); }

void ReactorTimer::arm(bool on) {
  wanted_ = on;
  if (!on || running_) return;
  itimerspec spec{};
  spec.it_interval = toTimespec(period_);
  spec.it_value = spec.it_interval;
  // Taken before the timer starts, so its first tick is never thought to be later than it is.
  nextTick_ = std::chrono::steady_clock::now() + period_;
  ::timerfd_settime(fd_, 0, &spec, nullptr);
  running_ = true;
}

void ReactorTimer::acknowledge() {
  // steady_clock is CLOCK_MONOTONIC, the timer's clock, so a tick not yet due has not fired.
  if (!running_ || std::chrono::steady_clock::now() < nextTick_) return;
  uint64_t expirations = 0;
  if (::read(fd_, &expirations, sizeof expirations) <= 0) return;
  nextTick_ += period_ * static_cast<int64_t>(expirations);
  if (wanted_) return;
  const itimerspec off{};
  ::timerfd_settime(fd_, 0, &off, nullptr);
  running_ = false;
}

}  // namespace flint::http
