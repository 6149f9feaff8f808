// SQL for one model's rows in a namespace: identifiers come only from the checked declaration
// (always quoted), values only as bound parameters.
#pragma once

#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "core/db/pipelined_connection.h"
#include "core/db/session.h"
#include "core/json/json_value.h"
#include "custom_data/models/model_definition.h"
#include "custom_data/rows/row_query.h"

namespace flint::custom_data {

// A column and the parameter text it is set to (nothing: NULL).
using Assignment = std::pair<const FieldDefinition*, std::optional<std::string>>;

// An aggregate over the selected rows: count, sum, avg, min or max of a field (null: dbid).
struct Aggregate {
  std::string function;
  const FieldDefinition* field = nullptr;
};

struct RowPage {
  std::vector<json::Value> rows;
  // The sort values of the last row when more follow, for the next page's cursor.
  std::optional<std::vector<std::optional<std::string>>> nextAfter;
};

class RowStore {
 public:
  // Runs in `tx` on `session`'s connection, its statements prepared once per shape.
  RowStore(db::Session& session, pqxx::transaction_base& tx, const std::string& schema, const ModelDefinition& model);

  std::optional<json::Value> get(const std::string& key);
  // The same read as get() as a statement for a pipelined connection, and its row as JSON.
  static db::Statement getStatement(const std::string& schema, const ModelDefinition& model, const std::string& key);
  static json::Value rowFrom(const ModelDefinition& model, const db::StatementResult& result, int row);
  json::Value insert(const std::vector<Assignment>& values);
  std::optional<json::Value> update(const std::string& key, const std::vector<Assignment>& values);
  bool remove(const std::string& key);
  RowPage list(const RowQuery& query);
  long long count(const RowQuery& query);
  // One object per group of `groupBy` values (one in all without), each aggregate named
  // field__function as Django names them.
  std::vector<json::Value> aggregate(const RowQuery& query, const std::vector<Aggregate>& aggregates,
                                     const std::vector<const FieldDefinition*>& groupBy);
  long long removeWhere(const RowQuery& query);
  // Serialises, until the transaction ends, requests about the rows `lookup` (any text) names:
  // two get_or_create calls for the same row cannot both create it.
  void lockLookup(const std::string& lookup);

 private:
  std::string where(const RowQuery& query, std::vector<std::optional<std::string>>& params, bool withCursor) const;
  json::Value rowJson(const pqxx::row& r) const;
  pqxx::result run(const std::string& sql, const std::vector<std::optional<std::string>>& params);

  db::Session& session_;
  pqxx::transaction_base& tx_;
  const ModelDefinition& model_;
  std::string schema_;
  std::string table_;
  FieldDefinition key_;
};

}  // namespace flint::custom_data
