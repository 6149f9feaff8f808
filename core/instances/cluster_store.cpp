#include "core/instances/cluster_store.h"

#include <map>
#include <regex>

#include "core/db/session_pool.h"
#include "core/db/text_array.h"
#include "core/instances/instance.h"
#include "core/json/json_parser.h"

namespace flint::instances {
namespace {

const char* kColumns =
    "c.name, coalesce(c.database_url, ''), array_to_json(c.replica_urls)::text, c.draining,"
    " (SELECT count(*) FROM flint.instances i WHERE i.cluster = c.name)";

Cluster fromRow(const pqxx::row& r) {
  Cluster c;
  c.name = r[0].as<std::string>();
  c.databaseUrl = r[1].as<std::string>();
  const json::Value replicas = json::parse(r[2].as<std::string>());
  for (const auto& url : replicas.items()) c.replicaUrls.push_back(url.text());
  c.draining = r[3].as<bool>();
  c.instances = r[4].as<long long>();
  return c;
}

// Which server and database a connection reached: the same for two URLs naming one database, and
// shared by a primary and its streaming standbys.
struct Reached {
  std::string system;
  std::string database;
  bool standby = false;
  int version = 0;
};

Reached reach(const std::string& url, const std::string& role) {
  try {
    pqxx::connection conn(url);
    pqxx::nontransaction tx(conn);
    auto row = tx.exec1(
        "SELECT (SELECT system_identifier::text FROM pg_control_system()), current_database(), pg_is_in_recovery(),"
        " current_setting('server_version_num')::int");
    return {row[0].as<std::string>(), row[1].as<std::string>(), row[2].as<bool>(), row[3].as<int>()};
  } catch (const pqxx::failure&) {
    // The driver's message may quote the connection string; only the redacted URL is shown.
    throw ClusterError(role + " " + redactedUrl(url) + " cannot be reached or inspected");
  }
}

Reached reach(pqxx::transaction_base& tx) {
  auto row = tx.exec1(
      "SELECT (SELECT system_identifier::text FROM pg_control_system()), current_database(), pg_is_in_recovery(),"
      " current_setting('server_version_num')::int");
  return {row[0].as<std::string>(), row[1].as<std::string>(), row[2].as<bool>(), row[3].as<int>()};
}

void checkReplicas(const Reached& primary, const std::vector<std::string>& replicaUrls) {
  for (const auto& url : replicaUrls) {
    const Reached replica = reach(url, "replica");
    if (!replica.standby || replica.system != primary.system || replica.database != primary.database)
      throw ClusterError("replica " + redactedUrl(url) + " is not a streaming standby of the cluster's primary");
  }
}

}  // namespace

std::string redactedUrl(const std::string& url) {
  static const std::regex keyword(R"((password\s*=\s*)('(?:[^'\\]|\\.)*'|[^\s&]+))", std::regex::icase);
  std::string out = std::regex_replace(url, keyword, "$1***");
  if (const size_t scheme = out.find("://"); scheme != std::string::npos) {
    const size_t hostEnd = out.find_first_of("/?", scheme + 3);
    const size_t at = out.rfind('@', hostEnd == std::string::npos ? std::string::npos : hostEnd);
    if (at != std::string::npos && at > scheme) {
      const size_t colon = out.find(':', scheme + 3);
      if (colon != std::string::npos && colon < at) out.replace(colon + 1, at - colon - 1, "***");
    }
  }
  return out;
}

Cluster addCluster(pqxx::connection& control, const std::string& name, const std::string& databaseUrl,
                   const std::vector<std::string>& replicaUrls) {
  static const std::regex pattern("^[a-z0-9-]{1,40}$");
  if (!std::regex_match(name, pattern)) throw ClusterError("cluster name must be 1 to 40 characters of a-z, 0-9 and '-'");
  if (databaseUrl.empty()) throw ClusterError("a cluster needs --database-url");
  const Reached primary = reach(databaseUrl, "database");
  if (primary.standby) throw ClusterError("database " + redactedUrl(databaseUrl) + " is a standby, not a primary");
  if (primary.version < 150000) throw ClusterError("database " + redactedUrl(databaseUrl) + " runs PostgreSQL before 15");
  checkReplicas(primary, replicaUrls);
  pqxx::work tx(control);
  tx.exec0("LOCK TABLE flint.clusters IN SHARE ROW EXCLUSIVE MODE");
  if (!tx.exec_params("SELECT 1 FROM flint.clusters WHERE name = $1", name).empty())
    throw ClusterError("cluster '" + name + "' already exists");
  const Reached self = reach(tx);
  const std::string identity = primary.system + "/" + primary.database;
  if (identity == self.system + "/" + self.database)
    throw ClusterError("that database is the control database, which is cluster 'main'");
  if (!tx.exec_params("SELECT 1 FROM flint.clusters WHERE identity = $1", identity).empty())
    throw ClusterError("that database is already registered as a cluster");
  auto row = tx.exec_params1(
      "INSERT INTO flint.clusters AS c (name, database_url, replica_urls, identity) VALUES ($1, $2, $3::text[], $4)"
      " RETURNING " + std::string(kColumns),
      name, databaseUrl, db::textArray(replicaUrls), identity);
  tx.commit();
  return fromRow(row);
}

Cluster setClusterReplicas(pqxx::connection& control, const std::string& name,
                           const std::vector<std::string>& replicaUrls) {
  pqxx::work tx(control);
  auto cluster = findCluster(tx, name);
  if (!cluster) throw ClusterError("there is no cluster named '" + name + "'");
  const Reached primary = cluster->databaseUrl.empty() ? reach(tx) : reach(cluster->databaseUrl, "database");
  checkReplicas(primary, replicaUrls);
  auto row = tx.exec_params1("UPDATE flint.clusters AS c SET replica_urls = $2::text[] WHERE c.name = $1 RETURNING " +
                                 std::string(kColumns),
                             name, db::textArray(replicaUrls));
  tx.commit();
  return fromRow(row);
}

std::vector<Cluster> listClusters(pqxx::connection& control) {
  pqxx::nontransaction tx(control);
  std::vector<Cluster> out;
  for (const auto& r : tx.exec(std::string("SELECT ") + kColumns + " FROM flint.clusters c ORDER BY c.name"))
    out.push_back(fromRow(r));
  return out;
}

std::optional<Cluster> findCluster(pqxx::transaction_base& tx, const std::string& name) {
  auto r = tx.exec_params(std::string("SELECT ") + kColumns + " FROM flint.clusters c WHERE c.name = $1", name);
  if (r.empty()) return std::nullopt;
  return fromRow(r[0]);
}

bool setClusterDraining(pqxx::connection& control, const std::string& name, bool draining) {
  pqxx::work tx(control);
  const bool found =
      tx.exec_params("UPDATE flint.clusters SET draining = $2 WHERE name = $1", name, draining).affected_rows() == 1;
  tx.commit();
  return found;
}

std::string placeNewInstance(pqxx::transaction_base& control) {
  const char* kEstimate =
      "SELECT coalesce(sum(greatest(c.reltuples, 0)), 0)::bigint FROM pg_class c"
      " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relname = 'resources' AND n.nspname = ANY($1::text[])";
  std::string best;
  long long bestLoad = 0;
  for (const auto& row : control.exec(
           "SELECT c.name, coalesce(c.database_url, ''),"
           " coalesce((SELECT array_agg(i.schema_name) FROM flint.instances i WHERE i.cluster = c.name), '{}')::text"
           " FROM flint.clusters c WHERE NOT c.draining ORDER BY c.name")) {
    const std::string name = row[0].as<std::string>();
    const std::string url = row[1].as<std::string>();
    const std::string schemas = row[2].as<std::string>();
    long long load;
    if (url.empty()) {
      load = control.exec_params1(kEstimate, schemas)[0].as<long long>();
    } else {
      try {
        db::PooledSession session(url);
        pqxx::nontransaction tx(session->connection());
        load = tx.exec_params1(kEstimate, schemas)[0].as<long long>();
      } catch (const pqxx::failure&) {
        continue;  // an unreachable cluster takes no new instance
      }
    }
    if (best.empty() || load < bestLoad) {
      best = name;
      bestLoad = load;
    }
  }
  if (best.empty()) throw ClusterError("no cluster takes new instances (all draining or unreachable)");
  return best;
}

}  // namespace flint::instances
