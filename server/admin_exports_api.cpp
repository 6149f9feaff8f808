// The admin API's view of an instance's Bulk Data exports: GET /admin/instances/{name}/exports
// (newest first) and DELETE /admin/instances/{name}/exports/{job} (cancels and deletes it,
// whichever client started it).
#include "bulk_export/export_files.h"
#include "bulk_export/job_store.h"
#include "core/instances/instance_store.h"
#include "core/json/json_writer.h"
#include "fhir_resources/rest/fhir_error.h"
#include "fhir_resources/rest/instant.h"
#include "server/app.h"
#include "server/responses.h"

namespace flint::server {

http::HttpResponse App::handleAdminExports(const http::HttpRequest& req) {
  const auto& s = req.segments;  // admin, instances, {name}, exports[, {job}]
  if (s.size() != 4 && s.size() != 5) return outcomeResponse(404, "not-found", "no admin endpoint at this path");
  auto& session = db::Session::forThisThread(config_.databaseUrl);
  auto instance = instances::findInstance(session.connection(), s[2]);
  if (!instance) return outcomeResponse(404, "not-found", "there is no instance named '" + s[2] + "'");
  bulk::JobStore store(session);
  if (s.size() == 5) {
    if (req.method != "DELETE") return outcomeResponse(405, "not-supported", "use DELETE");
    if (!store.find(instance->id, s[4])) return outcomeResponse(404, "not-found", "there is no export " + s[4]);
    bulk::removeExport(session, *instance, s[4]);
    auto done = outcomeResponse(202, "informational", "export " + s[4] + " cancelled and deleted");
    done.body = fhir::operationOutcome("information", "informational", "export " + s[4] + " cancelled and deleted");
    return done;
  }
  if (req.method != "GET") return outcomeResponse(405, "not-supported", "use GET");
  json::Value list = json::Value::array();
  for (const auto& job : store.list(instance->id, 1000)) {
    json::Value v = json::Value::object();
    v.set("id", json::Value::string(job.id));
    v.set("clientId", json::Value::string(job.clientId));
    v.set("level", json::Value::string(bulk::levelName(job.level)));
    if (!job.groupId.empty()) v.set("group", json::Value::string(job.groupId));
    json::Value types = json::Value::array();
    for (const auto& t : job.types) types.push(json::Value::string(t));
    v.set("types", std::move(types));
    v.set("state", json::Value::string(bulk::stateName(job.state)));
    v.set("transactionTime", json::Value::string(fhir::formatInstant(job.transactionTime)));
    v.set("exported", json::Value::number(job.exported));
    if (!job.error.empty()) v.set("error", json::Value::string(job.error));
    list.push(std::move(v));
  }
  return jsonResponse(200, json::write(list));
}

}  // namespace flint::server
