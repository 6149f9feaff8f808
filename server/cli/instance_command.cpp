#include <pwd.h>
#include <unistd.h>

#include <iostream>

#include "core/db/migrations.h"
#include "core/instances/instance_store.h"
#include "fhir_resources/search/index/index_rows.h"
#include "server/cli/commands.h"

namespace flint::server {
namespace {

const char* kUsage = R"(usage:
  flint instance create NAME --org-name NAME [--npi NPI] [--address-json JSON] [--patient-portal] [--open-access]
                        [--refresh-token-days N] [--profile-validation off|claimed|required] [--cluster NAME]
  flint instance set NAME --profile-validation off|claimed|required
  flint instance list
  flint instance disable NAME
  flint instance enable NAME
)";

}  // namespace

std::string cliActor() {
  const passwd* user = getpwuid(geteuid());
  return std::string("cli (") + (user != nullptr ? user->pw_name : std::to_string(geteuid()).c_str()) + ")";
}

instances::Instance instanceNamed(db::Session& session, const std::string& name) {
  db::migrateAll(session.connection());
  auto instance = instances::findInstance(session.connection(), name);
  if (!instance) throw std::runtime_error("there is no instance named '" + name + "'");
  return *instance;
}

int instanceCommand(const Config& config, const std::vector<std::string>& args) {
  if (args.empty()) {
    std::cerr << kUsage;
    return 2;
  }
  pqxx::connection conn(config.databaseUrl);
  db::migrateAll(conn);
  const std::string& verb = args[0];
  try {
    if (verb == "create" && args.size() >= 2) {
      instances::NewInstance n;
      n.searchIndexVersion = fhir::kSearchIndexVersion;
      n.name = args[1];
      for (size_t i = 2; i < args.size(); ++i) {
        const std::string& a = args[i];
        auto value = [&]() -> std::string {
          if (i + 1 >= args.size()) throw instances::InstanceError(a + " needs a value");
          return args[++i];
        };
        if (a == "--org-name") n.organizationName = value();
        else if (a == "--npi") n.organizationNpi = value();
        else if (a == "--address-json") n.organizationAddress = value();
        else if (a == "--patient-portal") n.patientPortal = true;
        else if (a == "--open-access") n.openAccess = true;
        else if (a == "--refresh-token-days") {
          std::string days = value();
          if (days.empty() || days.size() > 4 || days.find_first_not_of("0123456789") != std::string::npos)
            throw instances::InstanceError("--refresh-token-days must be a whole number");
          n.refreshTokenDays = std::stoi(days);
        }
        else if (a == "--profile-validation") n.profileValidation = value();
        else if (a == "--cluster") n.cluster = value();
        else throw instances::InstanceError("unknown option " + a);
      }
      auto created = instances::createInstance(conn, n, cliActor());
      followInstanceChange(config, created.name);
      std::cout << "created instance " << created.name << " on cluster " << created.cluster << "\n";
      return 0;
    }
    if (verb == "set" && args.size() == 4 && args[2] == "--profile-validation") {
      instances::InstanceChanges changes;
      changes.profileValidation = args[3];
      if (!instances::updateInstance(conn, args[1], changes, cliActor())) {
        std::cerr << "no instance named " << args[1] << "\n";
        return 1;
      }
      std::cout << "instance " << args[1] << ": profile validation " << args[3] << "\n";
      return 0;
    }
    if (verb == "list" && args.size() == 1) {
      for (const auto& i : instances::listInstances(conn))
        std::cout << i.name << "\t" << i.organizationName << (i.patientPortal ? "\tpatient-portal" : "")
                  << (i.openAccess ? "\topen-access" : "") << (i.disabled ? "\tdisabled" : "")
                  << "\tprofile-validation=" << i.profileValidation << "\tcluster=" << i.cluster << "\n";
      return 0;
    }
    if ((verb == "disable" || verb == "enable") && args.size() == 2) {
      if (!instances::setInstanceDisabled(conn, args[1], verb == "disable", cliActor())) {
        std::cerr << "no instance named " << args[1] << "\n";
        return 1;
      }
      followInstanceChange(config, args[1]);
      std::cout << verb << "d instance " << args[1] << "\n";
      return 0;
    }
  } catch (const instances::InstanceError& e) {
    std::cerr << "flint instance: " << e.what() << "\n";
    return 1;
  }
  std::cerr << kUsage;
  return 2;
}

}  // namespace flint::server
