// Serialises a json::Value compactly or indented; numbers are written as their source text.
#pragma once

#include <string>

#include "core/json/json_value.h"

namespace flint::json {

std::string write(const Value& value, bool pretty = false);
void writeTo(std::string& out, const Value& value, bool pretty = false);
// Appends `s` as a quoted, escaped JSON string.
void writeString(std::string& out, std::string_view s);

}  // namespace flint::json
