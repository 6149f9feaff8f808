// The FHIR REST interactions, one file each; the router picks one per request.
#pragma once

#include <string>

#include "fhir_resources/rest/fhir_request.h"

namespace flint::fhir {

FhirResponse readInteraction(FhirContext& ctx, const FhirRequest& req, const std::string& type, const std::string& id);
FhirResponse vreadInteraction(FhirContext& ctx, const FhirRequest& req, const std::string& type, const std::string& id,
                              const std::string& version);
FhirResponse createInteraction(FhirContext& ctx, const FhirRequest& req, const std::string& type);
FhirResponse updateInteraction(FhirContext& ctx, const FhirRequest& req, const std::string& type, const std::string& id);
FhirResponse patchInteraction(FhirContext& ctx, const FhirRequest& req, const std::string& type, const std::string& id);
FhirResponse deleteInteraction(FhirContext& ctx, const FhirRequest& req, const std::string& type, const std::string& id);
// History of one resource (type and id), of a type (id empty) or of the whole instance (both empty).
FhirResponse historyInteraction(FhirContext& ctx, const FhirRequest& req, const std::string& type,
                                const std::string& id);
// search-system: GET [base]?_type=A,B&... over several types.
FhirResponse systemSearchInteraction(FhirContext& ctx, const FhirRequest& req);
// Conditional interactions: the criteria are If-None-Exist (create) or the query string.
FhirResponse conditionalCreateInteraction(FhirContext& ctx, const FhirRequest& req, const std::string& type);
FhirResponse conditionalUpdateInteraction(FhirContext& ctx, const FhirRequest& req, const std::string& type);
FhirResponse conditionalPatchInteraction(FhirContext& ctx, const FhirRequest& req, const std::string& type);
FhirResponse conditionalDeleteInteraction(FhirContext& ctx, const FhirRequest& req, const std::string& type);
// batch and transaction: POST [base] with a Bundle.
FhirResponse bundleInteraction(FhirContext& ctx, const FhirRequest& req);
// Patient/[id]/$everything.
FhirResponse patientEverythingInteraction(FhirContext& ctx, const FhirRequest& req, const std::string& patientId);
// search-type; with `compartmentPatient`, the Patient compartment search Patient/[id]/[type].
FhirResponse searchTypeInteraction(FhirContext& ctx, const FhirRequest& req, const std::string& type,
                                   const std::string& compartmentPatient = "");

}  // namespace flint::fhir
