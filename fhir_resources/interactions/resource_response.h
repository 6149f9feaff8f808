// The response to an interaction that returns one resource version: ETag, Last-Modified,
// Location, and a body shaped by the client's Prefer header.
#pragma once

#include "fhir_resources/rest/fhir_request.h"
#include "fhir_resources/storage/resource_repository.h"

namespace flint::fhir {

FhirResponse resourceResponse(const FhirRequest& req, const ResourceRow& row, int status, bool withLocation);
// Sets ETag and Last-Modified for `row`.
void addVersionHeaders(FhirResponse& response, const ResourceRow& row);

}  // namespace flint::fhir
