// Token parameters whose entries are also kept in the order of a date parameter of the same
// type: the pairs US Core's search combinations name (Observation's category and code with its
// date, DocumentReference's type with its period, ...), so that a search for one value sorted
// by that date (Observation?category=laboratory&_sort=-date) reads the value's entries newest
// first and stops at the page, however many resources have the value.
#pragma once

#include <string>
#include <vector>

namespace flint::fhir {

struct DatedToken {
  std::string token;  // the token parameter
  std::string date;   // the date parameter
  std::string entry;  // the composite entries' parameter: the token's codes with the resource's dates
};

const std::vector<DatedToken>& datedTokens(const std::string& type);
// The pair of `token` and `date` of `type`, if its entries are kept.
const DatedToken* datedToken(const std::string& type, const std::string& token, const std::string& date);

}  // namespace flint::fhir
