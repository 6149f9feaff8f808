// Percent-encoding of query parameters, for the links Flint writes into Bundles.
#pragma once

#include <string>
#include <string_view>

#include "fhir_resources/rest/fhir_request.h"

namespace flint::fhir {

std::string percentEncode(std::string_view s);
std::string encodeQuery(const Params& params);

}  // namespace flint::fhir
