// FHIR date/dateTime/instant text as the half-open range of instants it denotes at its precision
// ("2024" is all of 2024, "2024-03-05T10:00Z" one minute), in milliseconds since the epoch.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace flint::fhir {

struct DateRange {
  int64_t low;   // inclusive
  int64_t high;  // exclusive
};

// Dates without a time zone are taken as UTC. Returns nothing for text that is not a FHIR date.
std::optional<DateRange> parseDateRange(std::string_view text);

}  // namespace flint::fhir
