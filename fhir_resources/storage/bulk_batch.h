// New resources and their search index entries already in PostgreSQL's COPY text form, so a
// bulk load escapes each value once and can format one batch while another is being sent.
#pragma once

#include <array>
#include <cstddef>
#include <string>

#include "fhir_resources/search/index/index_rows.h"
#include "fhir_resources/storage/resource_repository.h"

namespace flint::fhir {

class BulkBatch {
 public:
  struct Table {
    const char* name;
    std::vector<std::string> columns;
    // COPY text, rows separated by '\n': one "line" as libpqxx's raw COPY writer takes it,
    // which adds the last newline itself.
    std::string lines;
  };

  BulkBatch();
  // Adds a first version (current row and history row) with its index entries.
  void add(const ResourceRow& row, const IndexRows& index);
  size_t resources() const { return resources_; }
  const std::array<Table, 8>& tables() const { return tables_; }

 private:
  std::array<Table, 8> tables_;
  size_t resources_ = 0;
};

}  // namespace flint::fhir
