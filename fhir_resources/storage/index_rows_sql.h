// The SQL form of a resource's search index entries: PostgreSQL array literals for the
// one-statement write of a single resource.
#pragma once

#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "fhir_resources/search/index/index_rows.h"
#include "fhir_resources/storage/resource_repository.h"

namespace flint::fhir {

// A PostgreSQL text[] literal of `values` (empty strings become NULL).
std::string pgTextArray(const std::vector<std::string>& values);

// One array literal per column of the index tables, in the order the index statement binds them.
struct PgArrays {
  explicit PgArrays(const IndexRows& index);
  std::string tokenParam, tokenSystem, tokenCode, tokenText, stringParam, stringNorm, stringValue, refParam, refType,
      refId, refUrl, dateParam, dateLow, dateHigh, numberParam, numberValue, numberSystem, numberCode, compositeParam,
      compositeKeySystem, compositeKeyCode, compositeSystem, compositeCode, compositeValue, compositeValueNorm,
      compositeLow, compositeHigh;
};

}  // namespace flint::fhir
