#include "fhir_resources/search/index_condition.h"

#include <cctype>

#include "fhir_resources/rest/fhir_error.h"
#include "fhir_resources/search/date_range.h"
#include "fhir_resources/search/index/index_rows.h"
#include "fhir_resources/search/index/param_aliases.h"
#include "fhir_resources/search/ucum_units.h"
#include "fhir_resources/storage/param_key.h"
#include "fhir_resources/storage/target_id.h"

namespace flint::fhir {
namespace {

using Table = IndexCondition::Table;

// Splits `value` at the first unescaped `sep`; nothing when there is none.
std::optional<std::pair<std::string, std::string>> splitUnescaped(const std::string& value, char sep) {
  for (size_t i = 0; i < value.size(); ++i) {
    if (value[i] == '\\') {
      ++i;
      continue;
    }
    if (value[i] == sep) return std::make_pair(value.substr(0, i), value.substr(i + 1));
  }
  return std::nullopt;
}

std::string unescape(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size()) ++i;
    out += s[i];
  }
  return out;
}

std::string likeEscape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '%' || c == '_' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

// Values that start with `prefix`, as a range the index can seek as well as the LIKE that
// decides: a generic plan cannot derive the range from a LIKE parameter. The bound (the prefix
// and U+10FFFF, the last code point) leaves out only values with that non-character next.
IndexMatch prefixMatch(const std::string& column, const std::string& prefix) {
  return {column + " >= ? AND " + column + " < ? AND " + column + " LIKE ?",
          {prefix, prefix + "\xF4\x8F\xBF\xBF", likeEscape(prefix) + "%"}};
}

// Quantity entries are stored in the unit given and, for UCUM units, in canonical units too.
std::vector<std::string> withCanonical(const std::vector<std::string>& params) {
  std::vector<std::string> out = params;
  for (const auto& p : params) out.push_back(p + kCanonicalSuffix);
  return out;
}

[[noreturn]] void badModifier(const SearchParamDef& def, const std::string& modifier) {
  throw FhirError(400, "not-supported", "modifier :" + modifier + " is not supported on " + def.type +
                                            " parameter '" + def.code + "'", def.code);
}

// Where a table holds a token's system (as its key, systemKey) and code.
struct TokenColumns {
  std::string system, code;
};
const TokenColumns kTokenTable{"x.system_key", "x.code"};
const TokenColumns kCompositeKey{"x.key_system_key", "x.key_code"};

IndexMatch systemMatch(const TokenColumns& columns, const std::string& system) {
  return {columns.system + " = ?::bigint", {std::to_string(systemKey(system))}};
}

IndexMatch tokenMatch(const std::string& raw, bool text, const TokenColumns& columns = kTokenTable) {
  if (text) return prefixMatch("x.text_norm", normalizeForSearch(unescape(raw)));
  const std::string& code = columns.code;
  auto parts = splitUnescaped(raw, '|');
  if (!parts) return {code + " = ?", {unescape(raw)}};
  std::string systemValue = unescape(parts->first), codeValue = unescape(parts->second);
  if (systemValue.empty()) return {columns.system + " IS NULL AND " + code + " = ?", {codeValue}};
  IndexMatch m = systemMatch(columns, systemValue);
  if (codeValue.empty()) return m;
  m.sql += " AND " + code + " = ?";
  m.values.push_back(codeValue);
  return m;
}

// `:of-type=typeSystem|typeCode|value`: identifiers with that type coding and value.
IndexMatch ofTypeMatch(const SearchParamDef& def, const std::string& raw) {
  auto first = splitUnescaped(raw, '|');
  auto second = first ? splitUnescaped(first->second, '|') : std::nullopt;
  if (!second || second->second.empty())
    throw FhirError(400, "invalid", ":of-type takes system|code|value", def.code);
  IndexMatch m = systemMatch(kTokenTable, unescape(first->first) + "|" + unescape(second->first));
  m.sql += " AND x.code = ?";
  m.values.push_back(unescape(second->second));
  return m;
}

// Plain: the same URI. :below, URIs that start with the value; :above, URIs the value starts with.
IndexMatch uriMatch(const std::string& raw, const std::string& modifier) {
  std::string v = unescape(raw);
  if (modifier == "below") return prefixMatch("x.code", v);
  if (modifier == "above") return {"x.code <> '' AND x.code = left(?, length(x.code))", {v}};
  return {"x.code = ?", {v}};
}

