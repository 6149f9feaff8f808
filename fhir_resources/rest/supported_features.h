// What the FHIR REST API implements today, in CapabilityStatement terms. The router and the
// interactions are the behaviour; this list states it, and grows as they do.
#pragma once

#include <string>
#include <vector>

namespace flint::fhir {

struct SupportedFeatures {
  std::vector<std::string> typeInteractions;
  std::vector<std::string> systemInteractions;
  // Searchable on every type beside the indexed parameters (columns of the resources table).
  std::vector<std::string> commonSearchParams;
};

const SupportedFeatures& supportedFeatures();

}  // namespace flint::fhir
