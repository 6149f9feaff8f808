#include "server/http/connection.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <map>
#include <thread>

#include "server/http/server_figures.h"

namespace flint::http {
namespace {

constexpr int kWriteTimeoutMs = 30000;
// Pipelined requests waiting beyond this many mean a client is flooding one connection.
constexpr size_t kMaxPending = 64;

enum class SendResult { Done, WouldBlock, Failed };

// Sends from `bytes` starting at `sent`, advancing it.
SendResult sendFrom(int fd, const std::string& bytes, size_t& sent, bool mayBlock, const std::atomic<bool>& closed) {
  while (sent < bytes.size()) {
    if (closed) return SendResult::Failed;
    ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      sent += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (!mayBlock) return SendResult::WouldBlock;
      pollfd pfd{fd, POLLOUT, 0};
      if (::poll(&pfd, 1, kWriteTimeoutMs) <= 0 || (pfd.revents & (POLLERR | POLLHUP))) return SendResult::Failed;
      continue;
    }
    return SendResult::Failed;
  }
  return SendResult::Done;
}

// Ends lingering connections whose time is up (one thread for the process, never a worker: a
// silent client then costs nothing but its socket until it goes).
class LingerReaper {
 public:
  void watch(std::weak_ptr<Connection> connection, std::chrono::steady_clock::time_point deadline) {
    {
      std::lock_guard lock(mutex_);
      due_.emplace(deadline, std::move(connection));
      if (!thread_.joinable()) thread_ = std::thread([this] { run(); });
    }
    wake_.notify_one();
  }

 private:
  void run() {
    std::unique_lock lock(mutex_);
    for (;;) {
      if (due_.empty()) {
        wake_.wait(lock);
        continue;
      }
      const auto next = due_.begin()->first;
      if (std::chrono::steady_clock::now() < next) {
        wake_.wait_until(lock, next);
        continue;
      }
      auto connection = due_.begin()->second.lock();
      due_.erase(due_.begin());
      lock.unlock();
      if (connection) connection->abandon();
      lock.lock();
    }
  }

  std::mutex mutex_;
  std::condition_variable wake_;
  std::multimap<std::chrono::steady_clock::time_point, std::weak_ptr<Connection>> due_;
  std::thread thread_;
};

LingerReaper& lingerReaper() {
  static LingerReaper* reaper = new LingerReaper();  // lives as long as the process; never joined at exit
  return *reaper;
}

}  // namespace

Connection::Connection(int socketFd, size_t maxBodyBytes, const RequestHandler& handler, const QuickRequests& quick,
                       const RequestObserver& observe, WorkerPool& workers, const TlsContext* tls, Lingering lingering)
    : fd_(socketFd),
      parser_(maxBodyBytes),
      handler_(handler),
      quick_(quick),
      observe_(observe),
      workers_(workers),
      idleSince_(std::chrono::steady_clock::now()),
      lingering_(lingering) {
  if (tls != nullptr) tls_ = std::make_unique<TlsSession>(*tls);
}

Connection::~Connection() {
  if (fd_ >= 0) ::close(fd_);
}

bool Connection::onBytes(const char* data, size_t len, std::chrono::steady_clock::time_point arrived) {
  if (lingerStarted_) {
    lingerBytes_ += len;
    if (lingerBytes_ > lingering_.bytes || std::chrono::steady_clock::now() > lingerUntil_) abandon();
    return false;
  }
  if (!tls_) return onPlaintext(data, len, arrived);
  std::string plaintext;
  TlsSession::Status status;
  {
    std::lock_guard tlsLock(tlsMutex_);
    status = tls_->receive(data, len, plaintext);
    std::lock_guard outLock(outMutex_);
    tls_->takeOutput(outbox_);
  }
  flush(false);
  if (status == TlsSession::Status::Failed) {
    // A failed handshake (say, a TLS 1.1 client) has had its alert queued above; nothing more can follow.
    std::lock_guard lock(mutex_);
    failed_ = true;
    shutdownSocket();
    return false;
  }
  return !plaintext.empty() && onPlaintext(plaintext.data(), plaintext.size(), arrived);
}

