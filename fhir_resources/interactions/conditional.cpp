// Conditional create (If-None-Exist), update (PUT [type]?criteria), patch and delete
// (DELETE [type]?criteria). Each runs in one database transaction holding a per-type advisory
// lock, so concurrent identical requests cannot both find no match and both create.
#include "core/json/json_parser.h"
#include "core/url/query_string.h"
#include "fhir_resources/interactions/interactions.h"
#include "fhir_resources/interactions/resource_response.h"
#include "fhir_resources/interactions/write_request.h"
#include "fhir_resources/rest/fhir_error.h"
#include "fhir_resources/rest/request_headers.h"
#include "fhir_resources/search/search_request.h"
#include "fhir_resources/service/resource_service.h"

namespace flint::fhir {
namespace {

// The request's query minus the parameters that only shape the response.
Params criteriaOf(const FhirRequest& req) {
  Params criteria;
  for (const auto& p : req.params)
    if (p.first != "_format" && p.first != "_pretty") criteria.push_back(p);
  return criteria;
}

[[noreturn]] void multipleMatches(const std::string& type) {
  throw FhirError(412, "multiple-matches", "the criteria match more than one " + type);
}

}  // namespace

FhirResponse conditionalCreateInteraction(FhirContext& ctx, const FhirRequest& req, const std::string& type) {
  json::Value resource = resourceBody(req);
  auto criteria = url::parseQuery(req.ifNoneExist[0] == '?' ? req.ifNoneExist.substr(1) : req.ifNoneExist);
  if (!criteria) throw FhirError(400, "invalid", "If-None-Exist is not a valid query");
  db::Transaction tx(ctx.session);
  ResourceRepository repo(ctx.session, ctx.instance);
  repo.lockConditionalWrites(type);
  auto matches = findConditionalMatches(ctx, type, *criteria, req.baseUrl, 2);
  if (matches.size() > 1) multipleMatches(type);
  if (matches.size() == 1) {
    tx.commit();
    return resourceResponse(req, matches.front(), 200, true);
  }
  auto result = ResourceService(repo, ctx.instance).create(type, std::move(resource), req.assignedId);
  tx.commit();
  return resourceResponse(req, result.row, 201, true);
}

FhirResponse conditionalUpdateInteraction(FhirContext& ctx, const FhirRequest& req, const std::string& type) {
  json::Value resource = resourceBody(req);
  auto expected = ifMatchVersion(req);
  db::Transaction tx(ctx.session);
  ResourceRepository repo(ctx.session, ctx.instance);
  repo.lockConditionalWrites(type);
  auto matches = findConditionalMatches(ctx, type, criteriaOf(req), req.baseUrl, 2);
  if (matches.size() > 1) multipleMatches(type);
  auto bodyId = resource.stringAt("id");
  WriteResult result;
  if (matches.size() == 1) {
    const std::string& id = matches.front().id;
    if (bodyId && *bodyId != id)
      throw FhirError(400, "invalid", "the body's id ('" + *bodyId + "') is not the id of the match ('" + id + "')",
                      type + ".id");
    resource.set("id", json::Value::string(id));
    result = ResourceService(repo, ctx.instance).update(type, id, std::move(resource), expected);
  } else if (bodyId) {
    result = ResourceService(repo, ctx.instance).update(type, *bodyId, std::move(resource), expected);
  } else {
    result = ResourceService(repo, ctx.instance).create(type, std::move(resource));
  }
  tx.commit();
  return resourceResponse(req, result.row, result.created ? 201 : 200, true);
}

FhirResponse conditionalPatchInteraction(FhirContext& ctx, const FhirRequest& req, const std::string& type) {
  db::Transaction tx(ctx.session);
  ResourceRepository repo(ctx.session, ctx.instance);
  repo.lockConditionalWrites(type);
  auto matches = findConditionalMatches(ctx, type, criteriaOf(req), req.baseUrl, 2);
  if (matches.size() > 1) multipleMatches(type);
  if (matches.empty()) throw FhirError(404, "not-found", "no " + type + " matches the criteria");
  FhirResponse response = patchInteraction(ctx, req, type, matches.front().id);
  tx.commit();
  return response;
}

FhirResponse conditionalDeleteInteraction(FhirContext& ctx, const FhirRequest& req, const std::string& type) {
  auto expected = ifMatchVersion(req);
  db::Transaction tx(ctx.session);
  ResourceRepository repo(ctx.session, ctx.instance);
  repo.lockConditionalWrites(type);
  const bool multiple = ctx.settings.conditionalDeleteMultiple;
  auto matches = findConditionalMatches(ctx, type, criteriaOf(req), req.baseUrl, multiple ? ctx.settings.maxCount + 1 : 2);
  if (!multiple && matches.size() > 1) multipleMatches(type);
  if (static_cast<int>(matches.size()) > ctx.settings.maxCount)
    throw FhirError(412, "too-costly", "the criteria match more than " + std::to_string(ctx.settings.maxCount) +
                                           " resources; narrow them");
  ResourceService service(repo, ctx.instance);
  for (const auto& match : matches) service.remove(type, match.id, expected);
  tx.commit();
  FhirResponse response;
  response.status = 204;
  return response;
}

}  // namespace flint::fhir
