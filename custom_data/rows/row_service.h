// Rows of a namespace's models, transport-free: create, get, update, delete, list, aggregate,
// get_or_create / update_or_create, bulk operations (at most 10,000) and atomic requests of
// several operations, with the namespace key's access, in one transaction per request.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "core/db/session.h"
#include "core/instances/instance.h"
#include "core/json/json_value.h"

namespace flint::custom_data {

struct RowRequest {
  std::string method;         // GET, POST, PATCH, DELETE
  std::string ns;
  std::string model;          // empty: an atomic request of several operations
  std::string key;            // a row's primary key, or _action; empty for the model's collection
  std::vector<std::pair<std::string, std::string>> params;
  std::string body;
  std::string authorization;  // "Namespace <key>"
  std::string collectionUrl;  // absolute URL of the model's rows, for next links
};

struct RowResponse {
  int status = 200;
  std::string body;  // JSON; empty for 204
};

// Throws RowError (custom_data/rows/field_values.h) for what cannot be done.
RowResponse handleRows(db::Session& session, const instances::Instance& instance, const RowRequest& request);

}  // namespace flint::custom_data
