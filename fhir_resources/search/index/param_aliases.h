// Search parameters whose definitions make their values exactly the union of other parameters'
// values (R4's Observation combo-*: `combo-code` is `code | component-code`). Such a parameter
// is not stored: searching it reads the rows of the parameters it unites, which saves about a
// fifth of an Observation-heavy data set's index rows.
#pragma once

#include <string>
#include <vector>

#include "fhir_resources/definitions/definitions.h"

namespace flint::fhir {

// The parameters whose index rows hold `def`'s values: its own code, or for a union of other
// parameters theirs.
std::vector<std::string> storedParams(const SearchParamDef& def);

// Whether `def` has index rows of its own.
bool isStored(const SearchParamDef& def);

}  // namespace flint::fhir
