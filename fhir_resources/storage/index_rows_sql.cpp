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
}

void copyIndex(pqxx::work& tx, const std::string& schema, const std::vector<ResourceRow>& rows,
               const std::vector<IndexRows>& index) {
  auto nullable = [](const std::string& s) { return s.empty() ? nullptr : s.c_str(); };
  pqxx::stream_to tokens(tx, schema + ".search_token",
                         std::vector<std::string>{"resource_type", "id", "param", "system", "code", "text_norm"});
  for (size_t i = 0; i < rows.size(); ++i)
    for (const auto& t : index[i].tokens)
      tokens << std::make_tuple(rows[i].type, rows[i].id, t.param, nullable(t.system), nullable(t.code),
                                nullable(t.text));
  tokens.complete();
  pqxx::stream_to strings(tx, schema + ".search_string",
                          std::vector<std::string>{"resource_type", "id", "param", "value_norm", "value"});
  for (size_t i = 0; i < rows.size(); ++i)
    for (const auto& s : index[i].strings)
      strings << std::make_tuple(rows[i].type, rows[i].id, s.param, s.normalized, s.exact);
  strings.complete();
  pqxx::stream_to refs(tx, schema + ".search_reference",
                       std::vector<std::string>{"resource_type", "id", "param", "target_type", "target_id", "url"});
  for (size_t i = 0; i < rows.size(); ++i)
    for (const auto& r : index[i].references)
      refs << std::make_tuple(rows[i].type, rows[i].id, r.param, nullable(r.targetType), nullable(r.targetId), r.url);
  refs.complete();
  pqxx::stream_to dates(tx, schema + ".search_date",
                        std::vector<std::string>{"resource_type", "id", "param", "low", "high"});
  for (size_t i = 0; i < rows.size(); ++i)
    for (const auto& d : index[i].dates) dates << std::make_tuple(rows[i].type, rows[i].id, d.param, d.low, d.high);
  dates.complete();
  pqxx::stream_to numbers(tx, schema + ".search_number",
                          std::vector<std::string>{"resource_type", "id", "param", "value", "system", "code"});
  for (size_t i = 0; i < rows.size(); ++i)
    for (const auto& n : index[i].numbers)
      numbers << std::make_tuple(rows[i].type, rows[i].id, n.param, n.value, nullable(n.system), nullable(n.code));
  numbers.complete();
}

}  // namespace flint::fhir