IndexMatch stringMatch(const std::string& raw, const std::string& modifier) {
  std::string v = unescape(raw);
  if (modifier == "exact") return {"x.value = ?", {v}};
  std::string norm = normalizeForSearch(v);
  if (modifier == "contains") return {"x.value_norm LIKE ?", {"%" + likeEscape(norm) + "%"}};
  return prefixMatch("x.value_norm", norm);
}

IndexMatch referenceMatch(const SearchParamDef& def, const std::string& raw, const std::string& typeModifier,
                          const std::string& baseUrl) {
  std::string v = unescape(raw);
  if (v.rfind(baseUrl + "/", 0) == 0) v = v.substr(baseUrl.size() + 1);
  if (v.find("://") != std::string::npos || v.rfind("urn:", 0) == 0) return {"x.url = ?", {v}};
  size_t slash = v.find('/');
  std::string type = typeModifier, id = v;
  if (slash != std::string::npos) {
    type = v.substr(0, slash);
    id = v.substr(slash + 1);
    if (!typeModifier.empty() && typeModifier != type)
      throw FhirError(400, "invalid", "'" + v + "' contradicts the modifier :" + typeModifier, def.code);
  }
  if (!type.empty()) {
    if (!Definitions::get().isResourceType(type))
      throw FhirError(400, "invalid", "'" + type + "' is not a resource type", def.code);
    return {"x.target_type = ? AND x.target_id = ?::bytea", {type, storedTargetIdParam(id)}};
  }
  return {"x.target_id = ?::bytea", {storedTargetIdParam(id)}};
}

IndexMatch dateMatch(const SearchParamDef& def, const std::string& raw) {
  std::string prefix = "eq", text = raw;
  if (raw.size() >= 2 && std::isalpha(static_cast<unsigned char>(raw[0])) && std::isalpha(static_cast<unsigned char>(raw[1]))) {
    prefix = raw.substr(0, 2);
    text = raw.substr(2);
  }
  auto range = parseDateRange(text);
  if (!range) throw FhirError(400, "invalid", "'" + raw + "' is not a FHIR date", def.code);
  std::string lo = std::to_string(range->low), hi = std::to_string(range->high);
  // Stored values are ranges too ([low, high)), compared as R4 says (search.html#prefix): eq,
  // the searched range contains the value's; ne, it does not; gt/lt, part of the value lies
  // after/before the searched range; ge/le, that or eq, which comes to the value starting
  // within or after it (ending within or before it) or reaching past its end (start); sa/eb,
  // all of the value lies after/before it.
  if (prefix == "eq") return {"x.low >= ?::bigint AND x.high <= ?::bigint", {lo, hi}};
  if (prefix == "ne") return {"NOT (x.low >= ?::bigint AND x.high <= ?::bigint)", {lo, hi}};
  if (prefix == "gt") return {"x.high > ?::bigint", {hi}};
  if (prefix == "lt") return {"x.low < ?::bigint", {lo}};
  if (prefix == "ge") return {"(x.low >= ?::bigint OR x.high > ?::bigint)", {lo, hi}};
  if (prefix == "le") return {"(x.high <= ?::bigint OR x.low < ?::bigint)", {hi, lo}};
  if (prefix == "sa") return {"x.low >= ?::bigint", {hi}};
  if (prefix == "eb") return {"x.high <= ?::bigint", {lo}};
  if (prefix == "ap") {
    int64_t span = (range->high - range->low) / 10 + 1;
    return {"x.low < ?::bigint AND x.high > ?::bigint",
            {std::to_string(range->high + span), std::to_string(range->low - span)}};
  }
  throw FhirError(400, "invalid", "unknown date prefix '" + prefix + "'", def.code);
}

bool isDecimal(const std::string& s) {
  size_t i = 0;
  if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
  size_t digits = 0;
  while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i, ++digits;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i, ++digits;
  }
  if (digits == 0) return false;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
    size_t exp = 0;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i, ++exp;
    if (exp == 0) return false;
  }
  return i == s.size() && s.size() <= 40;
}

