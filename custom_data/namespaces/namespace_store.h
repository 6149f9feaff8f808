// SQL for an instance's plugins and custom data namespaces: the registry in the instance's schema,
// and each namespace's own schema with its access keys (hashed), attribute hubs and schema versions.
#pragma once

#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include <map>

#include "core/instances/instance.h"
#include "core/json/json_value.h"
#include "custom_data/models/model_ddl.h"

namespace flint::custom_data {

struct NamespaceKey {
  std::string hash;   // hex SHA-256 of the key
  std::string level;  // read or read_write
};

struct InstalledPlugin {
  std::string name;
  std::string version;
  std::string ns;      // empty when the plugin keeps no custom data
  std::string access;  // read or read_write, with a namespace
  std::string installedAt;
};

class NamespaceStore {
 public:
  NamespaceStore(pqxx::work& tx, const instances::Instance& instance);

  // Serialises installs in this instance until the transaction ends, so that two first
  // read_write installs cannot both create a namespace.
  void lockRegistry();
  // The schema holding namespace `ns`; nothing when it does not exist.
  std::optional<std::string> namespaceSchema(const std::string& ns);
  // Creates namespace `ns` (its schema named from a sequence) and returns the schema.
  std::string createNamespace(const std::string& ns);
  // The namespace's system tables (reference §4.3), created when missing.
  void initializeSchema(const std::string& schema);
  void addKey(const std::string& schema, const NamespaceKey& key, const std::string& description);
  std::vector<NamespaceKey> keys(const std::string& schema);

  // The columns of the namespace's tables, and the models declared in it (by model name).
  std::vector<ExistingColumn> columns(const std::string& schema);
  std::map<std::string, json::Value> declaredModels(const std::string& schema);
  // Runs DDL made from checked declarations (custom_data/models/model_ddl.h), then records them.
  void applyModels(const std::string& schema, const std::vector<std::string>& ddl, const ModelSet& models,
                   const std::string& pluginName, const std::string& modelsHash);

  std::optional<InstalledPlugin> plugin(const std::string& name);
  void savePlugin(const InstalledPlugin& plugin, const std::string& manifestJson);
  std::vector<InstalledPlugin> plugins();
  bool removePlugin(const std::string& name);

 private:
  std::string table(const char* name) const;
  pqxx::work& tx_;
  std::string instanceSchema_;
};

}  // namespace flint::custom_data
