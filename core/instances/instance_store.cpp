#include "core/instances/instance_store.h"

#include <regex>

#include "core/db/migrations.h"

namespace flint::instances {
namespace {

const char* kColumns =
    "id, name, organization_name, coalesce(organization_npi, ''), coalesce(organization_address, ''),"
    " patient_portal, disabled, schema_name, open_access, refresh_token_days";

Instance fromRow(const pqxx::row& r) {
  Instance i;
  i.id = r[0].as<long long>();
  i.name = r[1].as<std::string>();
  i.organizationName = r[2].as<std::string>();
  i.organizationNpi = r[3].as<std::string>();
  i.organizationAddress = r[4].as<std::string>();
  i.patientPortal = r[5].as<bool>();
  i.disabled = r[6].as<bool>();
  i.schema = r[7].as<std::string>();
  i.openAccess = r[8].as<bool>();
  i.refreshTokenDays = r[9].as<int>();
  return i;
}

}  // namespace

void validateName(const std::string& name) {
  static const std::regex pattern("^[a-z0-9-]{1,40}$");
  if (!std::regex_match(name, pattern))
    throw InstanceError("instance name must be 1 to 40 characters of a-z, 0-9 and '-'");
  static const char* reserved[] = {"admin", "directory", "health", "metrics", "static", "well-known"};
  for (const char* word : reserved)
    if (name == word) throw InstanceError("instance name '" + name + "' is reserved");
}

Instance createInstance(pqxx::connection& conn, const NewInstance& request) {
  validateName(request.name);
  if (request.organizationName.empty()) throw InstanceError("organization name is required");
  if (!request.organizationNpi.empty() && !std::regex_match(request.organizationNpi, std::regex("^[0-9]{10}$")))
    throw InstanceError("organization NPI must be 10 digits");
  if (request.refreshTokenDays < 1 || request.refreshTokenDays > 3650)
    throw InstanceError("refresh token lifetime must be 1 to 3650 days");
  pqxx::work tx(conn);
  if (!tx.exec_params("SELECT 1 FROM flint.instances WHERE name = $1", request.name).empty())
    throw InstanceError("instance '" + request.name + "' already exists", true);
  // The schema is named after the numeric id, so no instance name ever reaches DDL.
  pqxx::row row;
  try {
    row = tx.exec_params1(
      "INSERT INTO flint.instances (name, organization_name, organization_npi, organization_address, patient_portal,"
      " open_access, refresh_token_days, search_index_version, schema_name) VALUES ($1, $2, nullif($3, ''),"
      " nullif($4, ''), $5, $6, $7, $8, 'i' || currval('flint.instances_id_seq'))"
      " RETURNING " + std::string(kColumns),
      request.name, request.organizationName, request.organizationNpi, request.organizationAddress,
      request.patientPortal, request.openAccess, request.refreshTokenDays, request.searchIndexVersion);
  } catch (const pqxx::unique_violation&) {
    throw InstanceError("instance '" + request.name + "' already exists", true);
  }
  Instance created = fromRow(row);
  db::migrateInstanceSchema(tx, created.id, created.schema);
  tx.commit();
  return created;
}

std::vector<Instance> listInstances(pqxx::connection& conn) {
  pqxx::nontransaction tx(conn);
  std::vector<Instance> out;
  for (const auto& r : tx.exec(std::string("SELECT ") + kColumns + " FROM flint.instances ORDER BY name"))
    out.push_back(fromRow(r));
  return out;
}

std::optional<Instance> findInstance(pqxx::connection& conn, const std::string& name) {
  pqxx::nontransaction tx(conn);
  auto r = tx.exec_params(std::string("SELECT ") + kColumns + " FROM flint.instances WHERE name = $1", name);
  if (r.empty()) return std::nullopt;
  return fromRow(r[0]);
}

std::optional<Instance> findInstanceById(pqxx::connection& conn, long long id) {
  pqxx::nontransaction tx(conn);
  auto r = tx.exec_params(std::string("SELECT ") + kColumns + " FROM flint.instances WHERE id = $1", id);
  if (r.empty()) return std::nullopt;
  return fromRow(r[0]);
}

bool setInstanceDisabled(pqxx::connection& conn, const std::string& name, bool disabled) {
  pqxx::work tx(conn);
  auto r = tx.exec_params("UPDATE flint.instances SET disabled = $2 WHERE name = $1", name, disabled);
  tx.commit();
  return r.affected_rows() == 1;
}

std::vector<Instance> instancesIndexedBefore(pqxx::connection& conn, int version) {
  pqxx::nontransaction tx(conn);
  std::vector<Instance> out;
  for (const auto& r : tx.exec_params(std::string("SELECT ") + kColumns +
                                          " FROM flint.instances WHERE search_index_version < $1 ORDER BY name",
                                      version))
    out.push_back(fromRow(r));
  return out;
}

void setSearchIndexVersion(pqxx::connection& conn, long long instanceId, int version) {
  pqxx::work tx(conn);
  tx.exec_params0("UPDATE flint.instances SET search_index_version = $2 WHERE id = $1", instanceId, version);
  tx.commit();
}

}  // namespace flint::instances
