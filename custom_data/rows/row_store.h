// SQL for one model's rows in a namespace: identifiers come only from the checked declaration
// (always quoted), values only as bound parameters.
#pragma once

#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "core/json/json_value.h"
#include "custom_data/models/model_definition.h"
#include "custom_data/rows/row_query.h"

namespace flint::custom_data {

// A column and the parameter text it is set to (nothing: NULL).
using Assignment = std::pair<const FieldDefinition*, std::optional<std::string>>;

struct RowPage {
  std::vector<json::Value> rows;
  // The sort values of the last row when more follow, for the next page's cursor.
  std::optional<std::vector<std::optional<std::string>>> nextAfter;
};

class RowStore {
 public:
  RowStore(pqxx::transaction_base& tx, const std::string& schema, const ModelDefinition& model);

  std::optional<json::Value> get(const std::string& key);
  json::Value insert(const std::vector<Assignment>& values);
  std::optional<json::Value> update(const std::string& key, const std::vector<Assignment>& values);
  bool remove(const std::string& key);
  RowPage list(const RowQuery& query);
  long long count(const RowQuery& query);

 private:
  std::string selectList() const;
  std::string keyCondition(std::vector<std::optional<std::string>>& params) const;
  std::string where(const RowQuery& query, std::vector<std::optional<std::string>>& params, bool withCursor) const;
  json::Value rowJson(const pqxx::row& r) const;
  pqxx::result run(const std::string& sql, const std::vector<std::optional<std::string>>& params);

  pqxx::transaction_base& tx_;
  const ModelDefinition& model_;
  std::string table_;
  FieldDefinition key_;
};

}  // namespace flint::custom_data
