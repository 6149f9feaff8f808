// patch: PATCH [type]/[id] with a JSON Patch (RFC 6902) document; If-Match guards it.
#include "core/json/json_parser.h"
#include "fhir_resources/interactions/interactions.h"
#include "fhir_resources/interactions/resource_response.h"
#include "fhir_resources/interactions/write_request.h"
#include "fhir_resources/rest/fhir_error.h"
#include "fhir_resources/service/resource_service.h"

namespace flint::fhir {

FhirResponse patchInteraction(FhirContext& ctx, const FhirRequest& req, const std::string& type, const std::string& id) {
  if (req.contentType != "application/json-patch+json")
    throw FhirError(415, "not-supported", "PATCH takes a JSON Patch document (Content-Type: application/json-patch+json)");
  json::Value patch;
  try {
    patch = json::parse(req.body);
  } catch (const json::ParseError& e) {
    throw FhirError(400, "invalid", std::string("the patch is not valid JSON: ") + e.what());
  }
  auto expected = ifMatchVersion(req);
  ResourceRepository repo(ctx.session, ctx.instance);
  auto result = ResourceService(repo, ctx.instance).patch(type, id, patch, expected);
  return resourceResponse(req, result.row, 200, false);
}

}  // namespace flint::fhir
