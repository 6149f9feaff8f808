// The JSON representation and lexical format of each FHIR primitive type (R4 datatypes page).
#pragma once

#include <optional>
#include <string>

#include "core/json/json_value.h"

namespace flint::fhir {

bool isPrimitiveType(const std::string& type);
// Why `value` is not a valid `type`, or nothing when it is.
std::optional<std::string> primitiveError(const std::string& type, const json::Value& value);

}  // namespace flint::fhir
