// A get by key that a reactor thread answers on its pipelined connection: the namespace's access
// is already known to this process and the request needs nothing but the row's one statement.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "core/db/pipelined_connection.h"
#include "core/instances/instance.h"
#include "custom_data/rows/namespace_access.h"
#include "custom_data/rows/row_service.h"

namespace flint::custom_data {

struct QuickRowRead {
  std::shared_ptr<const NamespaceAccess> access;
  const ModelDefinition* model = nullptr;
  std::string key;
  db::Statement statement;
  std::string databaseUrl;  // where it runs: the instance's primary
};

// `request` as a quick read; nullopt for anything else (or an access not remembered), which
// handleRows answers.
std::optional<QuickRowRead> quickRowRead(const instances::Instance& instance, const RowRequest& request);
// The answer from the statement's successful result; throws RowError 404 when there is no row.
RowResponse answerQuickRowRead(const QuickRowRead& read, const db::StatementResult& result);

}  // namespace flint::custom_data
