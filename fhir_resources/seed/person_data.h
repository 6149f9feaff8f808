// Names, addresses, phone numbers and NPIs for synthetic people and organizations.
#pragma once

#include <array>
#include <string>

#include "core/json/json_value.h"
#include "fhir_resources/seed/seed_random.h"

namespace flint::fhir::seed {

extern const std::array<const char*, 12> kFamily;
extern const std::array<const char*, 12> kGivenFemale;
extern const std::array<const char*, 12> kGivenMale;

// A US Core address (line, city, state, postal code, country) with the given use.
json::Value address(Random& rnd, const std::string& use);
std::string phoneNumber(Random& rnd);
// A 10-digit NPI with a valid Luhn check digit (computed over the 80840 prefix, per CMS).
std::string npi(Random& rnd);

}  // namespace flint::fhir::seed
