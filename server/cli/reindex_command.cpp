#include <iostream>

#include "core/db/migrations.h"
#include "core/instances/instance_store.h"
#include "core/json/json_parser.h"
#include "fhir_resources/search/index/index_rows.h"
#include "fhir_resources/storage/resource_repository.h"
#include "server/cli/commands.h"

namespace flint::server {
namespace {

// Rebuilds in batches of their own transactions, so reads and writes carry on meanwhile.
size_t reindexInstance(db::Session& session, const instances::Instance& instance, const std::string& type) {
  fhir::ResourceRepository repo(session, instance);
  size_t done = 0;
  std::string afterType, afterId;
  for (;;) {
    auto rows = repo.scan(type, afterType, afterId, 500);
    if (rows.empty()) return done;
    std::vector<fhir::IndexRows> index;
    index.reserve(rows.size());
    for (const auto& row : rows) index.push_back(fhir::extractIndexRows(json::parse(row.content)));
    repo.reindex(rows, index);
    done += rows.size();
    afterType = rows.back().type;
    afterId = rows.back().id;
  }
}

}  // namespace

int reindexCommand(const Config& config, const std::vector<std::string>& args) {
  std::string instanceName, type;
  bool outdated = false;
  for (size_t i = 0; i < args.size(); ++i) {
    if (i + 1 < args.size() && args[i] == "--instance") instanceName = args[++i];
    else if (i + 1 < args.size() && args[i] == "--type") type = args[++i];
    else if (args[i] == "--outdated") outdated = true;
    else {
      std::cerr << "usage: flint reindex [--instance NAME | --outdated] [--type TYPE]\n";
      return 2;
    }
  }
  if (outdated && !instanceName.empty()) {
    std::cerr << "flint reindex: --outdated picks the instances itself; leave out --instance\n";
    return 2;
  }
  db::Session session(config.databaseUrl);
  db::migrateAll(session.connection());
  std::vector<instances::Instance> targets;
  if (outdated) {
    targets = instances::instancesIndexedBefore(session.connection(), fhir::kSearchIndexVersion);
  } else if (instanceName.empty()) {
    targets = instances::listInstances(session.connection());
  } else if (auto one = instances::findInstance(session.connection(), instanceName)) {
    targets.push_back(*one);
  } else {
    std::cerr << "flint reindex: no instance named " << instanceName << "\n";
    return 1;
  }
  for (const auto& instance : targets) {
    refuseWhileMoving(session.connection(), instance);
    db::Session data(instance.databaseUrl);
    std::cout << "reindexed " << reindexInstance(data, instance, type) << " resources in " << instance.name << "\n";
    // Only a whole instance is current afterwards.
    if (type.empty()) instances::setSearchIndexVersion(session.connection(), instance.id, fhir::kSearchIndexVersion);
  }
  return 0;
}

}  // namespace flint::server
