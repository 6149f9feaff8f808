// GET /metrics: Prometheus text format, behind the admin key.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "core/db/pipelined_connection.h"
#include "core/db/session_pool.h"
#include "server/app.h"
#include "server/responses.h"

namespace flint::server {
namespace {

// A label value as the text format writes it.
std::string prometheusLabel(const std::string& value) {
  std::string out;
  for (char c : value) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

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
      connectionMetrics(budget_);
  http::HttpResponse r;
  r.contentType = "text/plain; version=0.0.4";
  r.body = std::move(text);
  return r;
}

}  // namespace flint::server
