#include <iostream>

#include "core/db/migrations.h"
#include "core/instances/cluster_store.h"
#include "server/cli/commands.h"

namespace flint::server {
namespace {

const char* kUsage = R"(usage:
  flint cluster add NAME --database-url URL [--replica-url URL]...   (control database: FLINT_DATABASE_URL)
  flint cluster replicas NAME [--replica-url URL]...
  flint cluster list
  flint cluster drain NAME
  flint cluster undrain NAME
)";

// The --database-url and --replica-url values after the name.
struct ClusterUrls {
  std::string primary;
  std::vector<std::string> replicas;
};

ClusterUrls urlsOf(const std::vector<std::string>& args, bool primaryAllowed) {
  ClusterUrls urls;
  for (size_t i = 2; i < args.size(); ++i) {
    if (i + 1 >= args.size()) throw instances::ClusterError(args[i] + " needs a value");
    if (args[i] == "--primary-url" && primaryAllowed) urls.primary = args[++i];
    else if (args[i] == "--replica-url") urls.replicas.push_back(args[++i]);
    else throw instances::ClusterError("unknown option " + args[i]);
  }
  return urls;
}

void print(const instances::Cluster& c) {
  std::cout << c.name << "\t" << (c.databaseUrl.empty() ? "(control database)" : instances::redactedUrl(c.databaseUrl))
            << "\t" << c.instances << " instance(s)\t" << c.replicaUrls.size() << " replica(s)"
            << (c.draining ? "\tdraining" : "") << "\n";
  for (const auto& url : c.replicaUrls) std::cout << "  replica\t" << instances::redactedUrl(url) << "\n";
}

}  // namespace

int clusterCommand(const Config& config, const std::vector<std::string>& args) {
  if (args.empty()) {
    std::cerr << kUsage;
    return 2;
  }
  pqxx::connection conn(config.databaseUrl);
  db::migrateAll(conn);
  const std::string& verb = args[0];
  try {
    if (verb == "add" && args.size() >= 2) {
      const auto urls = urlsOf(args, true);
      auto cluster = instances::addCluster(conn, args[1], urls.primary, urls.replicas);
      // A cluster may already hold schemas of instances placed on it before (a re-added server):
      // migrations bring every instance schema up to date wherever it is.
      db::migrateAll(conn);
      std::cout << "added cluster ";
      print(cluster);
      return 0;
    }
    if (verb == "replicas" && args.size() >= 2) {
      print(instances::setClusterReplicas(conn, args[1], urlsOf(args, false).replicas));
      return 0;
    }
    if (verb == "list" && args.size() == 1) {
      for (const auto& c : instances::listClusters(conn)) print(c);
      return 0;
    }
    if ((verb == "drain" || verb == "undrain") && args.size() == 2) {
      if (!instances::setClusterDraining(conn, args[1], verb == "drain")) {
        std::cerr << "no cluster named " << args[1] << "\n";
        return 1;
      }
      std::cout << "cluster " << args[1] << (verb == "drain" ? " takes no new instances\n" : " takes new instances\n");
      return 0;
    }
  } catch (const instances::ClusterError& e) {
    std::cerr << "flint cluster: " << e.what() << "\n";
    return 1;
  }
  std::cerr << kUsage;
  return 2;
}

}  // namespace flint::server
