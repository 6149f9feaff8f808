#include <csignal>
#include <iostream>
#include <thread>

#include "core/db/migrations.h"
#include "core/db/session_pool.h"
#include "core/instances/cluster_store.h"
#include "core/instances/instance_store.h"
#include "core/log/log.h"
#include "core/system/available_cpus.h"
#include "fhir_resources/search/index/index_rows.h"
#include "server/app.h"
#include "server/client_connection_limit.h"
#include "server/quick_reads.h"
#include "server/cli/commands.h"
#include "server/http/http_server.h"

namespace flint::server {

int serveCommand(const Config& config) {
  // Block the stop signals in every thread (Pistache's included) so that only sigwait sees them.
  sigset_t stopSignals;
  sigemptyset(&stopSignals);
  sigaddset(&stopSignals, SIGINT);
  sigaddset(&stopSignals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stopSignals, nullptr);

  log::setFormat(config.logJson ? log::Format::Json : log::Format::Text);
  std::shared_ptr<const http::TlsContext> tls;
  if (!config.tlsCert.empty()) tls = std::make_shared<http::TlsContext>(config.tlsCert, config.tlsKey);
  size_t readDatabases = 0;
  {
    pqxx::connection conn(config.databaseUrl);
    db::migrateAll(conn);
    for (const auto& instance : instances::instancesIndexedBefore(conn, fhir::kSearchIndexVersion))
      log::warning("instance indexed by an older Flint: searches added since miss its older resources until "
                   "`flint reindex --outdated` (online)",
                   {{"instance", instance.name}});
    for (const auto& cluster : instances::listClusters(conn)) readDatabases += 1 + cluster.replicaUrls.size();
  }
  ConnectionBudget budget;
  ClientConnectionLimit clients;
  try {
    budget = connectionBudget(config, readDatabases);
    clients = clientConnectionLimit(config.maxConnections, budget.total());
  } catch (const std::invalid_argument& e) {
    std::cerr << "flint: " << e.what() << std::endl;
    return 2;
  }
  db::SessionPool::process().setLimit(budget.sessions);
  std::cout << "flint: at most " << budget.total() << " database connections: " << budget.describe(config)
            << std::endl;
  std::cout << "flint: " << config.reactorThreads << " reactor thread" << (config.reactorThreads == 1 ? "" : "s")
            << " and " << config.workers << " worker" << (config.workers == 1 ? "" : "s") << " ("
            << system::availableCpus() << " of the machine's "
            << std::thread::hardware_concurrency() << " CPUs available to this process)" << std::endl;
  std::cout << "flint: at most " << clients.connections << " client connections (descriptor limit "
            << clients.descriptors << ")" << std::endl;
  db::Session::setStatementTimeout(config.statementTimeoutMs);
  http::HttpServerOptions options;
  options.host = config.host();
  options.port = config.port();
  options.workerThreads = config.workers;
  options.maxQueuedRequests = config.maxQueuedRequests;
  options.reactorThreads = config.reactorThreads;
  options.maxBodyBytes = config.maxBodyBytes;
  options.maxConnections = clients.connections;
  options.lingering = {std::chrono::seconds(config.lingerSeconds), config.lingerBytes};
  options.deadlines = {std::chrono::seconds(config.idleTimeoutSeconds), std::chrono::seconds(config.headerTimeoutSeconds),
                       std::chrono::seconds(config.requestTimeoutSeconds)};
  options.tls = tls;
  std::unique_ptr<App> app;
  options.quick.accepts = [&app](const http::HttpRequest& r) { return app->answersQuickly(r); };
  options.observe = [&app](const http::HttpRequest& r, int status) { app->observe(r, status); };
  options.quick.makeAnswerer = [&app, &budget, &config](http::WorkerPool& workers) {
    return std::make_unique<QuickReads>(*app, workers, budget.readsPerReactor,
                                        std::chrono::milliseconds(config.readWaitTargetMs),
                                        std::chrono::milliseconds(config.readOverloadAfterMs));
  };
  http::HttpServer server(options, [&app](const http::HttpRequest& r) { return app->handle(r); });
  const uint16_t port = server.bind();
  Config bound = config;
  bound.maxConnections = clients.connections;
  if (bound.publicUrl.empty()) bound.publicUrl = (options.tls ? "https://" : "http://") + config.host() + ":" + std::to_string(port);
  app = std::make_unique<App>(bound, budget);
  server.start();
  std::cout << "flint serving on " << config.host() << ":" << port << " (public URL " << bound.publicUrl << ")"
            << std::endl;

  int signal = 0;
  sigwait(&stopSignals, &signal);
  std::cout << "flint stopping" << std::endl;
  server.stop();
  return 0;
}

int migrateCommand(const Config& config) {
  pqxx::connection conn(config.databaseUrl);
  db::migrateAll(conn);
  std::cout << "database is up to date" << std::endl;
  return 0;
}

}  // namespace flint::server
