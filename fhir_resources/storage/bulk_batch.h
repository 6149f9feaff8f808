// New resources and their search index entries already in PostgreSQL's binary COPY form, so a
// bulk load encodes each value once and can build one batch while another is being sent.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/db/binary_copy.h"
#include "fhir_resources/search/index/index_rows.h"
#include "fhir_resources/storage/resource_repository.h"

namespace flint::fhir {

class BulkBatch {
 public:
  struct Table {
    const char* name;
    std::vector<std::string> columns;
    db::BinaryCopyRows rows;
  };

  // Content is compressed with `dictionaries.forWrites` (stored_content.h).
  explicit BulkBatch(std::shared_ptr<const instances::ContentDictionaries> dictionaries);
  // An empty batch with room for as much as `previous` held, so that filling it copies nothing.
  static BulkBatch sizedLike(const BulkBatch& previous);
  // Adds a first version with its index entries, under its number (resource_number.h).
  void add(const ResourceRow& row, const IndexRows& index, int64_t number);
  size_t resources() const { return resources_; }
  const std::array<Table, 7>& tables() const { return tables_; }

 private:
  std::shared_ptr<const instances::ContentDictionaries> dictionaries_;
  std::array<Table, 7> tables_;
  size_t resources_ = 0;
};

}  // namespace flint::fhir
