#include "fhir_resources/rest/supported_features.h"

namespace flint::fhir {

const SupportedFeatures& supportedFeatures() {
  static const SupportedFeatures features{
      {"read", "vread", "update", "patch", "delete", "history-instance", "history-type", "create", "search-type"},
      {"transaction", "batch", "search-system", "history-system"},
      {"_id", "_lastUpdated"},
  };
  return features;
}

}  // namespace flint::fhir
