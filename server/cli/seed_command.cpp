#include <chrono>
#include <iostream>

#include "core/db/migrations.h"
#include "core/instances/instance_store.h"
#include "auth/users/seeded_logins.h"
#include "fhir_resources/search/index/index_rows.h"
#include "fhir_resources/seed/synthetic_data.h"
#include "fhir_resources/storage/resource_repository.h"
#include "server/cli/commands.h"

namespace flint::server {

int seedCommand(const Config& config, const std::vector<std::string>& args) {
  std::string instanceName;
  fhir::SeedOptions options;
  try {
    for (size_t i = 0; i < args.size(); ++i) {
      if (i + 1 >= args.size()) throw std::invalid_argument(args[i] + " needs a value");
      if (args[i] == "--instance") instanceName = args[++i];
      else if (args[i] == "--patients") options.patients = std::stoi(args[++i]);
      else if (args[i] == "--seed") options.seed = std::stoull(args[++i]);
      else throw std::invalid_argument("unknown option " + args[i]);
    }
  } catch (const std::exception& e) {
    std::cerr << "flint seed: " << e.what() << "\nusage: flint seed --instance NAME [--patients N] [--seed S]\n";
    return 2;
  }
  if (instanceName.empty()) {
    std::cerr << "usage: flint seed --instance NAME [--patients N] [--seed S]\n";
    return 2;
  }
  db::Session session(config.databaseUrl);
  db::migrateAll(session.connection());
  auto instance = instances::findInstance(session.connection(), instanceName);
  if (!instance) {
    std::cerr << "flint seed: no instance named " << instanceName << "\n";
    return 1;
  }
  auto started = std::chrono::steady_clock::now();
  try {
    refuseWhileMoving(session.connection(), *instance);
    db::Session data(instance->databaseUrl);
    const auto seeded = fhir::withSeedDictionary(session.connection(), *instance, options);
    auto summary = fhir::seedInstance(instance->databaseUrl, data, seeded, options);
    instances::setSearchIndexVersion(session.connection(), instance->id, fhir::kSearchIndexVersion);
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    std::cout << "seeded " << summary.resources << " resources into " << instanceName << " in " << seconds << " s ("
              << static_cast<long>(summary.resources / std::max(seconds, 0.001)) << "/s):";
    for (const auto& [type, n] : summary.byType) std::cout << " " << type << "=" << n;
    std::cout << std::endl;
    // The demo sign-ins documented in README, created once; later seeds leave them be.
    const auto logins = auth::createSeededLogins(data, seeded, summary.firstPatientId, "demo-",
                                                 [](const std::string& username) { return username + "-password"; });
    for (const auto& login : logins)
      std::cout << "demo login " << login.username << " / " << login.password << " (" << login.fhirUser << ")\n";
  } catch (const std::runtime_error& e) {
    std::cerr << "flint seed: " << e.what() << "\n";
    return 1;
  }
  return 0;
}

}  // namespace flint::server
