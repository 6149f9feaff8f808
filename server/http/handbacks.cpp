#include "server/http/handbacks.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cstdint>
#include <system_error>
#include <utility>

namespace flint::http {

Handbacks::Handbacks() : fd_(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {
  if (fd_ < 0) throw std::system_error(errno, std::generic_category(), "eventfd");
}

Handbacks::~Handbacks() { ::close(fd_); }

void Handbacks::push(std::function<void()> apply) {
  // Written under the lock, so the descriptor is never set while signalled_ says it is clear (the
  // reactor would find it readable at every turn and never read it).
  std::lock_guard lock(mutex_);
  queued_.push_back(std::move(apply));
  if (signalled_) return;
  signalled_ = true;
  const uint64_t one = 1;
  // Cannot fail: the counter is written once between reads.
  [[maybe_unused]] auto written = ::write(fd_, &one, sizeof one);
}

std::vector<std::function<void()>> Handbacks::take() {
  // A push under way that was not seen here has written the descriptor, which brings a next call.
  if (!signalled_.load()) return {};
  // Cleared before the queue is taken: what is pushed after the take writes it again.
  uint64_t count = 0;
  [[maybe_unused]] auto read = ::read(fd_, &count, sizeof count);
  std::lock_guard lock(mutex_);
  signalled_ = false;
  return std::exchange(queued_, {});
}

}  // namespace flint::http
