#include "server/http/http_server.h"

#include <pistache/peer.h>
#include <pistache/tcp.h>
#include <pistache/transport.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <deque>
#include <stdexcept>
#include <unordered_map>
#include <utility>
#include <vector>

#include "server/http/acceptor.h"
#include "server/http/arrival_times.h"
#include "server/http/reactor_timer.h"
#include "server/http/server_figures.h"

namespace flint::http {
namespace {

// At most this many quick requests (from connections that arrived together) are started at once;
// more are split.
constexpr size_t kMaxQuickBatch = 64;
// A round of the event loop brings up to 1024 sockets. Were the database's answers taken and new
// reads started only once all were read, a network thread behind its sockets (overload) would
// take tens of milliseconds a round and send two statements in each: the reads it accepted waited
// for seconds behind held statements while the database idled. So every this many sockets read,
// the answerer's descriptors are served as well.
constexpr size_t kPeersBetweenPumps = 64;
// Connections the kernel completes before they are accepted. Pistache's default, 128, is soon
// exceeded when many clients connect at once (a surge, or all of them again after a restart); the
// kernel then drops their SYNs and each waits a second for its retransmission. Capped by
// net.core.somaxconn.
constexpr int kListenBacklog = 4096;

// How often a network thread checks its connections' deadlines: a quarter of the shortest, so
// that none is overrun by much, but at most once a second (a check visits every connection).
std::chrono::milliseconds deadlineCheckPeriod(const ClientDeadlines& d) {
  const auto shortest = std::min({d.idle, d.headers, d.request});
  return std::clamp(shortest / 4, std::chrono::milliseconds(50), std::chrono::milliseconds(1000));
}

// Pistache clones this handler once per reactor thread, so everything in it is only ever touched
// by that thread.
class TcpHandler : public Pistache::Tcp::Handler {
 public:
  TcpHandler(const HttpServerOptions& options, const RequestHandler& handler, WorkerPool& workers)
      : options_(options), handler_(handler), workers_(workers) {}
  TcpHandler(const TcpHandler& other)
      : Pistache::Tcp::Handler(), options_(other.options_), handler_(other.handler_), workers_(other.workers_) {}

  PROTOTYPE_OF(Pistache::Tcp::Handler, TcpHandler)

  // The connection was counted when it was accepted (Acceptor).
  void onConnection(const std::shared_ptr<Pistache::Tcp::Peer>& peer) override {
    const int fd = takeWriteDescriptor(*peer);
    stampArrivals(fd);
    if (!answerer_ && options_.quick.makeAnswerer) answerer_ = options_.quick.makeAnswerer(workers_);
    if (!deadlineTimer_) deadlineTimer_ = std::make_unique<ReactorTimer>(deadlineCheckPeriod(options_.deadlines));
    deadlineTimer_->arm(true);
    connections_[peer.get()] = std::make_shared<Connection>(fd, options_.maxBodyBytes, handler_, options_.quick,
                                                         options_.observe, workers_, options_.tls.get(),
                                                         options_.lingering);
  }

  void onInput(const char* buffer, size_t len, const std::shared_ptr<Pistache::Tcp::Peer>& peer) override {
    onArrival(buffer, len, peer.get(), std::chrono::steady_clock::now());
  }

  // Bytes read by the transport itself, with when they reached the machine.
  void onArrival(const char* buffer, size_t len, Pistache::Tcp::Peer* peer,
                 std::chrono::steady_clock::time_point arrived) {
    auto it = connections_.find(peer);
    if (it != connections_.end() && it->second->onBytes(buffer, len, arrived)) waiting_.push_back(it->second);
  }

  void onDisconnection(const std::shared_ptr<Pistache::Tcp::Peer>& peer) override {
    auto it = connections_.find(peer.get());
    if (it == connections_.end()) return;
    it->second->onClosed();
    connections_.erase(it);
    --serverFigures().connections;
    if (connections_.empty()) deadlineTimer_->arm(false);
  }

  bool isDeadlineTimer(int fd) const { return deadlineTimer_ && deadlineTimer_->fd() == fd; }

