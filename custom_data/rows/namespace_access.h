// Who may use a namespace's rows: the key in "Authorization: Namespace <key>" gives read or
// read_write access to one namespace of one instance, with the models declared in it.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <pqxx/pqxx>
#include <string>

#include "core/db/pipelined_connection.h"
#include "core/instances/instance.h"
#include "custom_data/models/model_definition.h"

namespace flint::custom_data {

struct NamespaceAccess {
  std::string ns;
  std::string schema;
  std::string level;  // read or read_write
  ModelSet models;
  // By model name, its get-by-key statement without the key: built once per granted access, so a
  // reactor's quick read hashes no SQL.
  std::map<std::string, db::Statement> gets;

  // Throws RowError 403 (NamespaceWriteDenied, the reference product's message) for a read key.
  void requireWrite() const;
  // Throws RowError 404 for a model the namespace does not declare.
  const ModelDefinition& model(const std::string& name) const;
};

// How long a process remembers a granted access without asking the database again.
inline constexpr std::chrono::milliseconds kNamespaceAccessTtl{1000};

// Throws RowError 401 when the key is missing, malformed or not one of this namespace's (an
// unknown namespace answers the same, so keys cannot probe for names). A granted access is
// remembered by the process for up to kNamespaceAccessTtl; installs, resets and drops in this
// process forget it at once, other processes within that time.
std::shared_ptr<const NamespaceAccess> authorizeNamespace(pqxx::transaction_base& tx, const instances::Instance& instance,
                                                          const std::string& ns, std::string_view authorization);
// The access `authorization` was granted within kNamespaceAccessTtl, without asking the database (for
// a reactor thread, which must not wait); null when none is remembered.
std::shared_ptr<const NamespaceAccess> rememberedNamespaceAccess(const instances::Instance& instance, const std::string& ns,
                                                                 std::string_view authorization);
void forgetNamespaceAccess(const std::string& instanceSchema, const std::string& ns);
// Reloads the remembered accesses used since they were loaded and half their time old, so that
// reads by a key in use keep being answered on the reactors rather than falling to a worker once
// a second; one the key no longer opens is forgotten. For a task every quarter of the time.
void refreshNamespaceAccessAhead();

}  // namespace flint::custom_data
