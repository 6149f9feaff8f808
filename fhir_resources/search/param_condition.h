// One search parameter of a request (plain, chained such as `subject:Patient.name`, or reverse
// chained `_has:Observation:patient:code`, nested to a few levels) as a condition on the index.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "fhir_resources/definitions/definitions.h"
#include "fhir_resources/storage/resource_repository.h"

namespace flint::fhir {

// The parameter `code` (without modifier) indexed on every one of `types` with one kind; null
// when there is none.
const SearchParamDef* commonIndexedParam(const std::vector<std::string>& types, const std::string& code);

// The condition `name=value` puts on resources of `types`; nothing when the parameter (or the
// end of its chain) is not one Flint indexes. Throws FhirError 400 for malformed values and
// chains that cannot be followed.
std::optional<IndexCondition> searchCondition(const std::vector<std::string>& types, const std::string& name,
                                              const std::string& value, const std::string& baseUrl);

}  // namespace flint::fhir
