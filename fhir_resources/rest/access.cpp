#include "fhir_resources/rest/access.h"

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

bool Access::allows(const std::string& type, Permission permission) const {
  if (unrestricted_ || allowsEveryType(permission)) return true;
  auto it = byType_.find(type);
  return it != byType_.end() && (it->second & permission) != 0;
}

bool Access::allowsEveryType(Permission permission) const {
  if (unrestricted_) return true;
  auto it = byType_.find("*");
  return it != byType_.end() && (it->second & permission) != 0;
}

void requirePermission(const Access& access, const std::string& type, Permission permission) {
  if (!access.allows(type, permission))
    throw FhirError(403, "forbidden",
                    std::string("the access token grants no scope to ") + verb(permission) + " " +
                        (type == "*" ? "every resource type" : type));
}

}  // namespace flint::fhir
