#include "server/connection_budget.h"

#include <algorithm>
#include <stdexcept>

namespace flint::server {
namespace {

// The threads that borrow one session each at a time: the audit writer, the revocation follower,
// the directory, the replica poller, the sandbox sweep, and the reloads of the instance cache and
// of namespace accesses (and the mail relay, when configured).
size_t backgroundThreads(const Config& config) { return 7 + (config.smtpUrl.empty() ? 0 : 1); }

}  // namespace

ConnectionBudget connectionBudget(const Config& config, size_t readDatabases) {
  ConnectionBudget budget;
  // A request worker or export job may hold a session on the control database and one on its
  // instance's cluster at once; a reactor never borrows one (what needs a session it hands to a
  // worker).
  budget.backgroundSessions = backgroundThreads(config);
  budget.neededSessions =
      2 * config.workers + 2 * static_cast<size_t>(config.exportWorkers) + budget.backgroundSessions;
  budget.reactors = config.reactorThreads;
  const size_t databases = std::max<size_t>(1, readDatabases);
  if (config.maxDbConnections == 0) {
    budget.sessions = budget.neededSessions;
    budget.readsPerReactor = databases;
    return budget;
  }
  const size_t minimum = budget.neededSessions + budget.reactors;
  if (config.maxDbConnections < minimum) {
    budget.sessions = budget.neededSessions;
    budget.readsPerReactor = 1;
    throw std::invalid_argument("--max-db-connections " + std::to_string(config.maxDbConnections) +
                                " is below the " + std::to_string(minimum) + " this configuration needs (" +
                                budget.describe(config) + "); raise it, or lower --workers, --export-workers or " +
                                "--reactor-threads");
  }
  budget.readsPerReactor =
      std::clamp<size_t>((config.maxDbConnections - budget.neededSessions) / budget.reactors, 1, databases);
  budget.sessions = config.maxDbConnections - budget.reactors * budget.readsPerReactor;
  return budget;
}

std::string ConnectionBudget::describe(const Config& config) const {
  return std::to_string(sessions) + " sessions (" + std::to_string(neededSessions) + " needed: 2 for each of " +
         std::to_string(config.workers) + " workers and " + std::to_string(config.exportWorkers) +
         " export workers, " + std::to_string(backgroundSessions) + " for background tasks) and " +
         std::to_string(readsPerReactor) + " read connection" +
         (readsPerReactor == 1 ? "" : "s") + " per reactor";
}

}  // namespace flint::server
