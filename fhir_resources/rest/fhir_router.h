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
// Inside a catch block: the response to the exception being handled — a FhirError's own, 503 for
// an unreachable database or a cancelled statement, else 500.
FhirResponse failureResponse();
// The response to a failed statement: its SQLSTATE, or "" when the database could not be reached;
// `message` (the error's, redacted) goes to the log with a 500.
FhirResponse databaseFailureResponse(const std::string& sqlState, const std::string& message = "");

// An OperationOutcome response for a failure outside the interactions (unknown instance, ...).
FhirResponse errorResponse(int status, const std::string& code, const std::string& diagnostics);

}  // namespace flint::fhir
