// Turns one search parameter of type token, string, reference, date, number, quantity, uri or
// composite (with its modifier and comma-separated values) into a condition on its index table.
#pragma once

#include <string>

#include "fhir_resources/definitions/definitions.h"
#include "fhir_resources/storage/resource_repository.h"

namespace flint::fhir {

// Throws FhirError 400 for a malformed value or a modifier the parameter type does not take.
IndexCondition indexCondition(const SearchParamDef& def, const std::string& modifier, const std::string& value,
                              const std::string& baseUrl);

// Splits a parameter value at unescaped commas and removes the \, \| \$ \\ escapes.
std::vector<std::string> splitSearchValues(const std::string& value);

}  // namespace flint::fhir
