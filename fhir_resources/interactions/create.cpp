// create: POST [type], the server assigns the id.
#include "fhir_resources/interactions/interactions.h"
#include "fhir_resources/interactions/resource_response.h"
#include "fhir_resources/interactions/write_request.h"
#include "fhir_resources/service/resource_service.h"

namespace flint::fhir {

FhirResponse createInteraction(FhirContext& ctx, const FhirRequest& req, const std::string& type) {
  json::Value resource = resourceBody(req);
  ResourceRepository repo(ctx.session, ctx.instance);
  auto result = ResourceService(repo, ctx.instance).create(type, std::move(resource), req.assignedId);
  return resourceResponse(req, result.row, 201, true);
}

}  // namespace flint::fhir
