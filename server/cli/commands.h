// The `flint` subcommands. Each returns the process exit code.
#pragma once

#include <string>
#include <vector>

#include "core/db/session.h"
#include "core/instances/instance.h"
#include "server/config.h"

namespace flint::server {

int serveCommand(const Config& config);
int migrateCommand(const Config& config);
int instanceCommand(const Config& config, const std::vector<std::string>& args);
int clusterCommand(const Config& config, const std::vector<std::string>& args);
int clientCommand(const Config& config, const std::vector<std::string>& args);
int userCommand(const Config& config, const std::vector<std::string>& args);
int keysCommand(const Config& config, const std::vector<std::string>& args);
int seedCommand(const Config& config, const std::vector<std::string>& args);
int reindexCommand(const Config& config, const std::vector<std::string>& args);
int compressCommand(const Config& config, const std::vector<std::string>& args);
int exportCommand(const Config& config, const std::vector<std::string>& args);
int directoryCommand(const Config& config, const std::vector<std::string>& args);
int pluginCommand(const Config& config, const std::vector<std::string>& args);
int developerCommand(const Config& config, const std::vector<std::string>& args);
// After a command created or changed instance `name`: the clients of patient-directed apps follow.
void followInstanceChange(const Config& config, const std::string& name);

// Who a command's changes are recorded as made by: "cli (<login user>)".
std::string cliActor();

// For a command about one instance: brings the schema up to date and returns the instance named
// `name`; throws (main reports it, exit 1) when there is none.
instances::Instance instanceNamed(db::Session& session, const std::string& name);
// Commands change an instance's data directly, past the freeze a move relies on: they wait until
// no move of the instance is recorded (throws std::runtime_error saying so).
void refuseWhileMoving(pqxx::connection& control, const instances::Instance& instance);

}  // namespace flint::server
