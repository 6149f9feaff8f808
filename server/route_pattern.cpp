#include "server/route_pattern.h"

#include <set>

#include "fhir_resources/definitions/definitions.h"

namespace flint::server {

std::string routePattern(const std::vector<std::string>& s) {
  static const std::set<std::string> topLevel = {"admin", "developer", "directory", "docs", "health", "metrics"};
  if (s.empty()) return "/";
  if (topLevel.count(s[0])) return "/" + s[0] + (s.size() > 1 ? "/" + s[1] + (s.size() > 2 ? "/..." : "") : "");
  std::string out = "/{instance}";
  if (s.size() > 1) out += "/" + s[1];
  // Only the types FHIR defines and the system-level paths Flint serves name themselves: anything
  // else a client sends would make a metric label of its own.
  static const std::set<std::string> systemPaths = {"metadata", "_history", "_search", "$export", ".well-known"};
  if (s.size() > 2)
    out += s[1] == "fhir" && (fhir::Definitions::get().isResourceType(s[2]) || systemPaths.count(s[2])) ? "/" + s[2]
                                                                                                       : "/...";
  if (s.size() > 3) out += "/{id}";
  if (s.size() > 4) out += "/...";
  return out;
}

}  // namespace flint::server
