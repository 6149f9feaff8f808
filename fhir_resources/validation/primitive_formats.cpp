#include "fhir_resources/validation/primitive_formats.h"

#include <cctype>
#include <charconv>
#include <regex>
#include <unordered_map>

#include "fhir_resources/definitions/definitions.h"

namespace flint::fhir {
namespace {

enum class Json { Bool, Integer, Decimal, String };

using Check = bool (*)(const std::string&);

struct Format {
  Json json;
  Check check = nullptr;  // for strings; null accepts any non-empty string
  long long min = 0, max = 0;  // for integers
};

bool isSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// Hand-written rather than std::regex: values can be megabytes long, and libstdc++'s regex
// recurses per character. The date patterns are the spec's and run on short strings only.
bool code(const std::string& s) {
  if (isSpace(s.front()) || isSpace(s.back())) return false;
  for (size_t i = 0; i < s.size(); ++i)
    if (isSpace(s[i]) && (s[i] != ' ' || isSpace(s[i + 1]))) return false;
  return true;
}

bool id(const std::string& s) {
  if (s.size() > 64) return false;
  for (char c : s)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '.') return false;
  return true;
}

bool uri(const std::string& s) {
  for (char c : s)
    if (isSpace(c)) return false;
  return true;
}

bool oid(const std::string& s) {
  static const std::regex pattern(R"(urn:oid:[0-2](\.(0|[1-9][0-9]*))+)");
  return s.size() <= 256 && std::regex_match(s, pattern);
}

bool uuid(const std::string& s) {
  static const std::regex pattern(R"(urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})");
  return s.size() == 45 && std::regex_match(s, pattern);
}

bool base64(const std::string& s) {
  size_t n = 0;
  for (char c : s) {
    if (isSpace(c)) continue;
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '/' && c != '=') return false;
    ++n;
  }
  return n % 4 == 0;
}

bool validCalendarDay(const std::string& s) {
  if (s.size() < 10) return true;
  int year = std::stoi(s.substr(0, 4)), month = std::stoi(s.substr(5, 2)), day = std::stoi(s.substr(8, 2));
  static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return day <= (month == 2 && leap ? 29 : days[month - 1]);
}

const std::string kTime = R"(([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?)";
const std::string kZone = R"((Z|(\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00)))";
const std::string kDay = R"(([0-9]{4})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01]))";

bool date(const std::string& s) {
  static const std::regex pattern(R"(([0-9]{4})(-(0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01]))?)?)");
  return s.size() <= 10 && std::regex_match(s, pattern) && validCalendarDay(s);
}

bool dateTime(const std::string& s) {
  static const std::regex pattern(R"(([0-9]{4})(-(0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01])(T)" + kTime + kZone +
                                  ")?)?)?");
  return s.size() <= 64 && std::regex_match(s, pattern) && validCalendarDay(s);
}

bool instant(const std::string& s) {
  static const std::regex pattern(kDay + "T" + kTime + kZone);
  return s.size() <= 64 && std::regex_match(s, pattern) && validCalendarDay(s);
}

bool time(const std::string& s) {
  static const std::regex pattern(kTime);
  return s.size() <= 32 && std::regex_match(s, pattern);
}

const std::unordered_map<std::string, Format>& formats() {
  static const std::unordered_map<std::string, Format> table = {
      {"boolean", {Json::Bool}},
      {"integer", {Json::Integer, nullptr, -2147483648LL, 2147483647LL}},
      {"unsignedInt", {Json::Integer, nullptr, 0, 2147483647LL}},
      {"positiveInt", {Json::Integer, nullptr, 1, 2147483647LL}},
      {"decimal", {Json::Decimal}},
      {"string", {Json::String}},
      {"markdown", {Json::String}},
      {"xhtml", {Json::String}},
      {"code", {Json::String, code}},
      {"id", {Json::String, id}},
      {"uri", {Json::String, uri}},
      {"url", {Json::String, uri}},
      {"canonical", {Json::String, uri}},
      {"oid", {Json::String, oid}},
      {"uuid", {Json::String, uuid}},
      {"base64Binary", {Json::String, base64}},
      {"date", {Json::String, date}},
      {"dateTime", {Json::String, dateTime}},
      {"instant", {Json::String, instant}},
      {"time", {Json::String, time}},
  };
  return table;
}

}  // namespace

bool isPrimitiveType(const std::string& type) {
  if (formats().count(type)) return true;
  const auto* def = Definitions::get().type(type);
  return def != nullptr && def->kind == "primitive-type";
}

std::optional<std::string> primitiveError(const std::string& type, const json::Value& value) {
  auto it = formats().find(type);
  if (it == formats().end()) return std::nullopt;
  const Format& f = it->second;
  switch (f.json) {
    case Json::Bool:
      if (!value.isBool()) return "must be true or false";
      return std::nullopt;
    case Json::Decimal:
      if (!value.isNumber()) return "must be a JSON number";
      return std::nullopt;
    case Json::Integer: {
      if (!value.isNumber()) return "must be a JSON number";
      long long n = 0;
      const std::string& t = value.text();
      auto [ptr, ec] = std::from_chars(t.data(), t.data() + t.size(), n);
      if (ec != std::errc() || ptr != t.data() + t.size()) return "must be a whole number";
      if (n < f.min || n > f.max) return "is out of range for " + type;
      return std::nullopt;
    }
    case Json::String: {
      if (!value.isString()) return "must be a JSON string";
      const std::string& s = value.text();
      if (s.empty()) return "must not be empty";
      for (char c : s)
        if (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\r' && c != '\n')
          return "must not contain control characters";
      if (f.check != nullptr && !f.check(s)) return "is not a valid " + type;
      return std::nullopt;
    }
  }
  return std::nullopt;
}

}  // namespace flint::fhir
