#include "core/instances/instance_store.h"

#include <mutex>
#include <regex>
#include <sstream>

#include "core/db/migrations.h"
#include "core/db/session_pool.h"
#include "core/db/text_array.h"
#include "core/instances/cluster_store.h"
#include "core/instances/replica_router.h"
#include "core/json/json_parser.h"

namespace flint::instances {
namespace {

const char* kColumns =
    "id, name, organization_name, coalesce(organization_npi, ''), coalesce(organization_address, ''),"
    " patient_portal, disabled, schema_name, open_access, refresh_token_days, organization_locations,"
    " coalesce(organization_part_of, ''), profile_validation, sandbox, cluster,"
    " (SELECT coalesce(c.database_url, '') || E'\\n' || array_to_json(c.replica_urls) FROM flint.clusters c"
    " WHERE c.name = cluster),"
    " (SELECT m.state || E'\\n' || m.target || E'\\n' || coalesce(c.database_url, '') FROM flint.instance_moves m"
    " JOIN flint.clusters c ON c.name = m.target WHERE m.instance_id = id),"
    " coalesce(read_floor_lsn, '0/0')::text, search_index_version,"
    " (SELECT string_agg(d.number::text, ',') FROM flint.content_dictionaries d WHERE d.instance_id = id),"
    // A dictionary is written with only once every process has had time to load it (InstanceCache
    // re-reads instances every second): a process must never meet JSON it cannot decompress.
    " (SELECT d.number FROM flint.content_dictionaries d WHERE d.instance_id = id"
    "  AND d.created_at < now() - interval '10 seconds' ORDER BY d.created_at DESC, d.number LIMIT 1)";

// The connection string of the database `conn` reached: the control database, which is where
// cluster 'main' keeps its instances' schemas. Flint opens every connection as a pqxx::connection.
const std::string& controlUrlOf(pqxx::connection_base& conn) { return static_cast<pqxx::connection&>(conn).options(); }

// Dictionaries, immutable, are loaded once per process: by instance id and number.
std::mutex dictionariesMutex;
std::map<std::pair<long long, uint32_t>, std::shared_ptr<const std::string>> loadedDictionaries;

// The instance's dictionaries `numbers` (comma-separated), those not yet loaded read on `tx`.
std::shared_ptr<const ContentDictionaries> dictionariesOf(pqxx::transaction_base& tx, long long instance,
                                                          const std::string& numbers, uint32_t forWrites) {
  auto out = std::make_shared<ContentDictionaries>();
  out->forWrites = forWrites;
  std::string missing;
  {
    std::lock_guard lock(dictionariesMutex);
    std::istringstream list(numbers);
    for (std::string n; std::getline(list, n, ',');) {
      const auto number = static_cast<uint32_t>(std::stoul(n));
      auto at = loadedDictionaries.find({instance, number});
      if (at != loadedDictionaries.end())
        out->byNumber.emplace(number, at->second);
      else
        missing += (missing.empty() ? "{" : ",") + n;
    }
  }
  if (missing.empty()) return out;
  auto rows = tx.exec_params(
      "SELECT number, dictionary FROM flint.content_dictionaries WHERE instance_id = $1 AND number = ANY($2::bigint[])",
      instance, missing + "}");
  std::lock_guard lock(dictionariesMutex);
  for (const auto& row : rows) {
    const auto number = row[0].as<uint32_t>();
    const pqxx::binarystring bytes(row[1]);
    auto& loaded = loadedDictionaries[{instance, number}];
    if (!loaded) loaded = std::make_shared<const std::string>(bytes.str());
    out->byNumber.emplace(number, loaded);
  }
  return out;
}

Instance fromRow(const pqxx::row& r, pqxx::transaction_base& tx) {
  const std::string& controlUrl = controlUrlOf(tx.conn());
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
  i.organizationLocations = r[10].as<std::string>();
  i.organizationPartOf = r[11].as<std::string>();
  i.profileValidation = r[12].as<std::string>();
  i.sandbox = r[13].as<bool>();
  i.cluster = r[14].as<std::string>();
  const std::string route = r[15].as<std::string>();
  const size_t newline = route.find('\n');
  i.databaseUrl = newline == 0 ? controlUrl : route.substr(0, newline);
  const json::Value replicas = json::parse(route.substr(newline + 1));
  for (const auto& url : replicas.items()) i.replicaUrls.push_back(url.text());
  i.auditDatabaseUrl = i.databaseUrl;
  if (!r[16].is_null()) {
    std::istringstream move(r[16].as<std::string>());
    std::string targetUrl;
    std::getline(move, i.moveState);
    std::getline(move, i.moveTarget);
    std::getline(move, targetUrl);
    if (i.writesFrozen()) i.auditDatabaseUrl = targetUrl.empty() ? controlUrl : targetUrl;
  }
  i.readFloorLsn = parseLsn(r[17].as<std::string>()).value_or(0);
  i.searchIndexVersion = r[18].as<int>();
  i.contentDictionaries =
      dictionariesOf(tx, i.id, r[19].is_null() ? "" : r[19].as<std::string>(), r[20].is_null() ? 0 : r[20].as<uint32_t>());
  return i;
}

void nameActor(pqxx::transaction_base& tx, const std::string& actor) {
  tx.exec_params("SELECT set_config('flint.actor', $1, true)", actor);
}

void validateNpi(const std::string& npi) {
  if (!npi.empty() && !std::regex_match(npi, std::regex("^[0-9]{10}$")))
    throw InstanceError("organization NPI must be 10 digits");
}

void validateAddress(const std::string& address) {
  if (address.empty()) return;
  try {
    if (json::parse(address).isObject()) return;
  } catch (const json::ParseError&) {
  }
  throw InstanceError("organization address must be a FHIR Address (a JSON object)");
}

void validateLocations(const std::string& locations) {
  json::Value list;
  try {
    list = json::parse(locations);
  } catch (const json::ParseError&) {
    throw InstanceError("locations must be a JSON array");
  }
  if (!list.isArray()) throw InstanceError("locations must be a JSON array");
  for (const auto& location : list.items()) {
    if (!location.isObject() || location.stringAt("name").value_or("").empty())
      throw InstanceError("every location needs a name");
    for (const auto& member : location.members())
      if (member.first != "name" && member.first != "address")
        throw InstanceError("a location has a name and an address, not '" + member.first + "'");
    if (const json::Value* address = location.find("address"); address != nullptr && !address->isObject())
      throw InstanceError("a location's address must be a FHIR Address (a JSON object)");
  }
}

}  // namespace

void validateProfileValidation(const std::string& mode) {
  if (mode != "off" && mode != "claimed" && mode != "required")
    throw InstanceError("profile validation must be off, claimed or required");
}

void validateName(const std::string& name) {
  static const std::regex pattern("^[a-z0-9-]{1,40}$");
  if (!std::regex_match(name, pattern))
    throw InstanceError("instance name must be 1 to 40 characters of a-z, 0-9 and '-'");
  static const char* reserved[] = {"admin", "developer", "directory", "docs", "health", "metrics", "static", "well-known"};
  for (const char* word : reserved)
    if (name == word) throw InstanceError("instance name '" + name + "' is reserved");
}

Instance createInstance(pqxx::connection& conn, const NewInstance& request, const std::string& actor) {
  validateName(request.name);
  if (request.organizationName.empty()) throw InstanceError("organization name is required");
  validateNpi(request.organizationNpi);
  validateAddress(request.organizationAddress);
  if (request.refreshTokenDays < 1 || request.refreshTokenDays > 3650)
    throw InstanceError("refresh token lifetime must be 1 to 3650 days");
  validateProfileValidation(request.profileValidation);
  if (request.sandbox != (request.name.rfind("sandbox-", 0) == 0))
    throw InstanceError(request.sandbox ? "a sandbox's name starts with 'sandbox-'"
                                        : "names starting with 'sandbox-' are for developer sandboxes");
  pqxx::work tx(conn);
  nameActor(tx, actor);
  if (!tx.exec_params("SELECT 1 FROM flint.instances WHERE name = $1", request.name).empty())
    throw InstanceError("instance '" + request.name + "' already exists", true);
  std::string cluster = request.cluster;
  if (cluster.empty()) {
    try {
      cluster = placeNewInstance(tx);
    } catch (const ClusterError& e) {
      throw InstanceError(e.what());
    }
  } else if (auto named = findCluster(tx, cluster); !named) {
    throw InstanceError("there is no cluster named '" + cluster + "'");
  } else if (named->draining) {
    throw InstanceError("cluster '" + cluster + "' is draining and takes no new instances");
  }
  // The schema is named after the numeric id, so no instance name ever reaches DDL.
  pqxx::row row;
  try {
    row = tx.exec_params1(
      "INSERT INTO flint.instances (name, organization_name, organization_npi, organization_address, patient_portal,"
      " open_access, refresh_token_days, search_index_version, profile_validation, sandbox, cluster, schema_name)"
      " VALUES ($1, $2, nullif($3, ''), nullif($4, ''), $5, $6, $7, $8, $9, $10, $11,"
      " 'i' || currval('flint.instances_id_seq')) RETURNING " + std::string(kColumns),
      request.name, request.organizationName, request.organizationNpi, request.organizationAddress,
      request.patientPortal, request.openAccess, request.refreshTokenDays, request.searchIndexVersion,
      request.profileValidation, request.sandbox, cluster);
  } catch (const pqxx::unique_violation&) {
    throw InstanceError("instance '" + request.name + "' already exists", true);
  }
  Instance created = fromRow(row, tx);
  int version;
  if (created.cluster == kMainCluster) {
    version = db::migrateInstanceSchema(tx, created.schema, 0);
  } else {
    // The schema commits on its cluster first: should the control row then fail to commit, what
    // remains is an empty schema no instance names (ids are never reused), never an instance
    // without its tables.
    db::PooledSession data(created.databaseUrl);
    pqxx::work dataTx(data->connection());
    version = db::migrateInstanceSchema(dataTx, created.schema, 0);
    dataTx.commit();
  }
  tx.exec_params0("UPDATE flint.instances SET schema_version = $2 WHERE id = $1", created.id, version);
  tx.commit();
  return created;
}

std::vector<Instance> listInstances(pqxx::connection& conn) {
  pqxx::nontransaction tx(conn);
  return listInstances(tx);
}

std::vector<Instance> listInstances(pqxx::transaction_base& tx) {
  std::vector<Instance> out;
  for (const auto& r : tx.exec(std::string("SELECT ") + kColumns + " FROM flint.instances ORDER BY name"))
    out.push_back(fromRow(r, tx));
  return out;
}

std::optional<Instance> findInstance(pqxx::connection& conn, const std::string& name) {
  pqxx::nontransaction tx(conn);
  auto r = tx.exec_params(std::string("SELECT ") + kColumns + " FROM flint.instances WHERE name = $1", name);
  if (r.empty()) return std::nullopt;
  return fromRow(r[0], tx);
}

std::vector<Instance> findInstances(pqxx::connection& conn, const std::vector<std::string>& names) {
  pqxx::nontransaction tx(conn);
  std::vector<Instance> out;
  for (const auto& r :
       tx.exec_params(std::string("SELECT ") + kColumns + " FROM flint.instances WHERE name = ANY($1::text[])",
                      db::textArray(names)))
    out.push_back(fromRow(r, tx));
  return out;
}

std::optional<Instance> findInstanceById(pqxx::connection& conn, long long id) {
  pqxx::nontransaction tx(conn);
  return findInstanceById(tx, id);
}

std::optional<Instance> findInstanceById(pqxx::transaction_base& tx, long long id) {
  auto r = tx.exec_params(std::string("SELECT ") + kColumns + " FROM flint.instances WHERE id = $1", id);
  if (r.empty()) return std::nullopt;
  return fromRow(r[0], tx);
}

bool setInstanceDisabled(pqxx::connection& conn, const std::string& name, bool disabled, const std::string& actor) {
  pqxx::work tx(conn);
  const bool found = setInstanceDisabled(tx, name, disabled, actor);
  tx.commit();
  return found;
}

bool setInstanceDisabled(pqxx::transaction_base& tx, const std::string& name, bool disabled, const std::string& actor) {
  nameActor(tx, actor);
  return tx.exec_params("UPDATE flint.instances SET disabled = $2 WHERE name = $1", name, disabled).affected_rows() == 1;
}

std::optional<Instance> updateInstance(pqxx::connection& conn, const std::string& name, const InstanceChanges& changes,
                                       const std::string& actor) {
  if (changes.organizationName && changes.organizationName->empty())
    throw InstanceError("organization name cannot be empty");
  if (changes.organizationNpi) validateNpi(*changes.organizationNpi);
  if (changes.organizationAddress) validateAddress(*changes.organizationAddress);
  if (changes.organizationLocations) validateLocations(*changes.organizationLocations);
  if (changes.profileValidation) validateProfileValidation(*changes.profileValidation);
  pqxx::work tx(conn);
  nameActor(tx, actor);
  // Locked, so that two edits cannot together make a cycle of parents.
  tx.exec0("LOCK TABLE flint.instances IN SHARE ROW EXCLUSIVE MODE");
  if (tx.exec_params("SELECT 1 FROM flint.instances WHERE name = $1", name).empty()) return std::nullopt;
  if (changes.organizationPartOf && !changes.organizationPartOf->empty()) {
    const std::string& parent = *changes.organizationPartOf;
    if (parent == name) throw InstanceError("an organization cannot be part of itself");
    if (tx.exec_params("SELECT 1 FROM flint.instances WHERE name = $1", parent).empty())
      throw InstanceError("partOf: there is no instance named '" + parent + "'");
    auto cycle = tx.exec_params1(
        "WITH RECURSIVE up(name) AS (SELECT $1::text UNION SELECT i.organization_part_of FROM flint.instances i"
        " JOIN up ON i.name = up.name WHERE i.organization_part_of IS NOT NULL)"
        " SELECT EXISTS (SELECT FROM up WHERE name = $2)",
        parent, name);
    if (cycle[0].as<bool>()) throw InstanceError("partOf: " + parent + " is already part of " + name);
  }
  auto row = tx.exec_params1(
      "UPDATE flint.instances SET organization_name = coalesce($2, organization_name),"
      " organization_npi = CASE WHEN $3::text IS NULL THEN organization_npi ELSE nullif($3, '') END,"
      " organization_address = CASE WHEN $4::text IS NULL THEN organization_address ELSE nullif($4, '') END,"
      " organization_locations = coalesce($5, organization_locations),"
      " organization_part_of = CASE WHEN $6::text IS NULL THEN organization_part_of ELSE nullif($6, '') END,"
      " patient_portal = coalesce($7, patient_portal),"
      " profile_validation = coalesce($8, profile_validation)"
      " WHERE name = $1 RETURNING " + std::string(kColumns),
      name, changes.organizationName, changes.organizationNpi, changes.organizationAddress,
      changes.organizationLocations, changes.organizationPartOf, changes.patientPortal, changes.profileValidation);
  tx.commit();
  return fromRow(row, tx);
}

std::vector<Instance> instancesIndexedBefore(pqxx::connection& conn, int version) {
  pqxx::nontransaction tx(conn);
  std::vector<Instance> out;
  for (const auto& r : tx.exec_params(std::string("SELECT ") + kColumns +
                                          " FROM flint.instances WHERE search_index_version < $1 ORDER BY name",
                                      version))
    out.push_back(fromRow(r, tx));
  return out;
}

void setSearchIndexVersion(pqxx::connection& conn, long long instanceId, int version) {
  pqxx::work tx(conn);
  tx.exec_params0("UPDATE flint.instances SET search_index_version = $2 WHERE id = $1", instanceId, version);
  tx.commit();
}

void addContentDictionary(pqxx::connection& conn, long long instanceId, uint32_t number, const std::string& dictionary) {
  pqxx::work tx(conn);
  tx.exec_params("INSERT INTO flint.content_dictionaries (instance_id, number, dictionary) VALUES ($1, $2, $3)"
                 " ON CONFLICT DO NOTHING",
                 instanceId, static_cast<int64_t>(number), pqxx::binarystring(dictionary));
  tx.commit();
}

}  // namespace flint::instances
