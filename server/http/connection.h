// One client connection: its parser, the requests waiting for an answer (strictly in order, one
// at a time, by a worker or, for quick ones, the reactor), and the socket the responses go out
// on, in clear or through TLS.
//
// The connection writes through its own dup() of the socket rather than Pistache's write queue:
// the descriptor number stays ours until the last worker is done, so a response can never reach
// a newer connection that reused the number, and a slow reader blocks only its own worker
// (bounded by a timeout) instead of growing an unbounded queue. Every outgoing byte passes
// through one ordered outbox, because with TLS the reactor (handshake records) and a worker
// (responses) both produce output that must leave in the order it was made.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "server/http/http_request.h"
#include "server/http/http_response.h"
#include "server/http/request_parser.h"
#include "server/http/tls_session.h"
#include "server/http/worker_pool.h"

namespace flint::http {

using RequestHandler = std::function<HttpResponse(const HttpRequest&)>;
using InlinePredicate = std::function<bool(const HttpRequest&)>;

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  // `tls` is null for plain HTTP; requests `runsInline` accepts are answered on the reactor.
  Connection(int socketFd, size_t maxBodyBytes, const RequestHandler& handler, const InlinePredicate& runsInline,
             WorkerPool& workers, const TlsContext* tls);
  ~Connection();

  // Called on the reactor thread with newly received bytes.
  void onBytes(const char* data, size_t len);
  // Called on the reactor thread when the peer has gone.
  void onClosed() { closed_ = true; }

 private:
  void onPlaintext(const char* data, size_t len);
  // Answers the pending requests in order; on the reactor only while they are quick ones, then
  // a worker takes over.
  void drain(bool onReactor);
  // Queues bytes for the peer (encrypting them under TLS) and sends what it can. A worker
  // (mayBlock) waits for the socket up to a timeout; the reactor never waits, leaving the rest
  // to a worker.
  bool transmit(std::string bytes, bool mayBlock);
  bool flush(bool mayBlock);
  // Whether output is still waiting for the socket.
  bool backlogged();
  void shutdownSocket();

  int fd_;
  RequestParser parser_;
  const RequestHandler& handler_;
  const InlinePredicate& runsInline_;
  WorkerPool& workers_;
  std::mutex mutex_;
  std::deque<HttpRequest> pending_;
  bool busy_ = false;
  bool failed_ = false;  // the parser gave up: answer what came before, then the error, then close

  std::unique_ptr<TlsSession> tls_;
  std::mutex tlsMutex_;

  std::mutex outMutex_;
  std::condition_variable flushIdle_;
  std::string outbox_;
  bool flushing_ = false;
  std::atomic<bool> closed_{false};
};

}  // namespace flint::http
