// The searchset Bundle every search-like interaction answers with (search-type, system search,
// Patient/$everything): one page, its total, includes, outcome and paging links.
#pragma once

#include <string>

#include "fhir_resources/rest/fhir_request.h"
#include "fhir_resources/search/search_request.h"

namespace flint::fhir {

// Runs `parsed` and writes the page; the links repeat `parsed.kept` at `path`.
FhirResponse searchResponse(FhirContext& ctx, const FhirRequest& req, ParsedSearch& parsed, const std::string& path);

}  // namespace flint::fhir
