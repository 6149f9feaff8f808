// flint: the FHIR server and its administration commands.
#include <iostream>
#include <pqxx/except>

#include "server/cli/commands.h"

namespace {

const char* kHelp = R"(flint - FHIR R4 API platform

usage: flint COMMAND [options]

commands:
  serve                      run the server (applies migrations first)
  migrate                    bring the database schema up to date
  instance create|set|list|disable|enable ...
                             manage instances (one per customer practice)
  cluster add|replicas|list|drain|undrain ...
                             the PostgreSQL clusters instances are placed on
  client create|list|disable|enable --instance NAME ...
                             manage an instance's SMART apps and backend services
  user create|list --instance NAME ...
                             manage the patients and staff who sign in (password on stdin)
  keys rotate --instance NAME
                             new signing keys (old ones keep working for an hour)
  seed --instance NAME [--patients N] [--seed S]
                             load deterministic synthetic patients into an instance
  reindex [--instance NAME | --outdated] [--type TYPE]
                             rebuild search indexes (online, in batches)
  compress --instance NAME   train a dictionary for the instance's stored JSON on a sample of it,
                             then store every version compressed with it (online, in batches)
  export list|cancel --instance NAME [JOB]
                             an instance's Bulk Data exports; cancel deletes one and its files
  directory show | directory changes [--instance NAME] [--limit N]
                             the published service-base-URL directory and its change log
  plugin install|list|uninstall --instance NAME ...
                             plugins and their custom data namespaces (keys shown once)
  developer queue|overdue [--today YYYY-MM-DD]
                             open developer access requests and their deadlines; overdue
                             exits 1 when any is past its deadline (for cron)
  --help                     show this help

)";

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    std::cout << kHelp << flint::server::configHelp();
    return args.empty() ? 2 : 0;
  }
  const std::string command = args[0];
  // `flint cluster add NAME --database-url URL` names the cluster's database; the control
  // database then comes from FLINT_DATABASE_URL.
  if (command == "cluster")
    for (auto& arg : args)
      if (arg == "--database-url") arg = "--primary-url";
  std::vector<std::string> rest;
  flint::server::Config config;
  try {
    config = flint::server::loadConfig({args.begin() + 1, args.end()}, rest);
  } catch (const std::invalid_argument& e) {
    std::cerr << "flint: " << e.what() << "\n";
    return 2;
  }
  if (config.databaseUrl.empty()) {
    std::cerr << "flint: no database: set FLINT_DATABASE_URL or --database-url\n";
    return 2;
  }
  try {
    if (command == "serve" && rest.empty()) return flint::server::serveCommand(config);
    if (command == "migrate" && rest.empty()) return flint::server::migrateCommand(config);
    if (command == "instance") return flint::server::instanceCommand(config, rest);
    if (command == "cluster") return flint::server::clusterCommand(config, rest);
    if (command == "client") return flint::server::clientCommand(config, rest);
    if (command == "user") return flint::server::userCommand(config, rest);
    if (command == "keys") return flint::server::keysCommand(config, rest);
    if (command == "seed") return flint::server::seedCommand(config, rest);
    if (command == "reindex") return flint::server::reindexCommand(config, rest);
    if (command == "compress") return flint::server::compressCommand(config, rest);
    if (command == "export") return flint::server::exportCommand(config, rest);
    if (command == "directory") return flint::server::directoryCommand(config, rest);
    if (command == "plugin") return flint::server::pluginCommand(config, rest);
    if (command == "developer") return flint::server::developerCommand(config, rest);
  } catch (const pqxx::broken_connection& e) {
    std::cerr << "flint: cannot reach the database: " << e.what() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "flint: " << e.what() << "\n";
    return 1;
  }
  std::cerr << "flint: unknown command or argument; see flint --help\n";
  return 2;
}