// A number with a prefix; `eq` (and `ne`) honour the value's implicit precision: 0.8 means
// [0.75, 0.85) (R4 search 3.1.1.4.1). `factor` converts the value (and its precision) to the
// unit the index holds.
IndexMatch numberMatch(const SearchParamDef& def, const std::string& raw, std::string& rest, long double factor = 1) {
  std::string prefix = "eq", text = raw;
  if (raw.size() >= 2 && std::isalpha(static_cast<unsigned char>(raw[0])) && std::isalpha(static_cast<unsigned char>(raw[1]))) {
    prefix = raw.substr(0, 2);
    text = raw.substr(2);
  }
  auto bar = text.find('|');
  rest = bar == std::string::npos ? "" : text.substr(bar);
  text = text.substr(0, bar);
  if (!isDecimal(text)) throw FhirError(400, "invalid", "'" + raw + "' is not a number", def.code);
  std::string half = "0";
  if (text.find_first_of("eE") == std::string::npos) {
    size_t dot = text.find('.');
    size_t decimals = dot == std::string::npos ? 0 : text.size() - dot - 1;
    half = "0." + std::string(decimals, '0') + "5";
  }
  if (factor != 1) {
    text = scaleDecimal(text, factor);
    half = scaleDecimal(half, factor);
  }
  if (prefix == "eq") return {"x.value >= ?::numeric - ?::numeric AND x.value < ?::numeric + ?::numeric", {text, half, text, half}};
  if (prefix == "ne") return {"NOT (x.value >= ?::numeric - ?::numeric AND x.value < ?::numeric + ?::numeric)", {text, half, text, half}};
  if (prefix == "gt" || prefix == "sa") return {"x.value > ?::numeric", {text}};
  if (prefix == "lt" || prefix == "eb") return {"x.value < ?::numeric", {text}};
  if (prefix == "ge") return {"x.value >= ?::numeric", {text}};
  if (prefix == "le") return {"x.value <= ?::numeric", {text}};
  if (prefix == "ap") return {"x.value BETWEEN ?::numeric - abs(?::numeric) / 10 AND ?::numeric + abs(?::numeric) / 10", {text, text, text, text}};
  throw FhirError(400, "invalid", "unknown prefix '" + prefix + "'", def.code);
}

// `number|system|code` ("||code": the code in any system). With a UCUM unit it knows, the
// value in canonical units matches quantities of that dimension in any unit (5|UCUM|mg finds
// 0.005 g); the match names the entries it applies to, as either kind may be asked for.
IndexMatch quantityMatch(const SearchParamDef& def, const std::string& raw) {
  const size_t bar = raw.find('|');
  std::string system, code;
  if (bar != std::string::npos) {
    const size_t second = raw.find('|', bar + 1);
    if (second == std::string::npos) throw FhirError(400, "invalid", "'" + raw + "' is not number|system|code", def.code);
    system = unescape(raw.substr(bar + 1, second - bar - 1));
    code = unescape(raw.substr(second + 1));
  }
  std::optional<CanonicalUnit> canonical;
  if (system == kUcumSystem && !code.empty()) canonical = canonicalUcumUnit(code);
  std::string rest;
  IndexMatch m = numberMatch(def, raw.substr(0, bar), rest, canonical ? canonical->factor : 1);
  std::vector<std::string> params = storedParams(def);
  if (canonical) {
    for (auto& p : params) p += kCanonicalSuffix;
    code = canonical->code;
  }
  m.params = std::move(params);
  if (!code.empty()) {
    m.sql += " AND x.code = ?";
    m.values.push_back(code);
  }
  if (!system.empty()) {
    m.sql += " AND x.system_key = ?::bigint";
    m.values.push_back(std::to_string(systemKey(system)));
  }
  return m;
}

// Composite entries with a date (a date-valued composite's, and the dated tokens') are indexed
// by key code and date (search_composite_dated), the others by key code alone (search_composite_key,
// partial since migration 27): each composite condition says which its entries are, so the
// planner can use its index.
std::string compositeEntries(const SearchParamDef& def) {
  return def.components.at(1).type == "date" ? "x.high IS NOT NULL" : "x.high IS NULL";
}

