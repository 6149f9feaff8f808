#include "fhir_resources/search/last_updated_param.h"

#include <cstdlib>

#include "fhir_resources/rest/fhir_error.h"
#include "fhir_resources/rest/instant.h"
#include "fhir_resources/search/date_range.h"

namespace flint::fhir {

void addLastUpdatedBounds(const std::string& value, std::vector<InstantBound>& bounds) {
  std::string prefix = "eq";
  std::string date = value;
  if (value.size() >= 2 && std::isalpha(static_cast<unsigned char>(value[0]))) {
    prefix = value.substr(0, 2);
    date = value.substr(2);
  }
  auto range = parseDateRange(date);
  if (!range) throw FhirError(400, "invalid", "_lastUpdated value '" + value + "' is not a FHIR date", "_lastUpdated");
  using Op = InstantBound::Op;
  if (prefix == "eq") {
    bounds.push_back({Op::AtLeast, range->low});
    bounds.push_back({Op::Before, range->high});
  } else if (prefix == "ne") {
    bounds.push_back({Op::NotIn, range->low, range->high});
  } else if (prefix == "gt" || prefix == "sa") {
    bounds.push_back({Op::AtLeast, range->high});
  } else if (prefix == "lt" || prefix == "eb") {
    bounds.push_back({Op::Before, range->low});
  } else if (prefix == "ge") {
    bounds.push_back({Op::AtLeast, range->low});
  } else if (prefix == "le") {
    bounds.push_back({Op::Before, range->high});
  } else if (prefix == "ap") {
    // FHIR leaves "approximately" to the server; 10% of the distance from now, as the spec suggests.
    int64_t slack = std::llabs(nowMillis() - range->low) / 10;
    bounds.push_back({Op::AtLeast, range->low - slack});
    bounds.push_back({Op::Before, range->high + slack});
  } else {
    throw FhirError(400, "invalid", "unknown date prefix '" + prefix + "' in _lastUpdated", "_lastUpdated");
  }
}

}  // namespace flint::fhir
