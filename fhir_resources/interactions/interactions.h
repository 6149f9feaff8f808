// The FHIR REST interactions, one file each; the router picks one per request.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "fhir_resources/rest/fhir_request.h"
#include "fhir_resources/storage/resource_repository.h"

namespace flint::fhir {

FhirResponse readInteraction(FhirContext& ctx, const FhirRequest& req, const std::string& type, const std::string& id);
FhirResponse vreadInteraction(FhirContext& ctx, const FhirRequest& req, const std::string& type, const std::string& id,
                              const std::string& version);
// Reads by id that the server answers many at a time on a connection of its own: the key of
// `req` when it is one that `access` allows outright (whatever else it is, dispatch it as usual,
// which also reports its errors); the statement that fetches such reads of one instance; and
// their answers from its result, `keys[i]` planned from `requests[i]`.
std::optional<RowKey> plainRead(const FhirRequest& req, const Access& access);
db::Statement plainReadsStatement(const instances::Instance& instance, const std::vector<RowKey>& keys);
std::vector<FhirResponse> answerPlainReads(const db::StatementResult& result, const instances::Instance& instance,
                                           const std::vector<const FhirRequest*>& requests,
                                           const std::vector<RowKey>& keys);
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
// $validate of a resource of `type` (`id` empty at the type level).
FhirResponse validateInteraction(FhirContext& ctx, const FhirRequest& req, const std::string& type, const std::string& id);
FhirResponse patientEverythingInteraction(FhirContext& ctx, const FhirRequest& req, const std::string& patientId);
// search-type; with `compartmentPatient`, the Patient compartment search Patient/[id]/[type].
FhirResponse searchTypeInteraction(FhirContext& ctx, const FhirRequest& req, const std::string& type,
                                   const std::string& compartmentPatient = "");

}  // namespace flint::fhir