// `key$value`: the key token and the value paired with it in the same element, the value
// matched as its component's kind would be on its own.
IndexMatch compositeMatch(const SearchParamDef& def, const std::string& raw) {
  auto parts = splitUnescaped(raw, '$');
  if (!parts || parts->first.empty() || parts->second.empty())
    throw FhirError(400, "invalid", "'" + raw + "' is not a composite value (code$value)", def.code);
  IndexMatch key = tokenMatch(parts->first, false, kCompositeKey);
  const std::string& kind = def.components.at(1).type;
  IndexMatch value = kind == "token"      ? tokenMatch(parts->second, false)
                     : kind == "quantity" ? quantityMatch(def, parts->second)
                     : kind == "date"     ? dateMatch(def, parts->second)
                                          : stringMatch(parts->second, "");
  key.sql += " AND " + value.sql + " AND " + compositeEntries(def);
  key.values.insert(key.values.end(), value.values.begin(), value.values.end());
  key.params = std::move(value.params);
  return key;
}

}  // namespace

std::vector<std::string> splitSearchValues(const std::string& value) {
  std::vector<std::string> out;
  std::string rest = value;
  while (auto parts = splitUnescaped(rest, ',')) {
    out.push_back(parts->first);
    rest = parts->second;
  }
  out.push_back(rest);
  return out;
}

IndexCondition indexCondition(const SearchParamDef& def, const std::string& modifier, const std::string& value,
                              const std::string& baseUrl) {
  IndexCondition c;
  c.params = storedParams(def);
  const std::string& t = def.type;
  c.table = t == "token" || t == "uri" ? Table::Token
            : t == "string"    ? Table::String
            : t == "reference" ? Table::Reference
            : t == "date"      ? Table::Date
            : t == "composite" ? Table::Composite
                               : Table::Number;
  if (modifier == "missing") {
    if (value != "true" && value != "false")
      throw FhirError(400, "invalid", ":missing takes true or false", def.code);
    c.negate = value == "true";
    if (t == "composite") c.anyOf.push_back({compositeEntries(def), {}});
    return c;
  }
  // Modifiers kept as token entries of their own (see index_rows.h).
  if ((t == "token" && modifier == "of-type") || (t == "reference" && modifier == "identifier")) {
    c.table = Table::Token;
    for (auto& p : c.params) p += modifier == "of-type" ? kOfTypeSuffix : kIdentifierSuffix;
  }
  // Quantities are matched in the unit given or in canonical units (see quantityMatch).
  if (t == "quantity" || (t == "composite" && def.components.at(1).type == "quantity"))
    c.params = withCanonical(storedParams(def));
  for (const auto& raw : splitSearchValues(value)) {
    if (raw.empty()) throw FhirError(400, "invalid", "empty value for search parameter '" + def.code + "'", def.code);
    if (t == "token" && modifier == "of-type") {
      c.anyOf.push_back(ofTypeMatch(def, raw));
    } else if (t == "reference" && modifier == "identifier") {
      c.anyOf.push_back(tokenMatch(raw, false));
    } else if (t == "uri") {
      if (!modifier.empty() && modifier != "below" && modifier != "above") badModifier(def, modifier);
      c.anyOf.push_back(uriMatch(raw, modifier));
    } else if (t == "token") {
      if (!modifier.empty() && modifier != "text" && modifier != "not") badModifier(def, modifier);
      c.negate = modifier == "not";
      c.anyOf.push_back(tokenMatch(raw, modifier == "text"));
    } else if (t == "string") {
      if (!modifier.empty() && modifier != "exact" && modifier != "contains") badModifier(def, modifier);
      c.anyOf.push_back(stringMatch(raw, modifier));
    } else if (t == "reference") {
      if (!modifier.empty() && !Definitions::get().isResourceType(modifier)) badModifier(def, modifier);
      c.anyOf.push_back(referenceMatch(def, raw, modifier, baseUrl));
    } else if (t == "date") {
      if (!modifier.empty()) badModifier(def, modifier);
      c.anyOf.push_back(dateMatch(def, raw));
    } else if (t == "quantity") {
      if (!modifier.empty()) badModifier(def, modifier);
      c.anyOf.push_back(quantityMatch(def, raw));
    } else if (t == "composite") {
      if (!modifier.empty()) badModifier(def, modifier);
      c.anyOf.push_back(compositeMatch(def, raw));
    } else {
      if (!modifier.empty()) badModifier(def, modifier);
      std::string rest;
      c.anyOf.push_back(numberMatch(def, raw, rest));
      if (!rest.empty()) throw FhirError(400, "invalid", "'" + raw + "' is not a number", def.code);
    }
  }
  return c;
}

}  // namespace flint::fhir
