// GET /metrics: Prometheus text format, behind the admin key.
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

// The process's database connections: its budget and what is open and in use.
std::string connectionMetrics(const ConnectionBudget& budget) {
  const auto pool = db::SessionPool::process().figures();
  std::string text =
      "# HELP flint_db_connections_max PostgreSQL connections this process opens at most (--max-db-connections).\n"
      "# TYPE flint_db_connections_max gauge\n"
      "flint_db_connections_max " + std::to_string(budget.total()) + "\n"
      "# HELP flint_db_sessions_max Sessions its threads may borrow at once, over all databases.\n"
      "# TYPE flint_db_sessions_max gauge\n"
      "flint_db_sessions_max " + std::to_string(pool.limit) + "\n"
      "# HELP flint_db_sessions_open Sessions open, by database.\n"
      "# TYPE flint_db_sessions_open gauge\n";
  for (const auto& d : pool.databases)
    text += "flint_db_sessions_open{database=\"" + prometheusLabel(d.database) + "\"} " + std::to_string(d.open) + "\n";
  text +=
      "# HELP flint_db_sessions_in_use Sessions borrowed by a thread, by database.\n"
      "# TYPE flint_db_sessions_in_use gauge\n";
  for (const auto& d : pool.databases)
    text += "flint_db_sessions_in_use{database=\"" + prometheusLabel(d.database) + "\"} " + std::to_string(d.inUse) + "\n";
  text +=
      "# HELP flint_db_session_waits_total Borrows that waited for a session to be given back.\n"
      "# TYPE flint_db_session_waits_total counter\n"
      "flint_db_session_waits_total " + std::to_string(pool.waits) + "\n"
      "# HELP flint_db_session_exhausted_total Borrows that waited in vain (answered 503).\n"
      "# TYPE flint_db_session_exhausted_total counter\n"
      "flint_db_session_exhausted_total " + std::to_string(pool.exhausted) + "\n"
      "# HELP flint_db_read_connections_open Pipelined connections the reactors read by id on.\n"
      "# TYPE flint_db_read_connections_open gauge\n"
      "flint_db_read_connections_open " + std::to_string(db::PipelinedConnection::openCount()) + "\n";
  return text;
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
      "# HELP flint_developer_requests_open Developer access requests whose verification or enablement deadline runs.\n"
      "# TYPE flint_developer_requests_open gauge\n"
      "flint_developer_requests_open " + std::to_string(summary.open) + "\n"
      "# HELP flint_developer_requests_overdue Open requests past their deadline (business days).\n"
      "# TYPE flint_developer_requests_overdue gauge\n"
      "flint_developer_requests_overdue " + std::to_string(summary.overdue) + "\n"
      "# HELP flint_developer_requests_due_soon Open requests due within two business days.\n"
      "# TYPE flint_developer_requests_due_soon gauge\n"
      "flint_developer_requests_due_soon " + std::to_string(summary.dueSoon) + "\n" + connectionMetrics(budget_);
  http::HttpResponse r;
  r.contentType = "text/plain; version=0.0.4";
  r.body = std::move(text);
  return r;
}

}  // namespace flint::server
