// Points in time as FHIR and HTTP write them; Flint keeps them as milliseconds since the epoch (UTC).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace flint::fhir {

int64_t nowMillis();
std::string formatInstant(int64_t millis);   // 2026-11-22T03:55:00.123Z
std::string formatHttpDate(int64_t millis);  // Sun, 22 Nov 2026 03:55:00 GMT
std::optional<int64_t> parseHttpDate(std::string_view text);

}  // namespace flint::fhir
