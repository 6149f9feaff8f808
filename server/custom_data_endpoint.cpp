// Custom data over HTTP, with the namespace's key in "Authorization: Namespace <key>": rows at
// /{instance}/custom-data/{namespace}/models/{model}[/{key}|/_{action}] and .../atomic
// (custom_data/rows/row_service.h), AttributeHubs at .../hubs[/{type}/{id}[/attributes/{name}]].
#include "core/json/json_value.h"
#include "custom_data/hubs/attribute_hubs.h"
#include "custom_data/rows/field_values.h"
#include "custom_data/rows/row_service.h"
#include "fhir_resources/rest/fhir_error.h"
#include "server/app.h"
#include "server/responses.h"

namespace flint::server {

http::HttpResponse App::handleCustomData(const http::HttpRequest& request, const instances::Instance& instance) {
  // {instance}, custom-data, {namespace}, models, {model}[, {key} | _{action}]; or {namespace}, atomic
  const auto& s = request.segments;
  const bool atomic = s.size() == 4 && s[3] == "atomic";
  const bool hubs = s.size() >= 4 && s[3] == "hubs";
  if (!atomic && !hubs && ((s.size() != 5 && s.size() != 6) || s[3] != "models"))
    return outcomeResponse(404, "not-found",
                           "custom data is at /{instance}/custom-data/{namespace}/models/{model} and .../hubs");
  custom_data::RowRequest rows;
  rows.method = request.method;
  rows.ns = s[2];
  if (hubs) {
    for (size_t i = 4; i < s.size(); ++i) rows.key += (i > 4 ? "/" : "") + s[i];
  } else {
    if (!atomic) rows.model = s[4];
    if (s.size() == 6) rows.key = s[5];
  }
  rows.params = request.query;
  rows.body = request.body;
  rows.authorization = std::string(request.header("authorization"));
  if (!atomic && !hubs) rows.collectionUrl = config_.publicUrl + "/" + s[0] + "/custom-data/" + s[2] + "/models/" + s[4];
  try {
    auto& session = db::Session::forThisThread(config_.databaseUrl);
    auto result = hubs ? custom_data::handleHubs(session, instance, rows) : custom_data::handleRows(session, instance, rows);
    if (result.status == 204) {
      http::HttpResponse r;
      r.status = 204;
      return r;
    }
    return jsonResponse(result.status, std::move(result.body));
  } catch (const custom_data::RowError& e) {
    auto r = outcomeResponse(e.status(), e.status() == 401 ? "login" : e.status() == 403 ? "forbidden"
                                         : e.status() == 404 ? "not-found" : "invalid",
                             e.kind() + ": " + e.what());
    if (e.status() == 401) r.headers.emplace_back("WWW-Authenticate", "Namespace");
    return r;
  }
}

}  // namespace flint::server
