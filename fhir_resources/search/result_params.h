// Parameters that shape a result page rather than select resources: _count and paging cursors.
#pragma once

#include <optional>
#include <string>

#include "fhir_resources/rest/fhir_request.h"

namespace flint::fhir {

// _count as a page size within [0, settings.maxCount]; 400 when it is not a whole number.
int pageSize(const std::optional<std::string>& count, const FhirSettings& settings);

// Parameters that any FHIR endpoint accepts and the server layer handles (_format, _pretty).
bool isFormatParam(const std::string& name);

}  // namespace flint::fhir
