#include "custom_data/namespaces/namespace_admin.h"

#include <vector>

#include "core/db/session.h"
#include "custom_data/models/model_definition.h"
#include "custom_data/rows/namespace_access.h"

namespace flint::custom_data {
namespace {

using json::Value;

struct TableInfo {
  std::string name;
  long long approxRows = 0;
  bool system = false;
};

std::optional<std::string> schemaOf(pqxx::transaction_base& tx, const instances::Instance& instance, const std::string& ns) {
  auto r = tx.exec_params("SELECT schema_name FROM " + db::quoteIdentifier(instance.schema) +
                              ".custom_data_namespaces WHERE name = $1",
                          ns);
  if (r.empty()) return std::nullopt;
  return r[0][0].as<std::string>();
}

std::vector<TableInfo> tablesOf(pqxx::transaction_base& tx, const std::string& schema) {
  std::vector<TableInfo> out;
  for (const auto& r : tx.exec_params("SELECT c.relname, greatest(c.reltuples, 0)::bigint FROM pg_class c"
                                      " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relkind = 'r'"
                                      " ORDER BY c.relname",
                                      schema)) {
    TableInfo t{r[0].as<std::string>(), r[1].as<long long>(), false};
    t.system = isSystemTable(t.name);
    out.push_back(std::move(t));
  }
  return out;
}

Value tableJson(const TableInfo& t) {
  Value v = Value::object();
  v.set("name", Value::string(t.name));
  v.set("approx_rows", Value::number(t.approxRows));
  return v;
}

// The hubs' tables a reset empties; Flint's model registry with them, as the models' tables go.
bool truncatedOnReset(const std::string& table) {
  return table == "attribute_hub" || table == "custom_attribute" || table == "custom_models" || table == "schema_version";
}

}  // namespace

json::Value listNamespaces(pqxx::connection& conn, const instances::Instance& instance) {
  pqxx::work tx(conn);
  Value list = Value::array();
  for (const auto& r : tx.exec("SELECT name, schema_name FROM " + db::quoteIdentifier(instance.schema) +
                               ".custom_data_namespaces ORDER BY name")) {
    auto tables = tablesOf(tx, r[1].as<std::string>());
    long long custom = 0;
    for (const auto& t : tables) custom += t.system ? 0 : 1;
    Value v = Value::object();
    v.set("name", Value::string(r[0].as<std::string>()));
    v.set("table_count", Value::number(static_cast<long long>(tables.size())));
    v.set("custom_table_count", Value::number(custom));
    list.push(std::move(v));
  }
  Value out = Value::object();
  out.set("namespaces", std::move(list));
  return out;
}

std::optional<json::Value> inspectNamespace(pqxx::connection& conn, const instances::Instance& instance, const std::string& ns) {
  pqxx::work tx(conn);
  auto schema = schemaOf(tx, instance, ns);
  if (!schema) return std::nullopt;
  Value system = Value::array(), custom = Value::array();
  for (const auto& t : tablesOf(tx, *schema)) {
    Value v = tableJson(t);
    if (t.system) {
      system.push(std::move(v));
      continue;
    }
    Value columns = Value::array();
    for (const auto& c : tx.exec_params("SELECT a.attname, format_type(a.atttypid, a.atttypmod), NOT a.attnotnull"
                                        " FROM pg_attribute a WHERE a.attrelid = ($1 || '.' || $2)::regclass"
                                        " AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
                                        db::quoteIdentifier(*schema), db::quoteIdentifier(t.name))) {
      Value col = Value::object();
      col.set("name", Value::string(c[0].as<std::string>()));
      col.set("type", Value::string(c[1].as<std::string>()));
      col.set("nullable", Value::boolean(c[2].as<bool>()));
      columns.push(std::move(col));
    }
    v.set("columns", std::move(columns));
    custom.push(std::move(v));
  }
  Value out = Value::object();
  out.set("namespace", Value::string(ns));
  out.set("system_tables", std::move(system));
  out.set("custom_tables", std::move(custom));
  return out;
}

std::optional<json::Value> resetNamespace(pqxx::connection& conn, const instances::Instance& instance, const std::string& ns,
                                          bool dryRun) {
  pqxx::work tx(conn);
  auto schema = schemaOf(tx, instance, ns);
  if (!schema) return std::nullopt;
  Value drop = Value::array(), truncate = Value::array();
  std::vector<TableInfo> dropped, truncated;
  for (const auto& t : tablesOf(tx, *schema)) {
    if (!t.system) dropped.push_back(t);
    else if (truncatedOnReset(t.name)) truncated.push_back(t);
  }
  Value out = Value::object();
  if (dryRun) {
    out.set("namespace", Value::string(ns));
    for (const auto& t : dropped) drop.push(tableJson(t));
    for (const auto& t : truncated) truncate.push(tableJson(t));
    out.set("tables_to_drop", std::move(drop));
    out.set("tables_to_truncate", std::move(truncate));
    return out;
  }
  const std::string s = db::quoteIdentifier(*schema) + ".";
  for (const auto& t : dropped) {
    tx.exec0("DROP TABLE " + s + db::quoteIdentifier(t.name) + " CASCADE");
    drop.push(Value::string(t.name));
  }
  std::string names;
  for (const auto& t : truncated) {
    names += (names.empty() ? "" : ", ") + s + db::quoteIdentifier(t.name);
    truncate.push(Value::string(t.name));
  }
  if (!names.empty()) tx.exec0("TRUNCATE " + names);
  tx.commit();
  forgetNamespaceAccess(instance.schema, ns);
  out.set("tables_dropped", std::move(drop));
  out.set("tables_truncated", std::move(truncate));
  return out;
}

std::optional<json::Value> dropNamespace(pqxx::connection& conn, const instances::Instance& instance, const std::string& ns,
                                         bool dryRun) {
  pqxx::work tx(conn);
  auto schema = schemaOf(tx, instance, ns);
  if (!schema) return std::nullopt;
  Value tables = Value::array();
  for (const auto& t : tablesOf(tx, *schema)) tables.push(dryRun ? tableJson(t) : Value::string(t.name));
  Value plugins = Value::array();
  const std::string registry = db::quoteIdentifier(instance.schema) + ".";
  for (const auto& r : tx.exec_params("SELECT name FROM " + registry + "plugins WHERE namespace = $1 ORDER BY name", ns))
    plugins.push(Value::string(r[0].as<std::string>()));
  Value out = Value::object();
  out.set("namespace", Value::string(ns));
  if (dryRun) {
    out.set("tables", std::move(tables));
    out.set("plugins_to_uninstall", std::move(plugins));
    return out;
  }
  tx.exec_params0("DELETE FROM " + registry + "plugins WHERE namespace = $1", ns);
  tx.exec_params0("DELETE FROM " + registry + "custom_data_namespaces WHERE name = $1", ns);
  tx.exec0("DROP SCHEMA " + db::quoteIdentifier(*schema) + " CASCADE");
  tx.commit();
  forgetNamespaceAccess(instance.schema, ns);
  out.set("tables_dropped", std::move(tables));
  out.set("plugins_uninstalled", std::move(plugins));
  return out;
}

}  // namespace flint::custom_data
