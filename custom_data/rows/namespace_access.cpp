#include "custom_data/rows/namespace_access.h"

#include <chrono>
#include <mutex>
#include <optional>
#include <unordered_map>

#include "core/crypto/digest.h"
#include "core/crypto/encoding.h"
#include "core/db/session.h"
#include "core/db/session_pool.h"
#include "core/json/json_parser.h"
#include "custom_data/manifest/plugin_manifest.h"
#include "custom_data/rows/field_values.h"
#include "custom_data/rows/row_store.h"

namespace flint::custom_data {

void NamespaceAccess::requireWrite() const {
  if (level != "read_write")
    throw RowError(403, "NamespaceWriteDenied",
                   "Write operation denied: namespace '" + ns +
                       "' is read-only. Plugin must declare 'read_write' access to perform write operations.");
}

const ModelDefinition& NamespaceAccess::model(const std::string& name) const {
  if (const ModelDefinition* m = models.model(name)) return *m;
  throw RowError(404, "DoesNotExist", "namespace '" + ns + "' declares no model '" + name + "'");
}

namespace {

struct CachedAccess {
  std::shared_ptr<const NamespaceAccess> access;
  std::chrono::steady_clock::time_point loaded;
  bool used = false;  // since it was loaded
  // What reloads it: where the instance's data lives, its schema, and the key's hash.
  std::string databaseUrl;
  std::string instanceSchema;
  std::string hash;
};

std::mutex& cacheMutex() {
  static std::mutex m;
  return m;
}

std::unordered_map<std::string, CachedAccess>& cache() {
  static std::unordered_map<std::string, CachedAccess> entries;
  return entries;
}

std::string cachePrefix(const std::string& instanceSchema, const std::string& ns) { return instanceSchema + "\n" + ns + "\n"; }

NamespaceAccess load(pqxx::transaction_base& tx, const std::string& instanceSchema, const std::string& ns,
                     const std::string& hash) {
  if (!isValidNamespace(ns)) throw RowError(401, "NamespaceAccessError", "the key does not open namespace '" + ns + "'");
  auto found = tx.exec_params("SELECT schema_name FROM " + db::quoteIdentifier(instanceSchema) +
                                  ".custom_data_namespaces WHERE name = $1",
                              ns);
  NamespaceAccess access;
  access.ns = ns;
  if (!found.empty()) {
    access.schema = found[0][0].as<std::string>();
    for (const auto& r : tx.exec("SELECT key_hash, access_level FROM " + db::quoteIdentifier(access.schema) + ".namespace_auth"))
      if (crypto::constantTimeEquals(r[0].as<std::string>(), hash)) access.level = r[1].as<std::string>();
  }
  if (access.level.empty()) throw RowError(401, "NamespaceAccessError", "the key does not open namespace '" + ns + "'");
  json::Value declared = json::Value::object();
  json::Value list = json::Value::array();
  for (const auto& r : tx.exec("SELECT definition::text FROM " + db::quoteIdentifier(access.schema) + ".custom_models ORDER BY name"))
    list.push(json::parse(r[0].as<std::string>()));
  declared.set("models", std::move(list));
  access.models = parseModels(declared, "");
  for (const auto& model : access.models.models) {
    auto statement = RowStore::getStatement(access.schema, model, "");
    statement.params.clear();
    access.gets.emplace(model.name, std::move(statement));
  }
  return access;
}

}  // namespace

void forgetNamespaceAccess(const std::string& instanceSchema, const std::string& ns) {
  const std::string prefix = cachePrefix(instanceSchema, ns);
  std::lock_guard lock(cacheMutex());
  for (auto it = cache().begin(); it != cache().end();)
    it = it->first.rfind(prefix, 0) == 0 ? cache().erase(it) : std::next(it);
}

namespace {

// The cache key of `authorization` for the namespace; nullopt when it is no namespace key at all.
std::optional<std::string> cacheKey(const std::string& instanceSchema, const std::string& ns, std::string_view authorization) {
  const std::string_view scheme = "Namespace ";
  if (authorization.size() <= scheme.size() || authorization.substr(0, scheme.size()) != scheme) return std::nullopt;
  return cachePrefix(instanceSchema, ns) + crypto::hexEncode(crypto::sha256(authorization.substr(scheme.size())));
}

// Only as loaded from `databaseUrl`: once an instance has moved, what its old cluster said (which is
// what reloads of the entry still ask) no longer counts.
std::shared_ptr<const NamespaceAccess> remembered(const std::string& key, const std::string& databaseUrl) {
  std::lock_guard lock(cacheMutex());
  auto it = cache().find(key);
  if (it == cache().end() || it->second.databaseUrl != databaseUrl ||
      std::chrono::steady_clock::now() - it->second.loaded >= kNamespaceAccessTtl)
    return nullptr;
  it->second.used = true;
  return it->second.access;
}

}  // namespace

std::shared_ptr<const NamespaceAccess> rememberedNamespaceAccess(const instances::Instance& instance, const std::string& ns,
                                                                 std::string_view authorization) {
  const auto key = cacheKey(instance.schema, ns, authorization);
  return key ? remembered(*key, instance.databaseUrl) : nullptr;
}

std::shared_ptr<const NamespaceAccess> authorizeNamespace(pqxx::transaction_base& tx, const instances::Instance& instance,
                                                          const std::string& ns, std::string_view authorization) {
  const auto key = cacheKey(instance.schema, ns, authorization);
  if (!key)
    throw RowError(401, "NamespaceAccessError", "a namespace key is required: Authorization: Namespace <key>");
  if (auto access = remembered(*key, instance.databaseUrl)) return access;
  const auto now = std::chrono::steady_clock::now();
  const std::string hash = key->substr(key->rfind('\n') + 1);
  auto access = std::make_shared<const NamespaceAccess>(load(tx, instance.schema, ns, hash));
  std::lock_guard lock(cacheMutex());
  if (cache().size() > 10000) cache().clear();
  cache()[*key] = {access, now, false, instance.databaseUrl, instance.schema, hash};
  return access;
}

void refreshNamespaceAccessAhead() {
  struct Due {
    std::string key;
    CachedAccess entry;
  };
  const auto now = std::chrono::steady_clock::now();
  std::vector<Due> due;
  {
    std::lock_guard lock(cacheMutex());
    for (const auto& [key, entry] : cache())
      if (entry.used && now - entry.loaded >= kNamespaceAccessTtl / 2) due.push_back({key, entry});
  }
  for (auto& [key, entry] : due) {
    std::shared_ptr<const NamespaceAccess> fresh;
    try {
      // One session at a time, returned at once: this thread counts as one in the connection budget.
      db::PooledSession session(entry.databaseUrl);
      pqxx::read_transaction tx(session->connection());
      fresh = std::make_shared<const NamespaceAccess>(load(tx, entry.instanceSchema, entry.access->ns, entry.hash));
    } catch (const RowError&) {
      // The key no longer opens the namespace (reset, or the plugin removed): forgotten, so the
      // next request with it asks the database, which refuses it.
    } catch (const std::exception&) {
      // Left to expire; the request that then needs it meets the failure and reports it.
      continue;
    }
    std::lock_guard lock(cacheMutex());
    auto it = cache().find(key);
    // Unless forgotten or reloaded by a request meanwhile, which may have seen a later state.
    if (it == cache().end() || it->second.access != entry.access) continue;
    if (!fresh) {
      cache().erase(it);
      continue;
    }
    entry.access = std::move(fresh);
    entry.loaded = now;
    entry.used = false;
    it->second = std::move(entry);
  }
}

}  // namespace flint::custom_data
