#include "custom_data/rows/field_values.h"

#include <regex>

#include "core/json/json_parser.h"
#include "core/json/json_writer.h"

namespace flint::custom_data {
namespace {

[[noreturn]] void invalid(const FieldDefinition& f, const std::string& what) {
  throw RowError(400, "ValidationError", "'" + f.name + "' " + what);
}

bool fits64(const std::string& digits) {
  try {
    size_t used = 0;
    std::stoll(digits, &used);
    return used == digits.size();
  } catch (const std::exception&) {
    return false;
  }
}

}  // namespace

RowError noSuchRow(const ModelDefinition& model, const std::string& key) {
  return RowError(404, "DoesNotExist", model.name + " " + key + " does not exist");
}

void checkRowKey(const ModelDefinition& model, const std::string& key) {
  for (const auto& f : model.fields)
    if (f.primaryKey) {
      parameterText(f, f.target == TargetKind::Model ? json::Value::number(key) : json::Value::string(key));
      return;
    }
  if (key.empty() || key.size() > 18 || key.find_first_not_of("0123456789") != std::string::npos)
    throw noSuchRow(model, key);
}

std::optional<std::string> parameterText(const FieldDefinition& f, const json::Value& value) {
  if (value.isNull()) return std::nullopt;
  const std::string& t = f.type;
  if (t == "text" || t == "char") {
    if (!value.isString()) invalid(f, "must be a string");
    if (value.text().size() > kMaxFieldSize)
      throw RowError(400, "FieldValueTooLarge", "'" + f.name + "' is larger than " + std::to_string(kMaxFieldSize) + " bytes");
    if (f.maxLength > 0 && value.text().size() > static_cast<size_t>(f.maxLength))
      invalid(f, "must be at most " + std::to_string(f.maxLength) + " characters");
    return value.text();
  }
  if (t == "integer" || t == "bigint") {
    static const std::regex integer("-?[0-9]{1,19}");
    if (!value.isNumber() || !std::regex_match(value.text(), integer) || !fits64(value.text())) invalid(f, "must be a whole number");
    if (t == "integer") {
      long long n = std::stoll(value.text());
      if (n < -2147483648LL || n > 2147483647LL) invalid(f, "is out of range for an integer");
    }
    return value.text();
  }
  if (t == "boolean") {
    if (!value.isBool()) invalid(f, "must be true or false");
    return value.asBool() ? "true" : "false";
  }
  if (t == "decimal" || t == "float") {
    if (!value.isNumber()) invalid(f, "must be a number");
    return value.text();
  }
  if (t == "date") {
    static const std::regex date("[0-9]{4}-[0-9]{2}-[0-9]{2}");
    if (!value.isString() || !std::regex_match(value.text(), date)) invalid(f, "must be a date (YYYY-MM-DD)");
    return value.text();
  }
  if (t == "datetime") {
    static const std::regex instant("[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\\.[0-9]{1,6})?)?(Z|[+-][0-9]{2}:[0-9]{2})");
    if (!value.isString() || !std::regex_match(value.text(), instant))
      invalid(f, "must be a date and time with its zone (e.g. 2025-01-31T09:30:00+01:00)");
    return value.text();
  }
  if (t == "uuid") {
    static const std::regex uuid("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
    if (!value.isString() || !std::regex_match(value.text(), uuid)) invalid(f, "must be a UUID");
    return value.text();
  }
  if (t == "json") {
    std::string text = json::write(value);
    if (text.size() > kMaxFieldSize)
      throw RowError(400, "FieldValueTooLarge", "'" + f.name + "' is larger than " + std::to_string(kMaxFieldSize) + " bytes");
    return text;
  }
  // Relations: a model row's dbid, or a FHIR id.
  if (f.target == TargetKind::Model) {
    static const std::regex id("[0-9]{1,18}");
    if (!value.isNumber() || !std::regex_match(value.text(), id)) invalid(f, "must be the dbid of a " + f.targetModel);
    return value.text();
  }
  static const std::regex fhirId("[A-Za-z0-9\\-\\.]{1,64}");
  if (!value.isString() || !std::regex_match(value.text(), fhirId)) invalid(f, "must be a FHIR id");
  return value.text();
}

std::string parameterCast(const FieldDefinition& f) { return "::" + f.sqlType; }

std::string utcInstantSql(const std::string& expression) {
  return "(to_json(" + expression + " AT TIME ZONE 'UTC') #>> '{}') || 'Z'";
}

json::Value valueJson(const FieldDefinition& f, const std::optional<std::string>& text) {
  if (!text) return json::Value::null();
  const std::string& t = f.type;
  if (t == "integer" || t == "bigint" || t == "decimal" || t == "float" || f.target == TargetKind::Model)
    return json::Value::number(*text);
  if (t == "boolean") return json::Value::boolean(*text == "t" || *text == "true");
  if (t == "json") return json::parse(*text);
  return json::Value::string(*text);
}

}  // namespace flint::custom_data
