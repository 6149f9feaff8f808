// One client connection: its parser, the requests waiting for a worker (answered strictly in
// order, one at a time), and the socket the worker writes the response to.
//
// The connection writes through its own dup() of the socket rather than Pistache's write queue:
// the descriptor number stays ours until the last worker is done, so a response can never reach
// a newer connection that reused the number, and a slow reader blocks only its own worker
// (bounded by a timeout) instead of growing an unbounded queue.
#pragma once

#include <atomic>
#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>

#include "server/http/http_request.h"
#include "server/http/http_response.h"
#include "server/http/request_parser.h"
#include "server/http/worker_pool.h"

namespace flint::http {

using RequestHandler = std::function<HttpResponse(const HttpRequest&)>;

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(int socketFd, size_t maxBodyBytes, const RequestHandler& handler, WorkerPool& workers);
  ~Connection();

  // Called on the reactor thread with newly received bytes.
  void onBytes(const char* data, size_t len);
  // Called on the reactor thread when the peer has gone.
  void onClosed() { closed_ = true; }

 private:
  void schedule();
  void drain();
  bool writeAll(const std::string& bytes);
  void shutdownSocket();

  int fd_;
  RequestParser parser_;
  const RequestHandler& handler_;
  WorkerPool& workers_;
  std::mutex mutex_;
  std::deque<HttpRequest> pending_;
  bool busy_ = false;
  bool failed_ = false;  // the parser gave up: answer what came before, then the error, then close
  std::mutex writeMutex_;
  std::atomic<bool> closed_{false};
};

}  // namespace flint::http
