#include "fhir_resources/search/result_params.h"

#include <algorithm>
#include <charconv>

#include "fhir_resources/rest/fhir_error.h"

namespace flint::fhir {

int pageSize(const std::optional<std::string>& count, const FhirSettings& settings) {
  if (!count) return settings.defaultCount;
  long long n = 0;
  auto [ptr, ec] = std::from_chars(count->data(), count->data() + count->size(), n);
  if (ec != std::errc() || ptr != count->data() + count->size() || n < 0)
    throw FhirError(400, "invalid", "_count must be a non-negative whole number", "_count");
  return static_cast<int>(std::min<long long>(n, settings.maxCount));
}

bool isFormatParam(const std::string& name) { return name == "_format" || name == "_pretty"; }

}  // namespace flint::fhir
