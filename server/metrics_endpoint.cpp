// GET /metrics: Prometheus text format, behind the admin key.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "bulk_export/job_store.h"
#include "core/clock.h"
#include "core/db/pipelined_connection.h"
#include "core/db/session_pool.h"
#include "server/app.h"
#include "server/http/server_figures.h"
#include "server/responses.h"

namespace flint::server {
namespace {

// One metric: its HELP and TYPE lines, then its samples (labels as written, "" for none).
std::string metric(const std::string& name, const char* type, const char* help,
                   const std::vector<std::pair<std::string, std::string>>& samples) {
  std::string out = "# HELP " + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
  for (const auto& [labels, value] : samples) out += name + labels + " " + value + "\n";
  return out;
}

std::string metric(const std::string& name, const char* type, const char* help, uint64_t value) {
  return metric(name, type, help, {{"", std::to_string(value)}});
}

// The process's database connections: its budget and what is open and in use.
std::string connectionMetrics(const ConnectionBudget& budget) {
  const auto pool = db::SessionPool::process().figures();
  std::vector<std::pair<std::string, std::string>> open, inUse;
  for (const auto& d : pool.databases) {
    const std::string labels = "{database=\"" + prometheusLabel(d.database) + "\"}";
    open.emplace_back(labels, std::to_string(d.open));
    inUse.emplace_back(labels, std::to_string(d.inUse));
  }
  return metric("flint_db_connections_max", "gauge",
                "PostgreSQL connections this process opens at most (--max-db-connections).", budget.total()) +
         metric("flint_db_sessions_max", "gauge", "Sessions its threads may borrow at once, over all databases.",
                pool.limit) +
         metric("flint_db_sessions_open", "gauge", "Sessions open, by database.", open) +
         metric("flint_db_sessions_in_use", "gauge", "Sessions borrowed by a thread, by database.", inUse) +
         metric("flint_db_session_waits_total", "counter", "Borrows that waited for a session to be given back.",
                pool.waits) +
         metric("flint_db_session_exhausted_total", "counter", "Borrows that waited in vain (answered 503).",
                pool.exhausted) +
         metric("flint_db_read_connections_open", "gauge", "Pipelined connections the reactors read by id on.",
                db::PipelinedConnection::openCount());
}

std::string secondsText(int64_t millis) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", static_cast<double>(millis) / 1000);
  return buf;
}

std::string auditMetrics(const std::map<std::string, size_t>& queued, const std::vector<std::string>& failing) {
  auto labels = [](const std::string& instance) { return "{instance=\"" + prometheusLabel(instance) + "\"}"; };
  std::vector<std::pair<std::string, std::string>> depth, refused;
  for (const auto& [instance, count] : queued) depth.emplace_back(labels(instance), std::to_string(count));
  for (const auto& instance : failing) refused.emplace_back(labels(instance), "1");
  return metric("flint_audit_queue_depth", "gauge",
                "Audit events waiting to be written, by instance (instances with none are not listed).", depth) +
         metric("flint_audit_failing", "gauge",
                "Instances whose audit trail cannot be written, and which are refused (503) until it can.", refused);
}

std::string exportMetrics(const std::vector<std::pair<std::string, int64_t>>& byState) {
  std::vector<std::pair<std::string, std::string>> samples;
  for (const auto& [state, count] : byState) samples.emplace_back("{state=\"" + state + "\"}", std::to_string(count));
  return metric("flint_export_jobs", "gauge", "Bulk Data export jobs of every instance, by state.", samples);
}

}  // namespace

http::HttpResponse App::handleMetrics(const http::HttpRequest& req) {
  if (req.method != "GET") return outcomeResponse(405, "not-supported", "use GET");
  if (!bearerMatches(req, config_.adminKey)) {
    auto r = outcomeResponse(401, "login", "a valid admin key is required (Authorization: Bearer ...)");
    r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"flint-admin\"");
    return r;
  }
  auto& session = db::Session::forThisThread(config_.databaseUrl);
  const auto summary = reviews(session).summary(developer::utcDay(epochSeconds()));
  std::string text =
      metric("flint_developer_requests_open", "gauge",
             "Developer access requests whose verification or enablement deadline runs.", summary.open) +
      metric("flint_developer_requests_overdue", "gauge", "Open requests past their deadline (business days).",
             summary.overdue) +
      metric("flint_developer_requests_due_soon", "gauge", "Open requests due within two business days.",
             summary.dueSoon) +
      connectionMetrics(budget_) + requests_.prometheus() +
      metric("flint_http_worker_queue_depth", "gauge", "Connections waiting for a worker.",
             static_cast<uint64_t>(std::max<int64_t>(0, http::serverFigures().queued.load()))) +
      metric("flint_http_shed_total", "counter",
             "Requests answered 503 at once under overload: the workers' queue full (--max-queued-requests) "
             "or reads by id beyond the target wait while overloaded (--read-wait-target-ms, --read-overload-after-ms).",
             http::serverFigures().shed.load()) +
      metric("flint_http_connections_open", "gauge", "Client connections open.",
             static_cast<uint64_t>(std::max<int64_t>(0, http::serverFigures().connections.load()))) +
      metric("flint_http_connections_max", "gauge", "Client connections served at once at most (--max-connections).",
             config_.maxConnections) +
      metric("flint_http_connections_refused_total", "counter",
             "Connections closed unserved: they waited a second for a place while --max-connections were open, or the descriptors ran out.",
             http::serverFigures().connectionsRefused.load()) +
      metric("flint_http_idle_closed_total", "counter",
             "Connections closed because no request began on them within --idle-timeout-seconds.",
             http::serverFigures().idleClosed.load()) +
      metric("flint_http_request_timeouts_total", "counter",
             "Requests answered 408 because their headers or their whole did not arrive in time "
             "(--header-timeout-seconds, --request-timeout-seconds).",
             http::serverFigures().requestsTimedOut.load()) +
      metric("flint_read_statements_total", "counter",
             "Statements the network threads sent to fetch reads by id. Reads that arrive while a connection "
             "has two statements in flight go out together in the next, so under load each carries several.",
             http::serverFigures().readStatements.load()) +
      metric("flint_reads_fetched_total", "counter", "Reads by id those statements fetched.",
             http::serverFigures().readsFetched.load()) +
      metric("flint_reads_waiting", "gauge",
             "Reads by id the network threads admitted and have not yet answered: their queue for the database.",
             static_cast<uint64_t>(std::max<int64_t>(0, http::serverFigures().readsWaiting.load()))) +
      auditMetrics(audit_.queuedByInstance(), audit_.failingInstances()) +
      metric("flint_revocation_follower_lag_seconds", "gauge",
             "Time since this process last read the revocation log (it reads every 200 ms; over 2 s it refuses "
             "tokens).",
             {{"", secondsText(auth_.revocationLagMillis())}}) +
      exportMetrics(bulk::JobStore(session).countByState());
  http::HttpResponse r;
  r.contentType = "text/plain; version=0.0.4";
  r.body = std::move(text);
  return r;
}

}  // namespace flint::server
