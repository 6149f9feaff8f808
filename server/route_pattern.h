// A request's path with what names a particular thing replaced ("/{instance}/fhir/Observation/{id}"),
// so that log lines and metrics say which route was asked without identifiers or values, and
// metrics have a bounded set of labels.
#pragma once

#include <string>
#include <vector>

namespace flint::server {

std::string routePattern(const std::vector<std::string>& segments);

}  // namespace flint::server
