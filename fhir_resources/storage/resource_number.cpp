#include "fhir_resources/storage/resource_number.h"

#include <algorithm>
#include <unordered_map>
#include <vector>

#include "fhir_resources/definitions/definitions.h"
#include "fhir_resources/search/index/param_aliases.h"

namespace flint::fhir {
namespace {

constexpr uint64_t kPatientParts = (uint64_t{1} << 22) - 1;

// The parameters `type`'s references to its patient are stored under: its Patient compartment
// membership parameters, or the broader ones a typed membership parameter reads. Built once for
// every type, as each create asks.
const std::vector<std::string>& storedMembershipParams(const std::string& type) {
  static const std::unordered_map<std::string, std::vector<std::string>> byType = [] {
    std::unordered_map<std::string, std::vector<std::string>> out;
    for (const auto& t : Definitions::get().resourceTypes())
      for (const auto& param : Definitions::get().patientCompartmentParams(t)) {
        auto typed = typedReferencesOf(t, param);
        out[t].push_back(typed ? typed->param : param);
      }
    return out;
  }();
  static const std::vector<std::string> none;
  auto it = byType.find(type);
  return it == byType.end() ? none : it->second;
}

uint64_t fnv1a(const std::string& text) {
  uint64_t hash = 14695981039346656037ull;
  for (unsigned char c : text) hash = (hash ^ c) * 1099511628211ull;
  return hash;
}

}  // namespace

int64_t patientPart(const std::string& type, const std::string& id, const IndexRows& index) {
  const std::string* patient = type == "Patient" ? &id : nullptr;
  if (patient == nullptr) {
    const auto& params = storedMembershipParams(type);
    for (const auto& r : index.references)
      if (r.targetType == "Patient" && std::find(params.begin(), params.end(), r.param) != params.end()) {
        patient = &r.targetId;
        break;
      }
  }
  if (patient == nullptr) return 0;
  return static_cast<int64_t>(fnv1a(*patient) % kPatientParts + 1);
}

}  // namespace flint::fhir
