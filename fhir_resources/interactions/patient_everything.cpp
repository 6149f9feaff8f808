// Patient/[id]/$everything: the patient's whole record (the patient, its compartment and the
// resources they reference), paged like any search, narrowed by _type and _since.
#include <algorithm>

#include "fhir_resources/definitions/definitions.h"
#include "fhir_resources/interactions/interactions.h"
#include "fhir_resources/interactions/search_response.h"
#include "fhir_resources/rest/fhir_error.h"
#include "fhir_resources/rest/request_headers.h"
#include "fhir_resources/search/index_condition.h"
#include "fhir_resources/search/date_range.h"
#include "fhir_resources/search/result_params.h"
#include "fhir_resources/search/search_access.h"

namespace flint::fhir {

FhirResponse patientEverythingInteraction(FhirContext& ctx, const FhirRequest& req, const std::string& patientId) {
  ParsedSearch parsed;
  ResourceQuery& query = parsed.query;
  std::optional<std::string> cursor;
  const bool strict = parsePrefer(req.prefer).strictHandling;
  for (const auto& [name, value] : req.params) {
    if (name == "_type") {
      for (const auto& t : splitSearchValues(value)) {
        if (!Definitions::get().isResourceType(t)) throw FhirError(400, "invalid", "'" + t + "' is not a resource type", name);
        query.types.push_back(t);
      }
    } else if (name == "_since") {
      auto since = parseDateRange(value);
      if (!since) throw FhirError(400, "invalid", "_since must be a FHIR instant", name);
      query.lastUpdated.push_back({InstantBound::Op::AtLeast, since->low, 0});
    } else if (name == "_count") {
      parsed.count = value;
    } else if (name == kCursorParam) {
      cursor = value;
      continue;
    } else if (isFormatParam(name)) {
    } else {
      if (strict) throw FhirError(400, "not-supported", "$everything does not take '" + name + "'", name);
      parsed.ignored.push_back(name);
      continue;
    }
    parsed.kept.emplace_back(name, value);
  }
  if (query.types.empty()) query.types = Definitions::get().resourceTypes();
  std::sort(query.types.begin(), query.types.end());
  query.types.erase(std::unique(query.types.begin(), query.types.end()), query.types.end());
  restrictToPatientRecord(query, patientId, ctx, req.baseUrl);
  auto patient = ResourceRepository(ctx.session, ctx.instance).current("Patient", patientId);
  if (!patient) throw FhirError(404, "not-found", "Patient/" + patientId + " is not known");
  if (patient->deleted) throw FhirError(410, "deleted", "Patient/" + patientId + " has been deleted");
  if (cursor) query.cursor = decodeCursor(*cursor, 0);
  return searchResponse(ctx, req, parsed, req.baseUrl + "/Patient/" + patientId + "/$everything");
}

}  // namespace flint::fhir
