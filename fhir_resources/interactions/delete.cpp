// delete: DELETE [type]/[id]; deleting an already deleted resource succeeds again.
#include "fhir_resources/interactions/interactions.h"
#include "fhir_resources/interactions/write_request.h"
#include "fhir_resources/rest/request_headers.h"
#include "fhir_resources/service/resource_service.h"

namespace flint::fhir {

FhirResponse deleteInteraction(FhirContext& ctx, const FhirRequest& req, const std::string& type, const std::string& id) {
  auto expected = ifMatchVersion(req);
  ResourceRepository repo(ctx.session, ctx.instance);
  auto deletion = ResourceService(repo, ctx.instance).remove(type, id, expected);
  FhirResponse response;
  response.status = 204;
  if (deletion) response.headers.emplace_back("ETag", etagFor(deletion->versionId));
  return response;
}

}  // namespace flint::fhir
