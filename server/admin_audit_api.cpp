// The admin API's view of an instance's audit trail: GET /admin/instances/{name}/audit
// [?kind=fhir|auth][&client=ID][&limit=N][&before=ID], newest first.
#include <algorithm>

#include "core/instances/data_routing.h"
#include "core/audit/audit_store.h"
#include "core/instances/instance_store.h"
#include "core/json/json_writer.h"
#include "server/app.h"
#include "server/responses.h"

namespace flint::server {

http::HttpResponse App::handleAdminAudit(const http::HttpRequest& req) {
  const auto& s = req.segments;  // admin, instances, {name}, audit
  if (s.size() != 4) return outcomeResponse(404, "not-found", "no admin endpoint at this path");
  if (req.method != "GET") return outcomeResponse(405, "not-supported", "use GET");
  auto instance = instances::findInstance(db::Session::forThisThread(config_.databaseUrl).connection(), s[2]);
  if (!instance) return outcomeResponse(404, "not-found", "there is no instance named '" + s[2] + "'");
  auto& session = instances::primarySession(*instance);
  int limit = 100;
  int64_t before = 0;
  std::string kind;
  try {
    if (auto v = req.queryParam("limit")) limit = std::clamp(std::stoi(*v), 1, 1000);
    if (auto v = req.queryParam("before")) before = std::stoll(*v);
  } catch (const std::exception&) {
    return outcomeResponse(400, "invalid", "limit and before must be numbers");
  }
  if (auto v = req.queryParam("kind")) kind = *v;
  const std::string clientId = req.queryParam("client").value_or("");
  // What has been recorded so far is written before it is read back.
  audit_.flush();
  json::Value list = json::Value::array();
  for (const auto& e : audit::recentEvents(session, *instance, limit, before, kind, clientId)) {
    json::Value v = json::Value::object();
    v.set("id", json::Value::number(e.id));
    v.set("at", json::Value::string(e.at));
    v.set("kind", json::Value::string(e.kind));
    v.set("action", json::Value::string(e.action));
    v.set("outcome", json::Value::number(e.outcome));
    if (!e.clientId.empty()) v.set("clientId", json::Value::string(e.clientId));
    if (e.userId != 0) v.set("userId", json::Value::number(e.userId));
    if (!e.patientId.empty()) v.set("patient", json::Value::string(e.patientId));
    if (!e.target.empty()) v.set("target", json::Value::string(e.target));
    if (!e.detail.empty()) v.set("detail", json::Value::string(e.detail));
    list.push(std::move(v));
  }
  return jsonResponse(200, json::write(list));
}

}  // namespace flint::server
