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

// One array literal per column of the index tables, in the order the index statements bind
// them ($3 to $29), for a resource of `type`.
std::vector<std::string> pgIndexArrays(const std::string& type, const IndexRows& index);

}  // namespace flint::fhir
