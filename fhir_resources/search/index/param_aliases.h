// Search parameters whose definitions make their values exactly those of other parameters, so
// that they need no index rows of their own: unions (R4's Observation combo-*: `combo-code` is
// `code | component-code`), about a fifth of an Observation-heavy data set's index rows; and
// typed references (`patient` is `subject.where(resolve() is Patient)`), a sixth of its
// reference rows.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "fhir_resources/definitions/definitions.h"

namespace flint::fhir {

// The parameters whose index rows hold `def`'s values: its own code, or for a union of other
// parameters theirs.
std::vector<std::string> storedParams(const SearchParamDef& def);

// Whether `def` has index rows of its own.
bool isStored(const SearchParamDef& def);

// A reference parameter of `type` whose references are those of another parameter of the type
// that point at `targetType`. Its reference rows are that parameter's with that target type;
// only its logical references (`:identifier` tokens) are stored under its own name.
struct TypedReferences {
  std::string param;
  std::string targetType;
};
std::optional<TypedReferences> typedReferencesOf(const std::string& type, const std::string& code);

}  // namespace flint::fhir
