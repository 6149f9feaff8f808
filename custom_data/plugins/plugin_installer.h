// Installing a plugin into an instance from its manifest, with the reference product's install
// matrix for custom data namespaces (§4.5 of ../shared/spec/canvas-reference.md): the first
// read_write plugin creates the namespace and its two access keys; later plugins join with a key.
#pragma once

#include <optional>
#include <pqxx/pqxx>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/instances/instance.h"
#include "core/json/json_value.h"
#include "custom_data/namespaces/namespace_store.h"

namespace flint::custom_data {

// The secret names the reference product uses for a namespace's keys.
inline constexpr const char* kReadKeyName = "namespace_read_access_key";
inline constexpr const char* kReadWriteKeyName = "namespace_read_write_access_key";

struct NamespaceKeys {
  std::string read;
  std::string readWrite;
};

struct InstallRequest {
  json::Value manifest;
  // Keys the caller supplies: both to create a namespace with chosen keys, the read-write key to
  // join as read_write, either to join as read.
  std::optional<std::string> readKey;
  std::optional<std::string> readWriteKey;
  // The plugin's CustomModels as JSON (custom_data/models/model_definition.h): a read_write
  // plugin's create or extend the namespace's tables; a read plugin's must match them exactly.
  std::optional<json::Value> models;
};

struct InstallResult {
  InstalledPlugin plugin;
  bool namespaceCreated = false;
  std::optional<NamespaceKeys> keys;  // only when the namespace was created: shown this once
  std::vector<std::string> models;    // the models declared
};

// Why an install is refused: `status` 400 (manifest, namespace missing), 403 (a key that does
// not grant the access), 409 (the plugin is already in another namespace).
class InstallError : public std::runtime_error {
 public:
  InstallError(int status, const std::string& message, std::vector<std::string> problems = {})
      : std::runtime_error(message), status_(status), problems_(std::move(problems)) {}
  int status() const { return status_; }
  const std::vector<std::string>& problems() const { return problems_; }

 private:
  int status_;
  std::vector<std::string> problems_;
};

// Validates, then installs (or re-installs) in one transaction on `conn`.
InstallResult installPlugin(pqxx::connection& conn, const instances::Instance& instance, const InstallRequest& request);
std::vector<InstalledPlugin> listPlugins(pqxx::connection& conn, const instances::Instance& instance);
// Removes the plugin; its namespace and data stay. False when it is not installed.
bool uninstallPlugin(pqxx::connection& conn, const instances::Instance& instance, const std::string& name);

}  // namespace flint::custom_data
