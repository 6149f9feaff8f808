// SMART scopes, v1 (patient/Observation.read) and v2 (patient/Observation.rs?category=...),
// parsed into one model; the intersection that grants a request within a client's ceiling.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "fhir_resources/rest/access.h"

namespace flint::auth {

enum class ScopeContext { Patient, User, System };

struct ResourceScope {
  ScopeContext context;
  std::string type;          // a resource type or "*"
  uint8_t permissions;       // fhir::Permission bits
  std::string query;         // v2 granular restriction after '?', or empty
  bool v1 = false;           // written as .read / .write / .*
  std::string text;          // as written

  // Canonical text: v1 form when it was v1 and still means the same, v2 otherwise.
  std::string format() const;
};

struct ScopeSet {
  std::vector<ResourceScope> resources;
  std::vector<std::string> other;  // openid, fhirUser, launch/patient, offline_access, ...

  std::string format() const;
  bool empty() const { return resources.empty() && other.empty(); }
};

// One scope token; nullopt when it is not a resource scope.
std::optional<ResourceScope> parseResourceScope(const std::string& token);
// The scopes of a space-separated string. Unknown tokens are dropped, so they are never granted.
ScopeSet parseScopes(const std::string& text);

// What may be granted of `requested` within `ceiling`: each requested resource scope narrowed to
// what some ceiling scope of the same context allows, and the other scopes the ceiling names.
ScopeSet intersect(const ScopeSet& requested, const ScopeSet& ceiling);

// The FHIR access granted scopes give: system/ and user/ scopes by type; patient/ scopes read and
// search within `patient`'s compartment (nothing without a patient); granular scopes
// (?param=value) read and search what that search parameter finds.
fhir::Access accessOf(const ScopeSet& scopes, const std::string& patient = "");

}  // namespace flint::auth
