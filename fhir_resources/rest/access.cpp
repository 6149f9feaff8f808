#include "fhir_resources/rest/access.h"

#include "fhir_resources/definitions/definitions.h"
#include "fhir_resources/rest/fhir_error.h"

namespace flint::fhir {
namespace {

const char* verb(Permission permission) {
  switch (permission) {
    case kCreate:
      return "create";
    case kRead:
      return "read";
    case kUpdate:
      return "update";
    case kDelete:
      return "delete";
    case kSearch:
      return "search";
  }
  return "use";
}

}  // namespace

bool Access::applies(const Grant& g, const std::string& type, Permission permission) const {
  return (g.type == "*" || g.type == type) && (g.permissions & permission) != 0 && (!g.forPatient || !patient_.empty());
}

bool Access::allows(const std::string& type, Permission permission) const {
  if (unrestricted_) return true;
  for (const auto& g : grants_)
    if (applies(g, type, permission)) return true;
  return false;
}

bool Access::allowsEveryType(Permission permission) const {
  if (unrestricted_) return true;
  for (const auto& g : grants_)
    if (g.type == "*" && !g.forPatient && g.param.empty() && (g.permissions & permission) != 0) return true;
  return false;
}

const std::string& Access::compartmentPatient(const std::string& type, Permission permission) const {
  static const std::string kNone;
  if (unrestricted_ || patient_.empty()) return kNone;
  for (const auto& g : grants_)
    if (!g.forPatient && applies(g, type, permission)) return kNone;
  if (type != "Patient" && Definitions::get().patientCompartmentParams(type).empty()) return kNone;
  return patient_;
}

const std::string& Access::referencingPatient(const std::string& type, Permission permission) const {
  static const std::string kNone;
  if (unrestricted_ || patient_.empty()) return kNone;
  for (const auto& g : grants_)
    if (!g.forPatient && applies(g, type, permission)) return kNone;
  if (type == "Patient" || !Definitions::get().patientCompartmentParams(type).empty()) return kNone;
  return patient_;
}

std::optional<std::pair<std::string, std::string>> Access::filter(const std::string& type,
                                                                  Permission permission) const {
  if (unrestricted_) return std::nullopt;
  // When grants without a patient bound exist they decide alone (any patient-bound ones add
  // only a part of what they cover).
  bool unbound = false;
  for (const auto& g : grants_) unbound |= !g.forPatient && applies(g, type, permission);
  std::optional<std::pair<std::string, std::string>> out;
  for (const auto& g : grants_) {
    if (!applies(g, type, permission) || (unbound && g.forPatient)) continue;
    if (g.param.empty()) return std::nullopt;  // a whole-type grant: nothing to narrow
    std::string value;
    for (char c : g.value) value += c == ',' ? std::string("\\,") : std::string(1, c);
    if (!out) out.emplace(g.param, value);
    // Only one parameter can be OR-ed in one search; grants on another parameter add nothing.
    else if (out->first == g.param) out->second += "," + value;
  }
  return out;
}

void requirePermission(const Access& access, const std::string& type, Permission permission) {
  if (!access.allows(type, permission))
    throw FhirError(403, "forbidden",
                    std::string("the access token grants no scope to ") + verb(permission) + " " +
                        (type == "*" ? "every resource type" : type));
}

}  // namespace flint::fhir
