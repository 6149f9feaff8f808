// The management API of an instance's custom data namespaces, as the reference product's
// (`canvas namespace ...`, §4.5): list with table counts, inspect tables and columns, and reset
// (drop the custom tables, empty the hubs, keep the keys) or drop (everything, keys included),
// each first as a dry run.
#pragma once

#include <optional>
#include <pqxx/pqxx>
#include <string>

#include "core/instances/instance.h"
#include "core/json/json_value.h"

namespace flint::custom_data {

json::Value listNamespaces(pqxx::connection& conn, const instances::Instance& instance);
// Nothing when the namespace does not exist.
std::optional<json::Value> inspectNamespace(pqxx::connection& conn, const instances::Instance& instance, const std::string& ns);
std::optional<json::Value> resetNamespace(pqxx::connection& conn, const instances::Instance& instance, const std::string& ns,
                                          bool dryRun);
// Dropping a namespace also uninstalls the plugins that keep their data in it.
std::optional<json::Value> dropNamespace(pqxx::connection& conn, const instances::Instance& instance, const std::string& ns,
                                         bool dryRun);

}  // namespace flint::custom_data
