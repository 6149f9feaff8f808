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
  {
    std::lock_guard lock(mutex_);
    queued_.push_back(std::move(apply));
  }
  const uint64_t one = 1;
  // Only fails when the counter would overflow, and then it is readable already.
  [[maybe_unused]] auto written = ::write(fd_, &one, sizeof one);
}

std::vector<std::function<void()>> Handbacks::take() {
  uint64_t count = 0;
  [[maybe_unused]] auto read = ::read(fd_, &count, sizeof count);
  std::lock_guard lock(mutex_);
  return std::exchange(queued_, {});
}

}  // namespace flint::http
