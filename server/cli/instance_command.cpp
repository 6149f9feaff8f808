#include <pwd.h>
#include <unistd.h>

#include <iostream>

#include "core/db/migrations.h"
#include "core/instances/instance_store.h"
#include "core/instances/move/instance_move.h"
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
  flint instance move NAME --to CLUSTER | --resume | --rollback
)";

void printFigures(const instances::move::MoveFigures& f) {
  std::cout << "done in " << f.seconds << " s";
  if (f.copySeconds > 0) std::cout << " (snapshot copy of " << f.tables << " tables, " << f.copiedBytes / 1024 << " kB: " << f.copySeconds << " s)";
  if (f.frozenSeconds > 0) std::cout << "; writes frozen for " << f.frozenSeconds << " s";
  std::cout << "\n";
}

int moveCommand(pqxx::connection& conn, const std::vector<std::string>& args) {
  const auto progress = [](const std::string& line) { std::cout << line << std::endl; };
  try {
    if (args.size() == 4 && args[2] == "--to") printFigures(instances::move::moveInstance(conn, args[1], args[3], progress));
    else if (args.size() == 3 && args[2] == "--resume") printFigures(instances::move::resumeMove(conn, args[1], progress));
    else if (args.size() == 3 && args[2] == "--rollback") instances::move::rollBackMove(conn, args[1], progress);
    else {
      std::cerr << kUsage;
      return 2;
    }
    return 0;
  } catch (const instances::move::MoveError& e) {
    std::cerr << "flint instance move: " << e.what() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "flint instance move: " << e.what() << "\n(the move can be resumed with --resume or undone with --rollback)\n";
    return 1;
  }
}

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

void refuseWhileMoving(pqxx::connection& control, const instances::Instance& instance) {
  pqxx::work tx(control);
  auto move = tx.exec_params("SELECT state FROM flint.instance_moves WHERE instance_id = $1", instance.id);
  tx.commit();
  if (!move.empty())
    throw std::runtime_error("instance " + instance.name + " is being moved to another cluster (" +
                             move[0][0].as<std::string>() + "); change it once the move is done, or finish or undo the move"
                             " first (flint instance move " + instance.name + " --resume | --rollback)");
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
    if (verb == "move" && args.size() >= 2) return moveCommand(conn, args);
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
                  << "\tprofile-validation=" << i.profileValidation << "\tcluster=" << i.cluster
                  << (i.moveState.empty() ? "" : "\tmoving to " + i.moveTarget + " (" + i.moveState + ")") << "\n";
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
