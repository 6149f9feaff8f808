// Validates a resource's JSON against its StructureDefinition from the generated definitions:
// known elements only, cardinality, choice types, primitive formats, required elements and
// required-binding codes — recursively through complex types, extensions and contained resources.
#pragma once

#include <vector>

#include "core/json/json_value.h"
#include "fhir_resources/rest/fhir_error.h"

namespace flint::fhir {

// Every problem found (up to a limit), each naming the element, e.g. Patient.name[0].given[1].
std::vector<Issue> validateStructure(const json::Value& resource);

}  // namespace flint::fhir
