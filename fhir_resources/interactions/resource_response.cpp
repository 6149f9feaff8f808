#include "fhir_resources/interactions/resource_response.h"

#include "fhir_resources/rest/fhir_error.h"
#include "fhir_resources/rest/instant.h"
#include "fhir_resources/rest/request_headers.h"

namespace flint::fhir {

void addVersionHeaders(FhirResponse& response, const ResourceRow& row) {
  response.headers.emplace_back("ETag", etagFor(row.versionId));
  response.headers.emplace_back("Last-Modified", formatHttpDate(row.lastUpdated));
}

FhirResponse resourceResponse(const FhirRequest& req, const ResourceRow& row, int status, bool withLocation) {
  FhirResponse response;
  response.status = status;
  addVersionHeaders(response, row);
  if (withLocation)
    response.headers.emplace_back("Location", req.baseUrl + "/" + row.type + "/" + row.id + "/_history/" +
                                                  std::to_string(row.versionId));
  switch (parsePrefer(req.prefer).returnPref) {
    case ReturnPreference::Minimal: break;
    case ReturnPreference::Representation: response.body = row.content; break;
    case ReturnPreference::OperationOutcome:
      response.body = operationOutcome("information", "informational",
                                       row.type + "/" + row.id + " version " + std::to_string(row.versionId) +
                                           (status == 201 ? " created" : " stored"));
      break;
  }
  return response;
}

}  // namespace flint::fhir
