// Reads and writes instances in the control schema, creating each instance's own schema.
#pragma once

#include <optional>
#include <pqxx/pqxx>
#include <vector>

#include "core/instances/instance.h"

namespace flint::instances {

Instance createInstance(pqxx::connection& conn, const NewInstance& request);
std::vector<Instance> listInstances(pqxx::connection& conn);
std::optional<Instance> findInstance(pqxx::connection& conn, const std::string& name);
std::optional<Instance> findInstanceById(pqxx::connection& conn, long long id);
// Returns false when there is no such instance.
bool setInstanceDisabled(pqxx::connection& conn, const std::string& name, bool disabled);
// Instances whose search entries were built by an extraction older than `version`.
std::vector<Instance> instancesIndexedBefore(pqxx::connection& conn, int version);
void setSearchIndexVersion(pqxx::connection& conn, long long instanceId, int version);

}  // namespace flint::instances
