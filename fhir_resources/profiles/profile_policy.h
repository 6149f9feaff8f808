// Which US Core profiles a resource is held to under an instance's profile validation setting
// (off, claimed, required), for writes (422 when it does not conform) and for $validate.
#pragma once

#include <string>
#include <vector>

#include "core/json/json_value.h"
#include "fhir_resources/profiles/profile_table.h"
#include "fhir_resources/rest/fhir_error.h"

namespace flint::fhir {

struct ProfileCheck {
  std::vector<const Profile*> profiles;  // to validate against
  std::vector<Issue> issues;             // what the claims themselves get wrong
};

// off: none. claimed: the US Core profiles in meta.profile (with or without |version; without,
// the latest Flint has); profiles of other guides are not checked. required: as claimed, and a
// resource of a type US Core profiles must claim one of them (a type with a single profile is
// held to it without a claim).
ProfileCheck profilesFor(const json::Value& resource, const std::string& type, const std::string& mode);

// Every issue of checking `resource` against `check` (each profile's, then the claims').
std::vector<Issue> checkProfiles(const json::Value& resource, const ProfileCheck& check);

// For writes: throws FhirError 422 with every error when `resource` does not conform.
void enforceProfiles(const json::Value& resource, const std::string& type, const std::string& mode);

}  // namespace flint::fhir
