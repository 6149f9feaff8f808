#include "server/http/http_server.h"

#include <pistache/listener.h>
#include <pistache/peer.h>
#include <pistache/tcp.h>
#include <unistd.h>

#include <stdexcept>
#include <unordered_map>

namespace flint::http {
namespace {

// Pistache clones this handler once per reactor thread, so its connection map is only ever
// touched by that thread.
class TcpHandler : public Pistache::Tcp::Handler {
 public:
  TcpHandler(const HttpServerOptions& options, const RequestHandler& handler, WorkerPool& workers)
      : options_(options), handler_(handler), workers_(workers) {}
  TcpHandler(const TcpHandler& other)
      : Pistache::Tcp::Handler(), options_(other.options_), handler_(other.handler_), workers_(other.workers_) {}

  PROTOTYPE_OF(Pistache::Tcp::Handler, TcpHandler)

  void onConnection(const std::shared_ptr<Pistache::Tcp::Peer>& peer) override {
    int fd = ::dup(peer->fd());
    if (fd < 0) return;
    connections_[peer.get()] = std::make_shared<Connection>(fd, options_.maxBodyBytes, handler_, options_.runsInline, workers_,
                                                         options_.tls.get());
  }

  void onInput(const char* buffer, size_t len, const std::shared_ptr<Pistache::Tcp::Peer>& peer) override {
    auto it = connections_.find(peer.get());
    if (it != connections_.end()) it->second->onBytes(buffer, len);
  }

  void onDisconnection(const std::shared_ptr<Pistache::Tcp::Peer>& peer) override {
    auto it = connections_.find(peer.get());
    if (it == connections_.end()) return;
    it->second->onClosed();
    connections_.erase(it);
  }

 private:
  const HttpServerOptions& options_;
  const RequestHandler& handler_;
  WorkerPool& workers_;
  std::unordered_map<Pistache::Tcp::Peer*, std::shared_ptr<Connection>> connections_;
};

}  // namespace

HttpServer::HttpServer(HttpServerOptions options, RequestHandler handler)
    : options_(std::move(options)), handler_(std::move(handler)) {}

HttpServer::~HttpServer() { stop(); }

uint16_t HttpServer::bind() {
  workers_ = std::make_unique<WorkerPool>(options_.workerThreads);
  Pistache::Address address(options_.host, Pistache::Port(options_.port));
  listener_ = std::make_unique<Pistache::Tcp::Listener>(address);
  listener_->init(options_.reactorThreads,
                  Pistache::Flags<Pistache::Tcp::Options>(Pistache::Tcp::Options::ReuseAddr) |
                      Pistache::Tcp::Options::NoDelay);
  listener_->setHandler(std::make_shared<TcpHandler>(options_, handler_, *workers_));
  listener_->bind();
  return static_cast<uint16_t>(listener_->getPort());
}

void HttpServer::start() { listener_->runThreaded(); }

void HttpServer::stop() {
  if (listener_) {
    listener_->shutdown();
    listener_.reset();
  }
  if (workers_) {
    workers_->stop();
    workers_.reset();
  }
}

}  // namespace flint::http
