// UCUM unit codes reduced to one canonical form per dimension, so that quantity search compares
// 5 mg with 0.005 g. Multiplicative units only: temperatures (Cel, [degF]) keep their own code.
#pragma once

#include <optional>
#include <string>

namespace flint::fhir {

inline constexpr const char* kUcumSystem = "http://unitsofmeasure.org";

struct CanonicalUnit {
  std::string code;    // e.g. "g.m-3" for mg/dL, "s-1" for /min, "1" for %
  long double factor;  // a value in the unit times this is the value in `code`
};

// Nothing when `code` is not UCUM this knows (unknown atoms, affine units, malformed).
std::optional<CanonicalUnit> canonicalUcumUnit(const std::string& code);

// `decimal` × `factor`, to 15 significant digits: the stored and the searched side round alike.
std::string scaleDecimal(const std::string& decimal, long double factor);

}  // namespace flint::fhir
