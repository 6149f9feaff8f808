// JSON Patch (RFC 6902) applied to a json::Value, with JSON Pointers (RFC 6901).
#pragma once

#include <stdexcept>
#include <string>

#include "core/json/json_value.h"

namespace flint::fhir {

// A patch document that is not a JSON Patch (not an array of well-formed operations).
class MalformedPatch : public std::runtime_error {
  using std::runtime_error::runtime_error;
};

// A well-formed operation that cannot be applied to this document (missing path, failed test).
class PatchConflict : public std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Applies every operation in order to `document`; on any failure `document` is left unchanged.
void applyJsonPatch(json::Value& document, const json::Value& patch);

}  // namespace flint::fhir
