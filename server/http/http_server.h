// The HTTP/1.1 server: an acceptor of its own takes connections, Pistache's TCP reactor reads,
// libhttp-parser parses, and a worker pool runs the handler (the reactor itself answers the quick
// requests of each round of its event loop together). Keep-alive, pipelining, large bodies and
// TLS are handled here.
#pragma once

#include <memory>
#include <string>

#include "server/http/connection.h"
#include "server/http/tls_context.h"

namespace flint::http {

class Acceptor;

struct HttpServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 8080;
  size_t reactorThreads = 1;
  size_t workerThreads = 4;
  // Connections with requests waiting for a worker at most; a request beyond is answered 503 at
  // once (0: no bound).
  size_t maxQueuedRequests = 512;
  // Client connections open at once at most; those beyond wait for a place (Acceptor) (0: no bound).
  size_t maxConnections = 0;
  size_t maxBodyBytes = 16 * 1024 * 1024;
  std::shared_ptr<const TlsContext> tls;  // HTTPS when set
  Lingering lingering;
  ClientDeadlines deadlines;
  // Requests the reactor threads answer themselves (see QuickRequests). Unset: none.
  QuickRequests quick;
  RequestObserver observe;  // unset: none
};

class HttpServer {
 public:
  HttpServer(HttpServerOptions options, RequestHandler handler);
  ~HttpServer();

  // Binds the listening socket and returns the bound port (the system's choice for port 0).
  uint16_t bind();
  // Serves on background threads until stop().
  void start();
  void stop();

 private:
  HttpServerOptions options_;
  RequestHandler handler_;
  std::unique_ptr<WorkerPool> workers_;
  std::unique_ptr<Acceptor> acceptor_;
};

}  // namespace flint::http
