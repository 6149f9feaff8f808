#include "server/http/arrival_times.h"

#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>

#include <cstring>

namespace flint::http {
namespace {

// A stamp further back than this comes from a clock step, not from a wait.
constexpr auto kLongestWait = std::chrono::seconds(60);

}  // namespace

void stampArrivals(int fd) {
  const int on = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on);
}

ssize_t receiveStamped(int fd, char* buffer, size_t size, std::chrono::steady_clock::time_point& arrived) {
  iovec iov{buffer, size};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(timespec))];
  msghdr message{};
  message.msg_iov = &iov;
  message.msg_iovlen = 1;
  message.msg_control = control;
  message.msg_controllen = sizeof control;
  const ssize_t n = ::recvmsg(fd, &message, MSG_DONTWAIT);
  if (n <= 0) return n;
  arrived = std::chrono::steady_clock::now();
  for (cmsghdr* c = CMSG_FIRSTHDR(&message); c != nullptr; c = CMSG_NXTHDR(&message, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_TIMESTAMPNS) continue;
    // The stamp is wall-clock time; only the wait since it is carried over to the steady clock.
    timespec stamp;
    std::memcpy(&stamp, CMSG_DATA(c), sizeof stamp);
    timespec now;
    ::clock_gettime(CLOCK_REALTIME, &now);
    const auto waited = std::chrono::seconds(now.tv_sec - stamp.tv_sec) +
                        std::chrono::nanoseconds(now.tv_nsec - stamp.tv_nsec);
    if (waited > std::chrono::nanoseconds::zero() && waited < kLongestWait)
      arrived -= std::chrono::duration_cast<std::chrono::steady_clock::duration>(waited);
  }
  return n;
}

}  // namespace flint::http
