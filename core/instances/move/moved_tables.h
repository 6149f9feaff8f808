// What a move copies: the instance's schema and its custom data namespaces' schemas, their
// tables (with the columns a copy writes) and sequences, read from the source's catalog.
#pragma once

#include <string>
#include <vector>

#include "core/db/raw_connection.h"

namespace flint::instances::move {

struct MovedTable {
  std::string schema;
  std::string name;
  std::string qualified;  // quoted schema.table
  std::string columns;    // quoted, comma-separated; generated columns left out (each side computes them)
  std::vector<std::string> columnList;  // the same, one by one
  bool hasPrimaryKey = false;
  // A search index table: keyless rows derived from a resource, which the move copies per
  // changed resource instead of replicating (see derived_rows.h).
  bool derived = false;
};

// The instance schema `schema` and its namespaces' schemas, as they exist on `conn`.
std::vector<std::string> schemasOf(db::RawConnection& conn, const std::string& schema);
std::vector<MovedTable> tablesOf(db::RawConnection& conn, const std::string& instanceSchema,
                                 const std::vector<std::string>& schemas);
// Quoted schema.sequence names.
std::vector<std::string> sequencesOf(db::RawConnection& conn, const std::vector<std::string>& schemas);
// `schemas` as an SQL text[] literal for `conn`.
std::string schemaArray(db::RawConnection& conn, const std::vector<std::string>& schemas);

}  // namespace flint::instances::move
