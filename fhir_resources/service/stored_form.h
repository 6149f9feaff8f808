// The form in which a resource version is stored and served: id and meta.versionId/lastUpdated
// set by the server, resourceType, id and meta first.
#pragma once

#include <cstdint>
#include <string>

#include "core/json/json_value.h"

namespace flint::fhir {

// Rewrites `resource` into its stored form and returns it serialised.
std::string storedForm(json::Value& resource, const std::string& id, int64_t versionId, int64_t lastUpdated);

}  // namespace flint::fhir
