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

bool Access::has(const std::map<std::string, uint8_t>& grants, const std::string& type, Permission permission) {
  for (const std::string& key : {std::string("*"), type}) {
    auto it = grants.find(key);
    if (it != grants.end() && (it->second & permission) != 0) return true;
  }
  return false;
}

bool Access::allows(const std::string& type, Permission permission) const {
  if (unrestricted_) return true;
  return has(byType_, type, permission) || (!patient_.empty() && has(forPatient_, type, permission));
}

bool Access::allowsEveryType(Permission permission) const {
  if (unrestricted_) return true;
  auto it = byType_.find("*");
  return it != byType_.end() && (it->second & permission) != 0;
}

const std::string& Access::compartmentPatient(const std::string& type, Permission permission) const {
  static const std::string kNone;
  if (unrestricted_ || has(byType_, type, permission) || patient_.empty()) return kNone;
  if (type != "Patient" && Definitions::get().patientCompartmentParams(type).empty()) return kNone;
  return patient_;
}

void requirePermission(const Access& access, const std::string& type, Permission permission) {
  if (!access.allows(type, permission))
    throw FhirError(403, "forbidden",
                    std::string("the access token grants no scope to ") + verb(permission) + " " +
                        (type == "*" ? "every resource type" : type));
}

}  // namespace flint::fhir
