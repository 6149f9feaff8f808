// Reads and writes instances in the control schema, creating each instance's own schema.
#pragma once

#include <optional>
#include <pqxx/pqxx>
#include <vector>

#include "core/instances/instance.h"

namespace flint::instances {

// Every change names who makes it (`actor`: "admin API", "cli (root)"): the directory's change
// log records it.
Instance createInstance(pqxx::connection& conn, const NewInstance& request, const std::string& actor);
std::vector<Instance> listInstances(pqxx::connection& conn);
// Inside a transaction the caller has open.
std::vector<Instance> listInstances(pqxx::transaction_base& tx);
std::optional<Instance> findInstance(pqxx::connection& conn, const std::string& name);
// Those of `names` that exist, in no particular order.
std::vector<Instance> findInstances(pqxx::connection& conn, const std::vector<std::string>& names);
std::optional<Instance> findInstanceById(pqxx::connection& conn, long long id);
std::optional<Instance> findInstanceById(pqxx::transaction_base& tx, long long id);
// Returns false when there is no such instance.
bool setInstanceDisabled(pqxx::connection& conn, const std::string& name, bool disabled, const std::string& actor);
bool setInstanceDisabled(pqxx::transaction_base& tx, const std::string& name, bool disabled, const std::string& actor);
// The instance as changed; nullopt when there is no such instance. InstanceError for a change
// that is not valid (an NPI that is not 10 digits, a parent that does not exist or would make a
// cycle, ...).
std::optional<Instance> updateInstance(pqxx::connection& conn, const std::string& name, const InstanceChanges& changes,
                                       const std::string& actor);
// Instances whose search entries were built by an extraction older than `version`.
std::vector<Instance> instancesIndexedBefore(pqxx::connection& conn, int version);
void setSearchIndexVersion(pqxx::connection& conn, long long instanceId, int version);

// Records a dictionary for the instance's resource JSON (ContentDictionaries), which writes use
// from ten seconds on; one of the same number recorded before stays as it is.
void addContentDictionary(pqxx::connection& conn, long long instanceId, uint32_t number, const std::string& dictionary);

}  // namespace flint::instances
