#include <chrono>
#include <iostream>

#include "core/db/migrations.h"
#include "core/instances/instance_store.h"
#include "auth/users/user_registry.h"
#include "fhir_resources/search/index/index_rows.h"
#include "fhir_resources/seed/synthetic_data.h"
#include "fhir_resources/storage/resource_repository.h"
#include "server/cli/commands.h"

namespace flint::server {
namespace {

// Demo sign-ins for the authorization server, documented in README: a patient (the first seeded
// patient, whose record is the fullest) and a clinician (the first Practitioner by id). Created
// once; later seeds leave them be.
void createDemoLogins(db::Session& session, const instances::Instance& instance, const std::string& patientId) {
  fhir::ResourceRepository resources(session, instance);
  auth::UserRepository users(session, instance);
  for (const auto& [username, type] : {std::pair{"demo-patient", "Patient"}, std::pair{"demo-clinician", "Practitioner"}}) {
    if (users.byUsername(username)) continue;
    std::string id = type == std::string("Patient") ? patientId : "";
    if (id.empty()) {
      fhir::ResourceQuery first;
      first.types = {type};
      first.limit = 1;
      auto rows = resources.list(first);
      if (rows.empty()) continue;
      id = rows[0].id;
    }
    auth::NewUser user{username, std::string(username) + "-password", std::string(type) + "/" + id,
                       type == std::string("Patient") ? "Demo Patient" : "Demo Clinician", {}};
    auth::createUser(users, user);
    std::cout << "demo login " << username << " / " << user.password << " (" << user.fhirUser << ")\n";
  }
}

}  // namespace

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
    auto summary = fhir::seedInstance(config.databaseUrl, session, *instance, options);
    instances::setSearchIndexVersion(session.connection(), instance->id, fhir::kSearchIndexVersion);
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    std::cout << "seeded " << summary.resources << " resources into " << instanceName << " in " << seconds << " s ("
              << static_cast<long>(summary.resources / std::max(seconds, 0.001)) << "/s):";
    for (const auto& [type, n] : summary.byType) std::cout << " " << type << "=" << n;
    std::cout << std::endl;
    createDemoLogins(session, *instance, summary.firstPatientId);
  } catch (const std::runtime_error& e) {
    std::cerr << "flint seed: " << e.what() << "\n";
    return 1;
  }
  return 0;
}

}  // namespace flint::server
