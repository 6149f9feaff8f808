// Custom data over HTTP, with the namespace's key in "Authorization: Namespace <key>": rows at
// /{instance}/custom-data/{namespace}/models/{model}[/{key}|/_{action}] and .../atomic
// (custom_data/rows/row_service.h), AttributeHubs at .../hubs[/{type}/{id}[/attributes/{name}]].
#include "core/instances/data_routing.h"
#include "core/json/json_value.h"
#include "custom_data/hubs/attribute_hubs.h"
#include "custom_data/rows/field_values.h"
#include "custom_data/rows/row_service.h"
#include "fhir_resources/rest/fhir_error.h"
#include "fhir_resources/rest/fhir_router.h"
#include "server/app.h"
#include "server/responses.h"

namespace flint::server {

namespace {

http::HttpResponse rowErrorResponse(const custom_data::RowError& e) {
  auto r = outcomeResponse(e.status(), e.status() == 401 ? "login" : e.status() == 403 ? "forbidden"
                                       : e.status() == 404 ? "not-found" : "invalid",
                           e.kind() + ": " + e.what());
  if (e.status() == 401) r.headers.emplace_back("WWW-Authenticate", "Namespace");
  return r;
}

}  // namespace

std::optional<custom_data::RowRequest> App::rowRequestOf(const http::HttpRequest& request) const {
  // {instance}, custom-data, {namespace}, models, {model}[, {key} | _{action}]; or {namespace}, atomic
  const auto& s = request.segments;
  const bool atomic = s.size() == 4 && s[3] == "atomic";
  const bool hubs = s.size() >= 4 && s[3] == "hubs";
  if (!atomic && !hubs && ((s.size() != 5 && s.size() != 6) || s[3] != "models")) return std::nullopt;
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
  return rows;
}

http::HttpResponse App::handleCustomData(const http::HttpRequest& request, const instances::Instance& instance) {
  const auto rows = rowRequestOf(request);
  if (!rows)
    return outcomeResponse(404, "not-found",
                           "custom data is at /{instance}/custom-data/{namespace}/models/{model} and .../hubs");
  try {
    auto& session = instances::primarySession(instance);
    const bool hubs = request.segments[3] == "hubs";
    auto result = hubs ? custom_data::handleHubs(session, instance, *rows) : custom_data::handleRows(session, instance, *rows);
    if (result.status == 204) {
      http::HttpResponse r;
      r.status = 204;
      return r;
    }
    return jsonResponse(result.status, std::move(result.body));
  } catch (const custom_data::RowError& e) {
    return rowErrorResponse(e);
  }
}

// Only when nothing but the row is needed: the instance and the key's access are already
// remembered, so the reactor never waits on the database to decide.
std::optional<custom_data::QuickRowRead> App::customRowRead(const http::HttpRequest& request) {
  const auto& s = request.segments;
  if (s.size() != 6 || s[1] != "custom-data" || s[3] != "models") return std::nullopt;
  auto instance = instances_.peek(s[0]);
  if (!instance || !audit_.accepting(*instance)) return std::nullopt;
  auto rows = rowRequestOf(request);
  return rows ? custom_data::quickRowRead(*instance, *rows) : std::nullopt;
}

http::HttpResponse App::answerCustomRowRead(const custom_data::QuickRowRead& read, const db::StatementResult& result) {
  if (!result.ok()) {
    auto failure = fhir::databaseFailureResponse(result.sqlState());
    http::HttpResponse r;
    r.status = failure.status;
    r.contentType = kFhirJson;
    r.body = std::move(failure.body);
    return r;
  }
  try {
    return jsonResponse(200, custom_data::answerQuickRowRead(read, result).body);
  } catch (const custom_data::RowError& e) {
    return rowErrorResponse(e);
  }
}

}  // namespace flint::server
