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
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "server/http/http_request.h"
#include "server/http/http_response.h"
#include "server/http/request_parser.h"
#include "server/http/tls_session.h"
#include "server/http/worker_pool.h"

namespace flint::http {

using RequestHandler = std::function<HttpResponse(const HttpRequest&)>;
// Told of every answer as it goes out (its request and status), whoever answered it.
using RequestObserver = std::function<void(const HttpRequest&, int status)>;

// Answers the quick requests of one reactor thread (reads by id), those that arrive in one turn
// of its event loop together, possibly later: handing each to a worker and back would cost more
// than the answer, and answered together they share database round trips. Each connection's
// quick requests make a round, whose answers come out of collect() as soon as its own are in,
// whatever other rounds still wait for: a read waiting on one database holds back nothing that
// arrived with it (a connection has at most one round at a time, so its answers stay in order).
class QuickAnswerer {
 public:
  struct Round {
    uint64_t number;  // given by the caller
    std::vector<const HttpRequest*> requests;  // valid until the round's answers are collected
  };
  virtual ~QuickAnswerer() = default;
  // Starts `rounds`, which arrived together and whose reads may be fetched together.
  virtual void start(const std::vector<Round>& rounds) = 0;
  // The answers of the rounds finished since the last call, by round; `readable`: a descriptor
  // has something to read.
  virtual std::vector<std::pair<uint64_t, std::vector<HttpResponse>>> collect(bool readable) = 0;
  // A descriptor the reactor watches, calling collect(true) once one is readable. `serial` is
  // new for every descriptor opened, so a new one that reuses a closed one's number is watched too.
  // The answerer is expected to keep a timer among them while anything waits, so that collect()
  // runs even when nothing else happens.
  struct Watched {
    int fd;
    uint64_t serial;
    bool operator==(const Watched&) const = default;
  };
  // Appends them to `out`: asked at every turn of the event loop, so without allocating.
  virtual void descriptors(std::vector<Watched>& out) const = 0;
};

struct QuickRequests {
  // Decides on the reactor thread, so it must never wait (on a database or anything else).
  std::function<bool(const HttpRequest&)> accepts;  // unset: none are quick
  // One per reactor thread, made on it before its first request; what the answerer cannot answer
  // without waiting it hands to `workers`.
  std::function<std::unique_ptr<QuickAnswerer>(WorkerPool& workers)> makeAnswerer;
};

// How long and how much a connection keeps reading (and discarding) after an answer that ends it,
// as nginx and Apache do ("lingering close"): a client still sending its body then reads the
// answer instead of losing it to a reset.
struct Lingering {
  std::chrono::milliseconds time{5000};
  size_t bytes = 64 * 1024 * 1024;
};

// How long a client may take, bounded as nginx and Node bound it: to begin a request on an idle
// connection (just opened, or kept alive after an answer), to send a request's headers, and to
// send a whole request, the last two from the request's first byte. Past the first the connection
// is closed; past the others the client gets 408, then the close. Without them a client that opens
// connections and never finishes a request (slowloris) holds their sockets and memory for good.
struct ClientDeadlines {
  std::chrono::milliseconds idle{75000};
  std::chrono::milliseconds headers{20000};
  std::chrono::milliseconds request{300000};
};

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  // `tls` is null for plain HTTP.
  Connection(int socketFd, size_t maxBodyBytes, const RequestHandler& handler, const QuickRequests& quick,
             const RequestObserver& observe, WorkerPool& workers, const TlsContext* tls, Lingering lingering);
  ~Connection();

  // Called on the reactor thread with newly received bytes, which reached the machine at
  // `arrived`. True when quick requests now wait at the front for the reactor's round
  // (takeQuick, then answerQuick).
  bool onBytes(const char* data, size_t len, std::chrono::steady_clock::time_point arrived);
  // Reactor: the leading quick requests, taken out of the queue.
  std::vector<HttpRequest> takeQuick();
  // Reactor: sends the answers to what takeQuick gave, in order, then carries on with the rest;
  // true when quick requests wait at the front again, for the next round.
  bool answerQuick(const std::vector<HttpRequest>& requests, std::vector<HttpResponse>::iterator responses);
  // Called on the reactor thread when the peer has gone.
  void onClosed() { closed_ = true; }
  // Gives up on the connection: shuts the socket and drops what is still pending.
  void abandon();
  // Reactor, now and then: ends the connection if, while it was the client's turn (no answer
  // owed), the client let one of its deadlines pass.
  void checkDeadlines(std::chrono::steady_clock::time_point now, const ClientDeadlines& deadlines);

 private:
  bool onPlaintext(const char* data, size_t len, std::chrono::steady_clock::time_point arrived);
  bool isQuick(const HttpRequest& request) const { return quick_.accepts && quick_.accepts(request); }
  // Reactor, when the workers' queue is full: answers the first waiting request 503 at once
  // (nothing reaches the database) and closes, as the rest cannot be answered in order.
  void shed();
  // Worker: answers the pending requests in order.
  void drain();
  // Sends the response to `request`; false when the connection is done (the socket shut).
  bool respond(const HttpRequest& request, const HttpResponse& response, bool mayBlock);
  // After the last answer: no more requests; the socket's sending side shuts once the output
  // is out (with TLS after a close_notify), and what still comes in is discarded until the
  // client closes or the lingering bound is reached (then abandon()).
  void linger();
  // Queues bytes for the peer (encrypting them under TLS) and sends what it can. A worker
  // (mayBlock) waits for the socket up to a timeout; the reactor never waits, leaving the rest
  // to a worker.
  bool transmit(std::string bytes, bool mayBlock);
  // Sends a streamed body piece by piece, each after the previous has been taken by the socket
  // (so memory holds one piece); false when it fell short of its length.
  bool transmitStream(const HttpResponse& response, bool mayBlock);
  bool flush(bool mayBlock);
  // Whether output is still waiting for the socket.
  bool backlogged();
  void shutdownSocket();

  int fd_;
  RequestParser parser_;
  const RequestHandler& handler_;
  const QuickRequests& quick_;
  const RequestObserver& observe_;
  WorkerPool& workers_;
  std::mutex mutex_;
  std::deque<HttpRequest> pending_;
  bool busy_ = false;
  bool failed_ = false;  // the parser gave up: answer what came before, then the error, then close
  std::chrono::steady_clock::time_point idleSince_;     // the last answer went out (or the connection came)
  std::chrono::steady_clock::time_point requestBegan_;  // the first byte of the request being received

  std::unique_ptr<TlsSession> tls_;
  std::mutex tlsMutex_;

  std::mutex outMutex_;
  std::condition_variable flushIdle_;
  std::string outbox_;
  bool flushing_ = false;
  std::atomic<bool> closed_{false};

  Lingering lingering_;
  std::atomic<bool> lingerStarted_{false};
  bool writeShut_ = false;  // under outMutex_
  size_t lingerBytes_ = 0;  // reactor only
  std::chrono::steady_clock::time_point lingerUntil_;
};

}  // namespace flint::http
