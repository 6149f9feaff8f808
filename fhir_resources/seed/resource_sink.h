// Where the seed's generated resources go: each is given an id, stored, and named back so that
// later resources can reference it.
#pragma once

#include <string>

#include "core/json/json_value.h"

namespace flint::fhir::seed {

class ResourceSink {
 public:
  virtual ~ResourceSink() = default;
  // Stores `resource` under a new id and returns the id.
  virtual std::string add(const std::string& type, json::Value resource) = 0;
};

}  // namespace flint::fhir::seed
