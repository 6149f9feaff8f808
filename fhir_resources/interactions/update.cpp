// update: PUT [type]/[id], which creates the resource when the id is new (update-as-create).
#include "fhir_resources/interactions/interactions.h"
#include "fhir_resources/interactions/resource_response.h"
#include "fhir_resources/interactions/write_request.h"
#include "fhir_resources/service/resource_service.h"

namespace flint::fhir {

FhirResponse updateInteraction(FhirContext& ctx, const FhirRequest& req, const std::string& type, const std::string& id) {
  json::Value resource = resourceBody(req);
  auto expected = ifMatchVersion(req);
  ResourceRepository repo(ctx.session, ctx.instance);
  auto result = ResourceService(repo, ctx.instance).update(type, id, std::move(resource), expected);
  return resourceResponse(req, result.row, result.created ? 201 : 200, true);
}

}  // namespace flint::fhir
