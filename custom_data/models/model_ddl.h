// The DDL that brings a namespace's tables to its declared models, additive only as the reference
// product's (§4.2): tables, columns and indexes are created when missing; nothing is ever dropped,
// renamed or retyped, and a declaration that would need that is refused, naming the field.
#pragma once

#include <string>
#include <vector>

#include "custom_data/models/model_definition.h"

namespace flint::custom_data {

struct ExistingColumn {
  std::string table;
  std::string column;
  std::string type;  // as format_type() gives it, e.g. numeric(20,10)
};

// Throws ManifestError naming every field whose table or column exists in another shape.
std::vector<std::string> additiveDdl(const std::string& schema, const ModelSet& models,
                                     const std::vector<ExistingColumn>& existing);

}  // namespace flint::custom_data