  // The deadline timer turned readable: ends the connections whose client let a deadline pass.
  void checkDeadlines() {
    deadlineTimer_->acknowledge();
    const auto now = std::chrono::steady_clock::now();
    for (const auto& [peer, connection] : connections_) connection->checkDeadlines(now, options_.deadlines);
  }

  // After the reactor has read what a round of its event loop brought (`readable`: including the
  // answerer's descriptor): starts rounds for the quick requests that came in and sends the
  // answers that are ready, until neither is left.
  void pump(bool readable) {
    startRounds();
    while (deliver(readable)) {
      readable = false;
      startRounds();
    }
  }

  // The descriptors to watch beside the peers': the answerer's and the deadline timer (appended to `out`).
  void descriptors(std::vector<QuickAnswerer::Watched>& out) const {
    if (answerer_) answerer_->descriptors(out);
    if (deadlineTimer_) out.push_back({deadlineTimer_->fd(), 0});
  }

 private:
  struct Round {
    std::shared_ptr<Connection> connection;
    std::vector<HttpRequest> requests;
  };

  void startRounds() {
    while (!waiting_.empty()) {
      std::vector<QuickAnswerer::Round> started;
      size_t count = 0;
      while (!waiting_.empty() && count < kMaxQuickBatch) {
        const uint64_t number = ++rounds_;
        Round& round = inFlight_[number];
        round.connection = std::move(waiting_.front());
        waiting_.pop_front();
        round.requests = round.connection->takeQuick();
        started.push_back({number, {}});
        for (const auto& r : round.requests) started.back().requests.push_back(&r);
        count += round.requests.size();
      }
      answerer_->start(started);
    }
  }

  // Sends the answers of finished rounds; true when connections wait with quick requests again.
  bool deliver(bool readable) {
    if (!answerer_) return false;
    for (auto& [number, responses] : answerer_->collect(readable)) {
      auto node = inFlight_.extract(number);
      if (node.empty()) continue;
      Round& round = node.mapped();
      if (responses.size() != round.requests.size()) {
        // Out of memory or similar: this connection cannot continue in order.
        HttpResponse failed;
        failed.status = 500;
        failed.close = true;
        responses.assign(round.requests.size(), failed);
      }
      if (round.connection->answerQuick(round.requests, responses.begin())) waiting_.push_back(round.connection);
    }
    return !waiting_.empty();
  }

  const HttpServerOptions& options_;
  const RequestHandler& handler_;
  WorkerPool& workers_;
  std::unordered_map<Pistache::Tcp::Peer*, std::shared_ptr<Connection>> connections_;
  std::deque<std::shared_ptr<Connection>> waiting_;  // connections with quick requests at the front
  std::unordered_map<uint64_t, Round> inFlight_;     // rounds started, by number
  uint64_t rounds_ = 0;
  std::unique_ptr<QuickAnswerer> answerer_;
  std::unique_ptr<ReactorTimer> deadlineTimer_;
};

// Pistache's transport, which also watches the quick answerer's descriptors and tells the handler
// when a round of the event loop has been read.
class RoundTransport : public Pistache::Tcp::Transport {
 public:
  explicit RoundTransport(const std::shared_ptr<TcpHandler>& handler) : Transport(handler), handler_(handler) {}

