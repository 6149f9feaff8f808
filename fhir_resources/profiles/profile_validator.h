// Checks a resource against one profile of the table: cardinality, types, fixed and pattern
// values, slices, required bindings, reference targets, extension profiles and invariants.
#pragma once

#include <vector>

#include "core/json/json_value.h"
#include "fhir_resources/profiles/profile_table.h"
#include "fhir_resources/rest/fhir_error.h"

namespace flint::fhir {

// Every issue found, each with its severity: "error" (the resource does not conform), "warning",
// or "information" for a rule Flint could not check (an invariant beyond its FHIRPath, a value
// set it cannot enumerate). The diagnostics name the profile's element id.
// `seen`, when given, is told of every element of a profile that holds a value, with the
// value's type: what a check of Must Support coverage counts.
class ElementObserver {
 public:
  virtual ~ElementObserver() = default;
  virtual void seen(const Profile& profile, const ProfileElement& element, std::string_view type) = 0;
};
std::vector<Issue> validateAgainstProfile(const json::Value& resource, const Profile& profile,
                                          ElementObserver* seen = nullptr);

bool hasErrors(const std::vector<Issue>& issues);

}  // namespace flint::fhir
