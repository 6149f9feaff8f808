#include "custom_data/rows/quick_row_read.h"

#include "core/json/json_writer.h"
#include "custom_data/rows/field_values.h"
#include "custom_data/rows/row_store.h"

namespace flint::custom_data {

std::optional<QuickRowRead> quickRowRead(const instances::Instance& instance, const RowRequest& request) {
  if (request.method != "GET" || request.model.empty() || request.key.empty() || request.key[0] == '_' ||
      !request.params.empty())
    return std::nullopt;
  QuickRowRead read;
  read.access = rememberedNamespaceAccess(instance, request.ns, request.authorization);
  if (!read.access) return std::nullopt;
  read.model = read.access->models.model(request.model);
  if (read.model == nullptr) return std::nullopt;
  try {
    checkRowKey(*read.model, request.key);
  } catch (const RowError&) {
    return std::nullopt;
  }
  read.key = request.key;
  const auto prepared = read.access->gets.find(request.model);
  if (prepared == read.access->gets.end()) return std::nullopt;
  read.statement = prepared->second;
  read.statement.params = {request.key};
  read.databaseUrl = instance.databaseUrl;
  return read;
}

RowResponse answerQuickRowRead(const QuickRowRead& read, const db::StatementResult& result) {
  if (result.rows() == 0) throw noSuchRow(*read.model, read.key);
  RowResponse response;
  response.body = json::write(RowStore::rowFrom(*read.model, result, 0));
  return response;
}

}  // namespace flint::custom_data
