#include "server/http/connection.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

namespace flint::http {
namespace {

constexpr int kWriteTimeoutMs = 30000;
// Pipelined requests waiting beyond this many mean a client is flooding one connection.
constexpr size_t kMaxPending = 64;

}  // namespace

Connection::Connection(int socketFd, size_t maxBodyBytes, const RequestHandler& handler, WorkerPool& workers)
    : fd_(socketFd), parser_(maxBodyBytes), handler_(handler), workers_(workers) {}

Connection::~Connection() {
  if (fd_ >= 0) ::close(fd_);
}

void Connection::onBytes(const char* data, size_t len) {
  std::deque<HttpRequest> ready;
  bool ok;
  {
    std::lock_guard lock(mutex_);
    if (failed_) return;
    ok = parser_.feed(data, len, ready);
  }
  // Best effort and never blocking: this runs on the reactor thread, and a client that gets no
  // 100 sends its body anyway after a short wait.
  if (parser_.takeExpectContinue()) {
    static const char kContinue[] = "HTTP/1.1 100 Continue\r\n\r\n";
    std::unique_lock writing(writeMutex_, std::try_to_lock);
    if (writing.owns_lock()) {
      ssize_t n = ::send(fd_, kContinue, sizeof kContinue - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
      // Half an interim response would corrupt the stream; give the connection up instead.
      if (n > 0 && n < static_cast<ssize_t>(sizeof kContinue - 1)) shutdownSocket();
    }
  }
  std::lock_guard lock(mutex_);
  for (auto& r : ready) pending_.push_back(std::move(r));
  if (!ok || pending_.size() > kMaxPending) {
    failed_ = true;
    HttpRequest error;
    error.rejectStatus = ok ? 503 : parser_.errorStatus();
    error.rejectReason = ok ? "too many pipelined requests" : parser_.errorReason();
    error.keepAlive = false;
    pending_.push_back(std::move(error));
  }
  schedule();
}

void Connection::schedule() {
  if (busy_ || pending_.empty()) return;
  busy_ = true;
  workers_.submit([self = shared_from_this()] { self->drain(); });
}

void Connection::drain() {
  for (;;) {
    HttpRequest request;
    {
      std::lock_guard lock(mutex_);
      if (pending_.empty() || closed_) {
        busy_ = false;
        return;
      }
      request = std::move(pending_.front());
      pending_.pop_front();
    }
    bool written = false, keepAlive = false;
    try {
      HttpResponse response = handler_(request);
      keepAlive = request.keepAlive && !response.close;
      written = writeAll(serialize(response, keepAlive));
    } catch (const std::exception&) {
      // Out of memory or similar while answering: the connection cannot continue in order.
    }
    if (!written || !keepAlive) {
      shutdownSocket();
      std::lock_guard lock(mutex_);
      pending_.clear();
      busy_ = false;
      return;
    }
  }
}

bool Connection::writeAll(const std::string& bytes) {
  std::lock_guard lock(writeMutex_);
  size_t sent = 0;
  while (sent < bytes.size()) {
    if (closed_) return false;
    ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      pollfd pfd{fd_, POLLOUT, 0};
      if (::poll(&pfd, 1, kWriteTimeoutMs) <= 0 || (pfd.revents & (POLLERR | POLLHUP))) return false;
      continue;
    }
    return false;
  }
  return true;
}

void Connection::shutdownSocket() {
  // The reactor then sees the end of the stream and releases its side of the connection.
  ::shutdown(fd_, SHUT_RDWR);
}

}  // namespace flint::http
