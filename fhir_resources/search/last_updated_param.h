// _lastUpdated: a date search with a prefix (eq ne gt lt ge le sa eb ap) over the resource's
// lastUpdated instant, reduced to bounds on the stored column.
#pragma once

#include <string>
#include <vector>

#include "fhir_resources/storage/resource_repository.h"

namespace flint::fhir {

// Appends the bounds for one _lastUpdated value; 400 when the prefix or date is malformed.
void addLastUpdatedBounds(const std::string& value, std::vector<InstantBound>& bounds);

}  // namespace flint::fhir