  void onReady(const Pistache::Aio::FdSet& fds) override {
    bool readable = false;
    bool deadlinesDue = false;
    size_t received = 0;
    std::vector<Pistache::Polling::Event> others;
    for (const auto& entry : fds) {
      const int fd = static_cast<int>(entry.getTag().value());
      if (handler_->isDeadlineTimer(fd)) {
        deadlinesDue = true;
        continue;
      }
      if (std::any_of(watched_.begin(), watched_.end(), [fd](const auto& w) { return w.fd == fd; })) {
        readable = true;
        continue;
      }
      Pistache::Polling::Event event(entry.getTag());
      bool forward = entry.isWritable() || entry.isHangup();
      // A peer's bytes are read here, with their arrival stamps. Pistache reads its own queues and
      // timers, and a peer's end (or failure), which it answers by closing the peer.
      if (entry.isReadable()) {
        auto peer = peers.find(fd);
        if (peer == peers.end() || !receiveAll(peer->second.get(), peerShutDown(entry))) {
          event.flags.setFlag(Pistache::Polling::NotifyOn::Read);
          forward = true;
        }
        if (++received % kPeersBetweenPumps == 0) handler_->pump(true);
      }
      if (!forward) continue;
      if (entry.isWritable()) event.flags.setFlag(Pistache::Polling::NotifyOn::Write);
      if (entry.isHangup()) event.flags.setFlag(Pistache::Polling::NotifyOn::Hangup);
      others.push_back(std::move(event));
    }
    if (!others.empty()) Transport::onReady(Pistache::Aio::FdSet(std::move(others)));
    if (deadlinesDue) handler_->checkDeadlines();
    handler_->pump(readable);
    // A closed descriptor is off the watch already (the kernel drops it); one with a new serial
    // is a new one to watch.
    current_.clear();
    handler_->descriptors(current_);
    if (current_ == watched_) return;
    for (const auto& entry : current_)
      if (std::find(watched_.begin(), watched_.end(), entry) == watched_.end())
        reactor()->registerFd(key(), entry.fd, Pistache::Polling::NotifyOn::Read, Pistache::Polling::Mode::Level);
    std::swap(watched_, current_);
  }

  std::shared_ptr<Pistache::Aio::Handler> clone() const override {
    return std::make_shared<RoundTransport>(std::static_pointer_cast<TcpHandler>(handler_->clone()));
  }

 private:
  // Whether the event says the peer has shut its side (EPOLLRDHUP, which Pistache asks for but
  // keeps in a private base of the entry; a C-style cast may name a private base).
  static bool peerShutDown(const Pistache::Aio::FdSet::Entry& entry) {
    return ((const Pistache::Polling::Event&)entry).flags.hasFlag(Pistache::Polling::NotifyOn::Shutdown);
  }

  // Reads all the peer has sent (its socket is watched edge-triggered); false when it ended or
  // failed. A read that fills less than the buffer has emptied the socket, and anything arriving
  // after it raises a new edge, so the read that would only say so (EAGAIN) is skipped: a third of
  // the system calls of a request that fits in one read. Not when the peer has shut its side: the
  // end that follows its last bytes raises no new edge, and must be read now.
  bool receiveAll(Pistache::Tcp::Peer* peer, bool shutDown) {
    for (;;) {
      std::chrono::steady_clock::time_point arrived;
      const ssize_t n = receiveStamped(peer->fd(), buffer_.data(), buffer_.size(), arrived);
      if (n > 0) {
        handler_->onArrival(buffer_.data(), static_cast<size_t>(n), peer, arrived);
        if (!shutDown && static_cast<size_t>(n) < buffer_.size()) return true;
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
    }
  }

  std::shared_ptr<TcpHandler> handler_;
  // The handler's descriptors watched, and (reused at each turn) those it has now; a handful.
  std::vector<QuickAnswerer::Watched> watched_;
  std::vector<QuickAnswerer::Watched> current_;
  std::array<char, 16384> buffer_;
};

}  // namespace

HttpServer::HttpServer(HttpServerOptions options, RequestHandler handler)
    : options_(std::move(options)), handler_(std::move(handler)) {}

HttpServer::~HttpServer() { stop(); }

uint16_t HttpServer::bind() {
  workers_ = std::make_unique<WorkerPool>(options_.workerThreads, options_.maxQueuedRequests);
  acceptor_ = std::make_unique<Acceptor>(options_.host, options_.port, kListenBacklog);
  return acceptor_->port();
}

void HttpServer::start() {
  auto handler = std::make_shared<TcpHandler>(options_, handler_, *workers_);
  acceptor_->start(options_.reactorThreads, std::make_shared<RoundTransport>(handler), options_.maxConnections);
}

void HttpServer::stop() {
  if (acceptor_) {
    acceptor_->stop();
    acceptor_.reset();
  }
  if (workers_) {
    workers_->stop();
    workers_.reset();
  }
}

}  // namespace flint::http
