// The admin API for an instance's custom data namespaces (custom_data/namespaces/namespace_admin.h):
// GET /admin/instances/{name}/namespaces[/{namespace}], POST .../{namespace}/reset|drop?dry_run=
// (a dry run unless dry_run=false).
#include "core/instances/data_routing.h"
#include "core/instances/instance_store.h"
#include "core/json/json_writer.h"
#include "custom_data/namespaces/namespace_admin.h"
#include "server/app.h"
#include "server/responses.h"

namespace flint::server {

http::HttpResponse App::handleAdminNamespaces(const http::HttpRequest& req) {
  const auto& s = req.segments;  // admin, instances, {name}, namespaces[, {namespace}[, reset|drop]]
  if (s.size() < 4 || s.size() > 6) return outcomeResponse(404, "not-found", "no admin endpoint at this path");
  auto instance = instances::findInstance(db::Session::forThisThread(config_.databaseUrl).connection(), s[2]);
  if (!instance) return outcomeResponse(404, "not-found", "there is no instance named '" + s[2] + "'");
  auto& conn = instances::primarySession(*instance).connection();
  if (s.size() == 4) {
    if (req.method != "GET") return outcomeResponse(405, "not-supported", "use GET");
    return jsonResponse(200, json::write(custom_data::listNamespaces(conn, *instance)));
  }
  const std::string& ns = s[4];
  std::optional<json::Value> result;
  if (s.size() == 5) {
    if (req.method != "GET") return outcomeResponse(405, "not-supported", "use GET");
    result = custom_data::inspectNamespace(conn, *instance, ns);
  } else {
    if (req.method != "POST") return outcomeResponse(405, "not-supported", "use POST");
    const auto dryRun = req.queryParam("dry_run");
    if (dryRun && *dryRun != "true" && *dryRun != "false")
      return outcomeResponse(400, "invalid", "dry_run is true or false");
    const bool dry = !dryRun || *dryRun == "true";
    if (s[5] == "reset") result = custom_data::resetNamespace(conn, *instance, ns, dry);
    else if (s[5] == "drop") result = custom_data::dropNamespace(conn, *instance, ns, dry);
    else return outcomeResponse(404, "not-found", "a namespace can be reset or dropped");
  }
  if (!result) return outcomeResponse(404, "not-found", "there is no namespace '" + ns + "'");
  return jsonResponse(200, json::write(*result));
}

}  // namespace flint::server
