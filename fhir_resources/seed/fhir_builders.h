// Small builders for the FHIR JSON the seed writes: objects, arrays, codings, references and
// the start of a resource that claims its US Core profile.
#pragma once

#include <cstdio>
#include <initializer_list>
#include <string>
#include <utility>

#include "core/json/json_value.h"

namespace flint::fhir::seed {

using json::Value;

inline Value str(const std::string& s) { return Value::string(s); }
inline Value num(const std::string& lexeme) { return Value::number(lexeme); }
inline Value boolean(bool b) { return Value::boolean(b); }
inline Value obj(std::initializer_list<std::pair<const char*, Value>> members) {
  Value o = Value::object();
  for (const auto& [k, v] : members) o.set(k, v);
  return o;
}
inline Value arr(std::initializer_list<Value> items) {
  Value a = Value::array();
  for (const auto& v : items) a.push(v);
  return a;
}
inline Value coding(const std::string& system, const std::string& code, const std::string& display) {
  return obj({{"system", str(system)}, {"code", str(code)}, {"display", str(display)}});
}
inline Value codeable(const std::string& system, const std::string& code, const std::string& display) {
  return obj({{"coding", arr({coding(system, code, display)})}, {"text", str(display)}});
}
inline Value ref(const std::string& type, const std::string& id) { return obj({{"reference", str(type + "/" + id)}}); }
inline Value quantity(const std::string& value, const std::string& unit) {
  return obj({{"value", num(value)}, {"unit", str(unit)}, {"system", str("http://unitsofmeasure.org")}, {"code", str(unit)}});
}

inline constexpr const char* kUsCoreProfile = "http://hl7.org/fhir/us/core/StructureDefinition/";

// {"resourceType": type, "meta": {"profile": [US Core `profile`]}}; no profile for types US Core
// does not profile.
inline Value resource(const std::string& type, const std::string& profile = "") {
  Value r = obj({{"resourceType", str(type)}});
  if (!profile.empty()) r.set("meta", obj({{"profile", arr({str(kUsCoreProfile + profile)})}}));
  return r;
}

inline std::string date(int year, int month, int day) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", year, month, day);
  return buf;
}

// v / 10 with one decimal, e.g. 725 -> "72.5".
inline std::string tenths(int v) { return std::to_string(v / 10) + "." + std::to_string(v % 10); }

}  // namespace flint::fhir::seed
