#include "fhir_resources/storage/index_rows_sql.h"

#include <optional>
#include <type_traits>

#include "fhir_resources/storage/param_key.h"
#include "fhir_resources/storage/target_id.h"

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

}  // namespace

std::string pgTextArray(const std::vector<std::string>& values) {
  std::vector<const std::string*> pointers;
  for (const auto& v : values) pointers.push_back(&v);
  return textArray(pointers);
}

std::vector<std::string> pgIndexArrays(const std::string& type, const IndexRows& index) {
  auto column = [](const auto& entries, auto member) {
    std::vector<const std::string*> values;
    for (const auto& e : entries) values.push_back(&(e.*member));
    return textArray(values);
  };
  auto integers = [](const auto& entries, auto member) {
    std::vector<std::string> values;
    for (const auto& e : entries) {
      const auto& v = e.*member;
      if constexpr (std::is_same_v<std::decay_t<decltype(v)>, std::optional<int64_t>>)
        values.push_back(v ? std::to_string(*v) : "");
      else
        values.push_back(std::to_string(v));
    }
    return pgTextArray(values);
  };
  auto keys = [&type](const auto& entries) {
    std::vector<std::string> values;
    for (const auto& e : entries) values.push_back(std::to_string(paramKey(type, e.param)));
    return pgTextArray(values);
  };
  auto systemKeys = [](const auto& entries, auto member) {
    std::vector<std::string> values;
    for (const auto& e : entries) {
      const std::string& system = e.*member;
      values.push_back(system.empty() ? "" : std::to_string(systemKey(system)));
    }
    return pgTextArray(values);
  };
  auto targetIds = [](const auto& entries) {
    std::vector<std::string> values;
    for (const auto& e : entries) values.push_back(e.targetId.empty() ? "" : storedTargetIdParam(e.targetId));
    return pgTextArray(values);
  };
  return {keys(index.tokens),
          systemKeys(index.tokens, &TokenEntry::system),
          column(index.tokens, &TokenEntry::code),
          column(index.tokens, &TokenEntry::text),
          keys(index.strings),
          column(index.strings, &StringEntry::normalized),
          column(index.strings, &StringEntry::exact),
          keys(index.references),
          column(index.references, &ReferenceEntry::targetType),
          targetIds(index.references),
          column(index.references, &ReferenceEntry::url),
          keys(index.dates),
          integers(index.dates, &DateEntry::low),
          integers(index.dates, &DateEntry::high),
          keys(index.numbers),
          column(index.numbers, &NumberEntry::value),
          systemKeys(index.numbers, &NumberEntry::system),
          column(index.numbers, &NumberEntry::code),
          keys(index.composites),
          systemKeys(index.composites, &CompositeEntry::keySystem),
          column(index.composites, &CompositeEntry::keyCode),
          systemKeys(index.composites, &CompositeEntry::system),
          column(index.composites, &CompositeEntry::code),
          column(index.composites, &CompositeEntry::value),
          column(index.composites, &CompositeEntry::valueNorm),
          integers(index.composites, &CompositeEntry::low),
          integers(index.composites, &CompositeEntry::high)};
}

}  // namespace flint::fhir
