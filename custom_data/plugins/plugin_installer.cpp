#include "custom_data/plugins/plugin_installer.h"

#include "core/crypto/digest.h"
#include "core/crypto/encoding.h"
#include "core/json/json_writer.h"
#include "custom_data/manifest/plugin_manifest.h"
#include "custom_data/models/model_ddl.h"
#include "custom_data/rows/namespace_access.h"

namespace flint::custom_data {
namespace {

std::string keyHash(const std::string& key) { return crypto::hexEncode(crypto::sha256(key)); }

// The access level `key` grants in a namespace with `keys`, or nothing. Every stored hash is
// compared, in constant time, whatever matches first.
std::optional<std::string> grantedLevel(const std::vector<NamespaceKey>& keys, const std::string& key) {
  const std::string hash = keyHash(key);
  std::optional<std::string> level;
  for (const auto& k : keys)
    if (crypto::constantTimeEquals(k.hash, hash)) level = k.level;
  return level;
}

// Creates or joins the namespace the manifest declares, per the install matrix.
void joinNamespace(NamespaceStore& store, const CustomDataDeclaration& declared, const InstallRequest& request,
                   InstallResult& result) {
  std::optional<std::string> schema = store.namespaceSchema(declared.ns);
  if (declared.access == "read") {
    if (!schema)
      throw InstallError(400, "namespace '" + declared.ns +
                                  "' does not exist. A plugin with 'read_write' access must create the namespace first.");
    const std::optional<std::string>& key = request.readKey ? request.readKey : request.readWriteKey;
    if (!key || !grantedLevel(store.keys(*schema), *key))
      throw InstallError(403, "a valid " + std::string(kReadKeyName) + " for namespace '" + declared.ns + "' is required");
    return;
  }
  if (!schema) {
    if (request.readKey.has_value() != request.readWriteKey.has_value())
      throw InstallError(400, std::string("to create a namespace with chosen keys, give both ") + kReadKeyName + " and " +
                                  kReadWriteKeyName);
    NamespaceKeys keys{request.readKey.value_or(crypto::randomToken()), request.readWriteKey.value_or(crypto::randomToken())};
    if (keys.read.empty() || keys.readWrite.empty() || keys.read == keys.readWrite)
      throw InstallError(400, "the namespace keys must be non-empty and different");
    schema = store.createNamespace(declared.ns);
    store.initializeSchema(*schema);
    store.addKey(*schema, {keyHash(keys.read), "read"}, "created by plugin " + result.plugin.name);
    store.addKey(*schema, {keyHash(keys.readWrite), "read_write"}, "created by plugin " + result.plugin.name);
    result.namespaceCreated = true;
    result.keys = std::move(keys);
    return;
  }
  if (!request.readWriteKey || grantedLevel(store.keys(*schema), *request.readWriteKey) != "read_write")
    throw InstallError(403, "a valid " + std::string(kReadWriteKeyName) + " for namespace '" + declared.ns +
                                "' is required for 'read_write' access");
  store.initializeSchema(*schema);
}

// A read_write plugin's models create or extend the namespace's tables (additive DDL in this
// transaction); a read plugin's must be the namespace's, exactly.
void installModels(NamespaceStore& store, const PluginManifest& manifest, const json::Value& document,
                   InstallResult& result) {
  if (!manifest.customData) throw InstallError(400, "models need a namespace: declare custom_data in the manifest");
  ModelSet models;
  try {
    models = parseModels(document, manifest.name);
  } catch (const ManifestError& e) {
    throw InstallError(400, "the models are not valid", e.problems());
  }
  const std::string schema = *store.namespaceSchema(manifest.customData->ns);
  const auto declared = store.declaredModels(schema);
  std::vector<std::string> problems;
  for (const auto& m : models.models) {
    result.models.push_back(m.name);
    auto same = declared.find(m.name);
    if (manifest.customData->access == "read") {
      if (same == declared.end() || !json::sameValue(same->second, m.document))
        problems.push_back(m.name + ": a read plugin must declare the namespace's model exactly as it is");
      continue;
    }
    for (const auto& [name, definition] : declared)
      if (name != m.name && tableNameOf(name) == m.table)
        problems.push_back(m.name + ": its table '" + m.table + "' belongs to the model " + name);
  }
  if (!problems.empty()) throw InstallError(400, "the models do not fit the namespace", problems);
  if (manifest.customData->access == "read") return;
  std::vector<std::string> ddl;
  try {
    ddl = additiveDdl(schema, models, store.columns(schema));
  } catch (const ManifestError& e) {
    throw InstallError(400, "the models would change existing tables", e.problems());
  }
  store.applyModels(schema, ddl, models, manifest.name, crypto::hexEncode(crypto::sha256(json::write(document))));
}

}  // namespace

InstallResult installPlugin(pqxx::connection& conn, const instances::Instance& instance, const InstallRequest& request) {
  PluginManifest manifest;
  try {
    manifest = parseManifest(request.manifest);
  } catch (const ManifestError& e) {
    throw InstallError(400, "the manifest is not valid", e.problems());
  }
  pqxx::work tx(conn);
  NamespaceStore store(tx, instance);
  store.lockRegistry();
  InstallResult result;
  result.plugin.name = manifest.name;
  result.plugin.version = manifest.pluginVersion;
  if (auto existing = store.plugin(manifest.name)) {
    const std::string declared = manifest.customData ? manifest.customData->ns : "";
    if (!existing->ns.empty() && existing->ns != declared)
      throw InstallError(409, "plugin '" + manifest.name + "' keeps its data in namespace '" + existing->ns +
                                  "'; a plugin may be in one namespace only (uninstall it first)");
  }
  if (manifest.customData) {
    joinNamespace(store, *manifest.customData, request, result);
    result.plugin.ns = manifest.customData->ns;
    result.plugin.access = manifest.customData->access;
  }
  if (request.models) installModels(store, manifest, *request.models, result);
  store.savePlugin(result.plugin, json::write(manifest.document));
  result.plugin = *store.plugin(manifest.name);
  tx.commit();
  if (manifest.customData) forgetNamespaceAccess(instance.schema, manifest.customData->ns);
  return result;
}

std::vector<InstalledPlugin> listPlugins(pqxx::connection& conn, const instances::Instance& instance) {
  pqxx::work tx(conn);
  return NamespaceStore(tx, instance).plugins();
}

bool uninstallPlugin(pqxx::connection& conn, const instances::Instance& instance, const std::string& name) {
  pqxx::work tx(conn);
  bool removed = NamespaceStore(tx, instance).removePlugin(name);
  tx.commit();
  return removed;
}

}  // namespace flint::custom_data