bool Connection::onPlaintext(const char* data, size_t len, std::chrono::steady_clock::time_point arrived) {
  bool sendContinue;
  bool toWorker = false;
  bool quick = false;
  {
    std::lock_guard lock(mutex_);
    if (failed_) return false;
    const bool wasReceiving = parser_.receiving();
    const size_t before = pending_.size();
    const bool ok = parser_.feed(data, len, pending_);
    const bool completed = pending_.size() > before;
    if (parser_.receiving() && (!wasReceiving || completed)) requestBegan_ = arrived;
    for (auto r = pending_.begin() + static_cast<std::ptrdiff_t>(before); r != pending_.end(); ++r)
      r->received = std::min(r->received, arrived);
    // A 100 Continue belongs to the request being received: it may only go out once every
    // earlier request has had its final response.
    sendContinue = parser_.takeExpectContinue() && !completed && pending_.empty() && !busy_;
    if (!ok || pending_.size() > kMaxPending) {
      failed_ = true;
      HttpRequest error;
      error.rejectStatus = ok ? 503 : parser_.errorStatus();
      error.rejectReason = ok ? "too many pipelined requests" : parser_.errorReason();
      error.keepAlive = false;
      assignRequestId(error);
      pending_.push_back(std::move(error));
    }
    if (!busy_ && !pending_.empty()) {
      busy_ = true;
      quick = isQuick(pending_.front());
      toWorker = !quick;
    }
  }
  // Best effort and never blocking: a client that gets no 100 sends its body after a short wait.
  // Sent before the requests are answered: the reactor answers quick ones after this returns, and
  // the worker is called only below.
  if (sendContinue) transmit("HTTP/1.1 100 Continue\r\n\r\n", false);
  if (toWorker && !workers_.offer([self = shared_from_this()] { self->drain(); })) shed();
  return quick;
}

void Connection::shed() {
  HttpRequest request;
  {
    std::lock_guard lock(mutex_);
    request = std::move(pending_.front());
    pending_.clear();
  }
  ++serverFigures().shed;
  request.rejectStatus = 503;
  request.rejectReason = "the server is at capacity: every worker is busy and its queue is full; retry shortly";
  request.keepAlive = false;
  respond(request, handler_(request), false);
}

std::vector<HttpRequest> Connection::takeQuick() {
  std::vector<HttpRequest> taken;
  std::lock_guard lock(mutex_);
  while (!pending_.empty() && isQuick(pending_.front())) {
    taken.push_back(std::move(pending_.front()));
    pending_.pop_front();
  }
  return taken;
}

bool Connection::answerQuick(const std::vector<HttpRequest>& requests, std::vector<HttpResponse>::iterator responses) {
  for (const auto& request : requests)
    if (!respond(request, *responses++, false)) return false;
  // A peer that does not read its responses has its further requests wait (up to kMaxPending)
  // for a worker, which waits for the peer: unsent output stays bounded.
  const bool waitForPeer = backlogged();
  {
    std::lock_guard lock(mutex_);
    if (!waitForPeer && (pending_.empty() || closed_)) {
      busy_ = false;
      idleSince_ = std::chrono::steady_clock::now();
      return false;
    }
    if (!waitForPeer && isQuick(pending_.front())) return true;
  }
  workers_.submit([self = shared_from_this()] {
    if (self->flush(true))
      self->drain();
    else
      self->abandon();
  });
  return false;
}

bool Connection::respond(const HttpRequest& request, const HttpResponse& response, bool mayBlock) {
  if (observe_) observe_(request, response.status);
  const bool keepAlive = request.keepAlive && !response.close;
  bool written = false;
  try {
    written = transmit(serialize(response, keepAlive, request.requestId), mayBlock);
    if (written && response.stream) written = transmitStream(response, mayBlock);
  } catch (const std::exception&) {
    // Out of memory, or a streamed body that failed midway: the connection cannot continue in order.
  }
  if (written && keepAlive) return true;
  if (written)
    linger();
  else
    abandon();
  return false;
}

void Connection::linger() {
  lingerUntil_ = std::chrono::steady_clock::now() + lingering_.time;
  lingerStarted_ = true;
  {
    // Still busy, for good: whatever a request that slipped in asks stays unanswered.
    std::lock_guard lock(mutex_);
    pending_.clear();
  }
  if (tls_) {
    std::lock_guard tlsLock(tlsMutex_);
    tls_->closeNotify();
    std::lock_guard outLock(outMutex_);
    tls_->takeOutput(outbox_);
  }
  flush(false);
  lingerReaper().watch(weak_from_this(), lingerUntil_);
}

void Connection::abandon() {
  shutdownSocket();
  std::lock_guard lock(mutex_);
  pending_.clear();
  busy_ = false;
}

