// Parsing of the FHIR-relevant request headers: Prefer, ETag versions, content types.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace flint::fhir {

enum class ReturnPreference { Minimal, Representation, OperationOutcome };

struct Preferences {
  ReturnPreference returnPref = ReturnPreference::Representation;
  bool strictHandling = false;
  bool lenientHandling = false;  // asked for explicitly (operations whose default is strict)
};

Preferences parsePrefer(std::string_view header);

// The version in an ETag such as W/"3" or "3"; nothing when malformed.
std::optional<int64_t> parseETagVersion(std::string_view etag);
std::string etagFor(int64_t versionId);

// A body must be FHIR JSON: application/fhir+json or application/json (or no Content-Type).
bool isJsonContentType(std::string_view mediaType);

}  // namespace flint::fhir
