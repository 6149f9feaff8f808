// Dispatches a FhirRequest to its interaction and turns every failure into an OperationOutcome
// with the right status: the one place where errors become responses.
#pragma once

#include "fhir_resources/rest/fhir_error.h"
#include "fhir_resources/rest/fhir_request.h"

namespace flint::fhir {

FhirResponse routeFhirRequest(FhirContext& ctx, const FhirRequest& req);
// The interaction for `req`; failures are thrown as FhirError (batch and transaction use this).
FhirResponse dispatchFhirRequest(FhirContext& ctx, const FhirRequest& req);
FhirResponse errorResponse(const FhirError& error);

// An OperationOutcome response for a failure outside the interactions (unknown instance, ...).
FhirResponse errorResponse(int status, const std::string& code, const std::string& diagnostics);

}  // namespace flint::fhir
