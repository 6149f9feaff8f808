// The data clusters recorded in the control schema: the PostgreSQL servers that instances'
// schemas are placed on. 'main' is the control database itself, so a one-cluster deployment
// registers nothing.
#pragma once

#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <vector>

namespace flint::instances {

struct Cluster {
  std::string name;
  std::string databaseUrl;  // its primary; empty for 'main' (the control database)
  std::vector<std::string> replicaUrls;  // streaming standbys of that primary
  bool draining = false;  // takes no new instances
  long long instances = 0;
};

// A cluster that cannot be added or changed as asked (bad name, unreachable, the same database
// twice, a replica that is not a standby of the primary, ...).
class ClusterError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

inline constexpr const char* kMainCluster = "main";

// Checks that `databaseUrl` reaches a PostgreSQL 15+ primary not registered yet and that each
// replica is a standby of it, then records the cluster.
Cluster addCluster(pqxx::connection& control, const std::string& name, const std::string& databaseUrl,
                   const std::vector<std::string>& replicaUrls);
// Replaces the replicas of a registered cluster (checked as addCluster does).
Cluster setClusterReplicas(pqxx::connection& control, const std::string& name,
                           const std::vector<std::string>& replicaUrls);
std::vector<Cluster> listClusters(pqxx::connection& control);
std::optional<Cluster> findCluster(pqxx::transaction_base& tx, const std::string& name);
// Returns false when there is no such cluster.
bool setClusterDraining(pqxx::connection& control, const std::string& name, bool draining);
// The cluster a new instance goes to: of those not draining, the one holding the fewest
// resources (PostgreSQL's estimate of its instances' resource rows).
std::string placeNewInstance(pqxx::transaction_base& control);
// `url` with any password replaced by "***", for showing and logging.
std::string redactedUrl(const std::string& url);

}  // namespace flint::instances
