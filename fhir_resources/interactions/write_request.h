// What every write interaction checks of the request before touching storage.
#pragma once

#include <optional>

#include "core/json/json_value.h"
#include "fhir_resources/rest/fhir_request.h"

namespace flint::fhir {

// The body as a JSON resource: 415 for a non-JSON Content-Type, 400 for malformed JSON.
json::Value resourceBody(const FhirRequest& req);
// The version an If-Match header asks for; 400 when it is not an ETag.
std::optional<int64_t> ifMatchVersion(const FhirRequest& req);

}  // namespace flint::fhir
