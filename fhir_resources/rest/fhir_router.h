// Dispatches a FhirRequest to its interaction and turns every failure into an OperationOutcome
// with the right status: the one place where errors become responses.
#pragma once

#include "fhir_resources/rest/fhir_request.h"

namespace flint::fhir {

FhirResponse routeFhirRequest(FhirContext& ctx, const FhirRequest& req);

// An OperationOutcome response for a failure outside the interactions (unknown instance, ...).
FhirResponse errorResponse(int status, const std::string& code, const std::string& diagnostics);

}  // namespace flint::fhir
