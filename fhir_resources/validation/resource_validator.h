// The one place a resource is checked before it is stored. For now: the JSON shape, the
// resourceType and the id; full structural validation against the definitions plugs in here.
#pragma once

#include <string>
#include <string_view>

#include "core/json/json_value.h"

namespace flint::fhir {

// Parses a request body as a FHIR JSON resource; malformed JSON is a 400 naming the byte offset.
json::Value parseResourceBody(std::string_view body);

// Throws FhirError (400) naming the offending element when `resource` cannot be a `type`.
void validateResource(const json::Value& resource, const std::string& type);

}  // namespace flint::fhir
