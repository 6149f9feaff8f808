#include "fhir_resources/interactions/write_request.h"

#include "fhir_resources/rest/fhir_error.h"
#include "fhir_resources/rest/request_headers.h"
#include "fhir_resources/validation/resource_validator.h"

namespace flint::fhir {

json::Value resourceBody(const FhirRequest& req) {
  if (!isJsonContentType(req.contentType))
    throw FhirError(415, "not-supported",
                    "Content-Type '" + req.contentType + "' is not supported; send application/fhir+json");
  return parseResourceBody(req.body);
}

std::optional<int64_t> ifMatchVersion(const FhirRequest& req) {
  if (req.ifMatch.empty()) return std::nullopt;
  auto version = parseETagVersion(req.ifMatch);
  if (!version) throw FhirError(400, "invalid", "If-Match must be an ETag such as W/\"3\"");
  return version;
}

}  // namespace flint::fhir
