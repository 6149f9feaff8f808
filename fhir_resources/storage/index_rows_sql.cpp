#include "fhir_resources/storage/index_rows_sql.h"

namespace flint::fhir {
namespace {

// A PostgreSQL array literal ('{"a",NULL}'); empty strings become NULL.
std::string textArray(const std::vector<const std::string*>& values) {
  std::string out = "{";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i) out += ',';
    if (values[i]->empty()) {
      out += "NULL";
      continue;
    }
    out += '"';
    for (char c : *values[i]) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  return out + "}";
}

std::string bigintArray(const std::vector<int64_t>& values) {
  std::string out = "{";
  for (size_t i = 0; i < values.size(); ++i) out += (i ? "," : "") + std::to_string(values[i]);
  return out + "}";
}

}  // namespace

std::string pgTextArray(const std::vector<std::string>& values) {
  std::vector<const std::string*> pointers;
  for (const auto& v : values) pointers.push_back(&v);
  return textArray(pointers);
}

PgArrays::PgArrays(const IndexRows& index) {
  auto column = [](const auto& entries, auto member) {
    std::vector<const std::string*> values;
    for (const auto& e : entries) values.push_back(&(e.*member));
    return textArray(values);
  };
  tokenParam = column(index.tokens, &TokenEntry::param);
  tokenSystem = column(index.tokens, &TokenEntry::system);
  tokenCode = column(index.tokens, &TokenEntry::code);
  tokenText = column(index.tokens, &TokenEntry::text);
  stringParam = column(index.strings, &StringEntry::param);
  stringNorm = column(index.strings, &StringEntry::normalized);
  stringValue = column(index.strings, &StringEntry::exact);
  refParam = column(index.references, &ReferenceEntry::param);
  refType = column(index.references, &ReferenceEntry::targetType);
  refId = column(index.references, &ReferenceEntry::targetId);
  refUrl = column(index.references, &ReferenceEntry::url);
  dateParam = column(index.dates, &DateEntry::param);
  std::vector<int64_t> lows, highs;
  for (const auto& d : index.dates) {
    lows.push_back(d.low);
    highs.push_back(d.high);
  }
  dateLow = bigintArray(lows);
  dateHigh = bigintArray(highs);
  numberParam = column(index.numbers, &NumberEntry::param);
  numberValue = column(index.numbers, &NumberEntry::value);
  numberSystem = column(index.numbers, &NumberEntry::system);
  numberCode = column(index.numbers, &NumberEntry::code);
  compositeParam = column(index.composites, &CompositeEntry::param);
  compositeKeySystem = column(index.composites, &CompositeEntry::keySystem);
  compositeKeyCode = column(index.composites, &CompositeEntry::keyCode);
  compositeSystem = column(index.composites, &CompositeEntry::system);
  compositeCode = column(index.composites, &CompositeEntry::code);
  compositeValue = column(index.composites, &CompositeEntry::value);
  compositeValueNorm = column(index.composites, &CompositeEntry::valueNorm);
  std::vector<std::string> compositeLows, compositeHighs;
  for (const auto& c : index.composites) {
    compositeLows.push_back(c.low ? std::to_string(*c.low) : "");
    compositeHighs.push_back(c.high ? std::to_string(*c.high) : "");
  }
  compositeLow = pgTextArray(compositeLows);
  compositeHigh = pgTextArray(compositeHighs);
}

}  // namespace flint::fhir
