#include "fhir_resources/storage/resource_number.h"

#include <algorithm>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "fhir_resources/definitions/definitions.h"
#include "fhir_resources/search/index/param_aliases.h"

namespace flint::fhir {
namespace {

constexpr uint64_t kPatientParts = (uint64_t{1} << 22) - 1;

// The parameters `type`'s references to its patient are stored under: its Patient compartment
// membership parameters, or the broader ones a typed membership parameter reads.
const std::vector<std::string>& storedMembershipParams(const std::string& type) {
  static std::mutex mutex;
  static std::unordered_map<std::string, std::vector<std::string>> byType;
  std::lock_guard lock(mutex);
  auto [it, added] = byType.try_emplace(type);
  if (added)
    for (const auto& param : Definitions::get().patientCompartmentParams(type)) {
      auto typed = typedReferencesOf(type, param);
      it->second.push_back(typed ? typed->param : param);
    }
  return it->second;
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
