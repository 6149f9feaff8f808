// `flint user ...`: create and list the people who sign in to an instance. The password is read
// from standard input, so it never shows in the process list or shell history.
#include <iostream>

#include "auth/users/user_registry.h"
#include "core/db/migrations.h"
#include "core/instances/instance_store.h"
#include "server/cli/commands.h"

namespace flint::server {
namespace {

const char* kUsage = R"(usage:
  flint user create --instance NAME --username USER (--patient ID | --practitioner ID) [--name DISPLAY]
                    [--acts-for PATIENT_ID]...      (the password is read from standard input)
  flint user list --instance NAME
)";

}  // namespace

int userCommand(const Config& config, const std::vector<std::string>& args) {
  if (args.empty() || (args[0] != "create" && args[0] != "list")) {
    std::cerr << kUsage;
    return 2;
  }
  std::string instanceName;
  auth::NewUser n;
  try {
    for (size_t i = 1; i < args.size(); ++i) {
      const std::string& a = args[i];
      auto value = [&]() -> std::string {
        if (i + 1 >= args.size()) throw auth::UserError(a + " needs a value");
        return args[++i];
      };
      if (a == "--instance") instanceName = value();
      else if (a == "--username") n.username = value();
      else if (a == "--patient") n.fhirUser = "Patient/" + value();
      else if (a == "--practitioner") n.fhirUser = "Practitioner/" + value();
      else if (a == "--name") n.displayName = value();
      else if (a == "--acts-for") n.patients.push_back(value());
      else throw auth::UserError("unknown option " + a);
    }
    if (instanceName.empty()) throw auth::UserError("--instance is required");
    db::Session session(config.databaseUrl);
    db::migrateAll(session.connection());
    auto instance = instances::findInstance(session.connection(), instanceName);
    if (!instance) throw auth::UserError("there is no instance named '" + instanceName + "'");
    if (args[0] != "list") refuseWhileMoving(session.connection(), *instance);
    db::Session data(instance->databaseUrl);
    auth::UserRepository users(data, *instance);
    if (args[0] == "list") {
      for (const auto& u : users.all())
        std::cout << u.username << "\t" << u.kind << "\t" << u.fhirUser << (u.disabled ? "\tdisabled" : "") << "\n";
      return 0;
    }
    std::getline(std::cin, n.password);
    auto created = auth::createUser(users, n);
    std::cout << "created " << created.kind << " user " << created.username << " (" << created.fhirUser << ")\n";
    return 0;
  } catch (const auth::UserError& e) {
    std::cerr << "flint: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace flint::server