void Connection::checkDeadlines(std::chrono::steady_clock::time_point now, const ClientDeadlines& deadlines) {
  if (lingerStarted_) return;
  HttpRequest late;
  {
    std::lock_guard lock(mutex_);
    if (failed_ || busy_ || !pending_.empty()) return;
    if (!parser_.receiving()) {
      if (now - idleSince_ < deadlines.idle) return;
      failed_ = true;
      ++serverFigures().idleClosed;
    } else {
      const auto taken = now - requestBegan_;
      const bool headersLate = !parser_.headersReceived() && taken >= deadlines.headers;
      if (!headersLate && taken < deadlines.request) return;
      failed_ = true;
      busy_ = true;
      ++serverFigures().requestsTimedOut;
      const auto bound = std::chrono::duration_cast<std::chrono::seconds>(headersLate ? deadlines.headers
                                                                                       : deadlines.request);
      late.rejectStatus = 408;
      late.rejectReason = std::string(headersLate ? "the request's headers" : "the whole request") +
                          " did not arrive within " + std::to_string(bound.count()) + " s of its first byte";
      late.keepAlive = false;
      assignRequestId(late);
    }
  }
  if (late.rejectStatus == 0) return abandon();
  respond(late, handler_(late), false);
}

void Connection::drain() {
  for (;;) {
    HttpRequest request;
    {
      std::lock_guard lock(mutex_);
      if (pending_.empty() || closed_) {
        busy_ = false;
        idleSince_ = std::chrono::steady_clock::now();
        return;
      }
      request = std::move(pending_.front());
      pending_.pop_front();
    }
    HttpResponse response;
    try {
      response = handler_(request);
    } catch (const std::exception&) {
      // Out of memory or similar while answering: the connection cannot continue in order.
      return abandon();
    }
    if (!respond(request, response, true)) return;
  }
}

bool Connection::transmitStream(const HttpResponse& response, bool mayBlock) {
  std::string piece;
  if (response.streamLength < 0) {
    // Chunked: each piece framed by its length in hex, then an empty chunk.
    while (response.stream(piece)) {
      if (piece.empty()) continue;
      char size[32];
      std::snprintf(size, sizeof size, "%zx\r\n", piece.size());
      piece.insert(0, size);
      piece += "\r\n";
      if (!transmit(std::move(piece), mayBlock)) return false;
      piece.clear();
    }
    return transmit("0\r\n\r\n", mayBlock);
  }
  int64_t sent = 0;
  while (sent < response.streamLength && response.stream(piece)) {
    sent += static_cast<int64_t>(piece.size());
    if (!transmit(std::move(piece), mayBlock)) return false;
    piece.clear();
  }
  return sent == response.streamLength;
}

bool Connection::backlogged() {
  std::lock_guard lock(outMutex_);
  return flushing_ || !outbox_.empty();
}

bool Connection::transmit(std::string bytes, bool mayBlock) {
  if (tls_) {
    std::lock_guard tlsLock(tlsMutex_);
    if (!tls_->send(bytes)) return false;
    std::lock_guard outLock(outMutex_);
    tls_->takeOutput(outbox_);
  } else {
    std::lock_guard outLock(outMutex_);
    if (outbox_.empty())
      outbox_ = std::move(bytes);
    else
      outbox_ += bytes;
  }
  return flush(mayBlock);
}

bool Connection::flush(bool mayBlock) {
  std::unique_lock lock(outMutex_);
  if (mayBlock)
    flushIdle_.wait(lock, [this] { return !flushing_; });
  else if (flushing_)
    return true;  // whoever is flushing takes our bytes along
  flushing_ = true;
  SendResult result = SendResult::Done;
  while (result == SendResult::Done && !outbox_.empty()) {
    std::string chunk;
    chunk.swap(outbox_);
    lock.unlock();
    size_t sent = 0;
    result = sendFrom(fd_, chunk, sent, mayBlock, closed_);
    lock.lock();
    if (sent < chunk.size()) outbox_.insert(0, chunk, sent);
  }
  flushing_ = false;
  // Lingering: the sending side shuts once the last answer is out, and the client sees its end.
  if (result == SendResult::Done && outbox_.empty() && lingerStarted_ && !writeShut_) {
    writeShut_ = true;
    ::shutdown(fd_, SHUT_WR);
  }
  lock.unlock();
  flushIdle_.notify_all();
  // The reactor must not wait for a slow reader: a worker finishes the job.
  if (result == SendResult::WouldBlock) workers_.submit([self = shared_from_this()] { self->flush(true); });
  return result != SendResult::Failed;
}

void Connection::shutdownSocket() {
  // The reactor then sees the end of the stream and releases its side of the connection.
  ::shutdown(fd_, SHUT_RDWR);
}

}  // namespace flint::http
