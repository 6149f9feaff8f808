// `flint directory show|changes`: the service-base-URL directory as this configuration
// publishes it, and the log of changes to it (newest first), for operators and reviews.
#include <charconv>
#include <iostream>

#include "core/db/migrations.h"
#include "directory/directory_bundle.h"
#include "directory/directory_store.h"
#include "fhir_resources/rest/instant.h"
#include "server/cli/commands.h"

namespace flint::server {

int directoryCommand(const Config& config, const std::vector<std::string>& args) {
  const char* usage = "usage: flint directory show | flint directory changes [--instance NAME] [--limit N]\n";
  if (args.empty() || (args[0] != "show" && args[0] != "changes") || (args[0] == "show" && args.size() != 1)) {
    std::cerr << usage;
    return 2;
  }
  std::optional<std::string> instance;
  int limit = 100;
  for (size_t i = 1; i < args.size(); i += 2) {
    if (i + 1 >= args.size() || (args[i] != "--instance" && args[i] != "--limit")) {
      std::cerr << usage;
      return 2;
    }
    if (args[i] == "--instance") {
      instance = args[i + 1];
    } else {
      const std::string& value = args[i + 1];
      auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), limit);
      if (ec != std::errc() || end != value.data() + value.size() || limit < 1)
        throw std::runtime_error("--limit must be a whole number of at least 1, not '" + value + "'");
    }
  }
  pqxx::connection conn(config.databaseUrl);
  db::migrateAll(conn);
  if (args[0] == "show") {
    const auto position = directory::logPosition(conn);
    std::cout << directory::DirectorySnapshot(directory::publishedPractices(conn), config.publicUrl,
                                              position.lastChangeAt)
                     .bundle()
                     .body
              << "\n";
    return 0;
  }
  for (const auto& c : directory::recentChanges(conn, limit, instance))
    std::cout << fhir::formatInstant(c.at) << '\t' << c.instance << '\t' << c.action << '\t' << c.actor << '\t'
              << c.changes << '\n';
  return 0;
}

}  // namespace flint::server
