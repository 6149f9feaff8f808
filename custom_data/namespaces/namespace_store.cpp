#include "custom_data/namespaces/namespace_store.h"

#include "core/db/session.h"
#include "core/json/json_parser.h"
#include "core/json/json_writer.h"

namespace flint::custom_data {
namespace {

InstalledPlugin pluginFrom(const pqxx::row& r) {
  return {r[0].as<std::string>(), r[1].as<std::string>(), r[2].is_null() ? "" : r[2].as<std::string>(),
          r[3].is_null() ? "" : r[3].as<std::string>(), r[4].as<std::string>()};
}

constexpr const char* kPluginColumns =
    "name, plugin_version, namespace, access, to_char(installed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')";

}  // namespace

NamespaceStore::NamespaceStore(pqxx::work& tx, const instances::Instance& instance)
    : tx_(tx), instanceSchema_(instance.schema) {}

std::string NamespaceStore::table(const char* name) const { return db::quoteIdentifier(instanceSchema_) + "." + name; }

void NamespaceStore::lockRegistry() { tx_.exec0("LOCK TABLE " + table("custom_data_namespaces") + " IN SHARE ROW EXCLUSIVE MODE"); }

std::optional<std::string> NamespaceStore::namespaceSchema(const std::string& ns) {
  auto r = tx_.exec_params("SELECT schema_name FROM " + table("custom_data_namespaces") + " WHERE name = $1", ns);
  if (r.empty()) return std::nullopt;
  return r[0][0].as<std::string>();
}

std::string NamespaceStore::createNamespace(const std::string& ns) {
  const std::string schema =
      instanceSchema_ + "_ns" +
      tx_.exec1("SELECT nextval('" + db::quoteIdentifier(instanceSchema_) + ".custom_data_namespace_seq')")[0].as<std::string>();
  tx_.exec0("CREATE SCHEMA " + db::quoteIdentifier(schema));
  tx_.exec_params0("INSERT INTO " + table("custom_data_namespaces") + " (name, schema_name) VALUES ($1, $2)", ns, schema);
  return schema;
}

void NamespaceStore::initializeSchema(const std::string& schema) {
  const std::string s = db::quoteIdentifier(schema) + ".";
  tx_.exec0(
      "CREATE TABLE IF NOT EXISTS " + s + "namespace_auth ("
      " id serial PRIMARY KEY, key_hash varchar(64) NOT NULL UNIQUE,"
      " access_level varchar(10) NOT NULL CHECK (access_level IN ('read', 'read_write')),"
      " created_at timestamptz DEFAULT now(), description text);"
      "CREATE TABLE IF NOT EXISTS " + s + "attribute_hub ("
      " dbid bigserial PRIMARY KEY, type varchar(100) NOT NULL, id varchar(100) NOT NULL, UNIQUE (type, id));"
      "CREATE TABLE IF NOT EXISTS " + s + "custom_attribute ("
      " dbid bigserial NOT NULL, hub_id bigint NOT NULL REFERENCES " + s + "attribute_hub (dbid), name text NOT NULL,"
      " text_value text, date_value date, timestamp_value timestamptz, int_value int, decimal_value numeric(20, 10),"
      " bool_value boolean, json_value jsonb, PRIMARY KEY (hub_id, name));"
      "CREATE INDEX IF NOT EXISTS custom_attribute_dbid ON " + s + "custom_attribute (dbid);"
      "CREATE INDEX IF NOT EXISTS custom_attribute_text ON " + s + "custom_attribute (name, text_value) WHERE text_value IS NOT NULL;"
      "CREATE INDEX IF NOT EXISTS custom_attribute_date ON " + s + "custom_attribute (name, date_value) WHERE date_value IS NOT NULL;"
      "CREATE INDEX IF NOT EXISTS custom_attribute_timestamp ON " + s + "custom_attribute (name, timestamp_value) WHERE timestamp_value IS NOT NULL;"
      "CREATE INDEX IF NOT EXISTS custom_attribute_int ON " + s + "custom_attribute (name, int_value) WHERE int_value IS NOT NULL;"
      "CREATE INDEX IF NOT EXISTS custom_attribute_decimal ON " + s + "custom_attribute (name, decimal_value) WHERE decimal_value IS NOT NULL;"
      "CREATE INDEX IF NOT EXISTS custom_attribute_bool ON " + s + "custom_attribute (name, bool_value) WHERE bool_value IS NOT NULL;"
      "CREATE INDEX IF NOT EXISTS custom_attribute_json ON " + s + "custom_attribute USING gin (json_value);"
      "CREATE TABLE IF NOT EXISTS " + s + "schema_version ("
      " plugin_name varchar(255) NOT NULL UNIQUE, models_hash varchar(64), completed_at timestamptz DEFAULT now());"
      "CREATE TABLE IF NOT EXISTS " + s + "custom_models ("
      " name text PRIMARY KEY, table_name text NOT NULL UNIQUE, declared_by text NOT NULL, definition jsonb NOT NULL);");
}

void NamespaceStore::addKey(const std::string& schema, const NamespaceKey& key, const std::string& description) {
  tx_.exec_params0("INSERT INTO " + db::quoteIdentifier(schema) +
                       ".namespace_auth (key_hash, access_level, description) VALUES ($1, $2, $3)",
                   key.hash, key.level, description);
}

std::vector<NamespaceKey> NamespaceStore::keys(const std::string& schema) {
  std::vector<NamespaceKey> out;
  for (const auto& r : tx_.exec("SELECT key_hash, access_level FROM " + db::quoteIdentifier(schema) + ".namespace_auth"))
    out.push_back({r[0].as<std::string>(), r[1].as<std::string>()});
  return out;
}

std::vector<ExistingColumn> NamespaceStore::columns(const std::string& schema) {
  std::vector<ExistingColumn> out;
  for (const auto& r : tx_.exec_params(
           "SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a"
           " JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace"
           " WHERE n.nspname = $1 AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped",
           schema))
    out.push_back({r[0].as<std::string>(), r[1].as<std::string>(), r[2].as<std::string>()});
  return out;
}

std::map<std::string, json::Value> NamespaceStore::declaredModels(const std::string& schema) {
  std::map<std::string, json::Value> out;
  for (const auto& r : tx_.exec("SELECT name, definition::text FROM " + db::quoteIdentifier(schema) + ".custom_models"))
    out[r[0].as<std::string>()] = json::parse(r[1].as<std::string>());
  return out;
}

void NamespaceStore::applyModels(const std::string& schema, const std::vector<std::string>& ddl, const ModelSet& models,
                                 const std::string& pluginName, const std::string& modelsHash) {
  for (const auto& statement : ddl) tx_.exec0(statement);
  const std::string s = db::quoteIdentifier(schema) + ".";
  for (const auto& m : models.models)
    tx_.exec_params0("INSERT INTO " + s + "custom_models (name, table_name, declared_by, definition) VALUES ($1, $2, $3, $4::jsonb)"
                     " ON CONFLICT (name) DO UPDATE SET declared_by = excluded.declared_by, definition = excluded.definition",
                     m.name, m.table, pluginName, json::write(m.document));
  tx_.exec_params0("INSERT INTO " + s + "schema_version (plugin_name, models_hash) VALUES ($1, $2)"
                   " ON CONFLICT (plugin_name) DO UPDATE SET models_hash = excluded.models_hash, completed_at = now()",
                   pluginName, modelsHash);
}

std::optional<InstalledPlugin> NamespaceStore::plugin(const std::string& name) {
  auto r = tx_.exec_params(std::string("SELECT ") + kPluginColumns + " FROM " + table("plugins") + " WHERE name = $1 FOR UPDATE",
                           name);
  if (r.empty()) return std::nullopt;
  return pluginFrom(r[0]);
}

void NamespaceStore::savePlugin(const InstalledPlugin& plugin, const std::string& manifestJson) {
  tx_.exec_params0("INSERT INTO " + table("plugins") +
                       " (name, plugin_version, namespace, access, manifest) VALUES ($1, $2, nullif($3, ''), nullif($4, ''),"
                       " $5::jsonb) ON CONFLICT (name) DO UPDATE SET plugin_version = excluded.plugin_version,"
                       " namespace = excluded.namespace, access = excluded.access, manifest = excluded.manifest,"
                       " installed_at = now()",
                   plugin.name, plugin.version, plugin.ns, plugin.access, manifestJson);
}

std::vector<InstalledPlugin> NamespaceStore::plugins() {
  std::vector<InstalledPlugin> out;
  for (const auto& r : tx_.exec(std::string("SELECT ") + kPluginColumns + " FROM " + table("plugins") + " ORDER BY name"))
    out.push_back(pluginFrom(r));
  return out;
}

bool NamespaceStore::removePlugin(const std::string& name) {
  return tx_.exec_params("DELETE FROM " + table("plugins") + " WHERE name = $1", name).affected_rows() == 1;
}

}  // namespace flint::custom_data
