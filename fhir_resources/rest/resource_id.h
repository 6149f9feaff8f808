// Logical ids: the FHIR id grammar, and fresh server-assigned ids (random UUIDs).
#pragma once

#include <string>
#include <string_view>

namespace flint::fhir {

bool isValidId(std::string_view id);  // [A-Za-z0-9\-\.]{1,64}
std::string newResourceId();

}  // namespace flint::fhir
