// How many PostgreSQL connections one server process opens at most (--max-db-connections) and how
// they are split: sessions its threads borrow from the SessionPool, and the pipelined connections
// each reactor thread reads by id on (one per database it reads from).
#pragma once

#include <cstddef>
#include <string>

#include "server/config.h"

namespace flint::server {

struct ConnectionBudget {
  size_t neededSessions = 0;   // what the threads need to all work at once
  size_t backgroundSessions = 0;  // of those, the background tasks'
  size_t sessions = 0;         // the SessionPool's limit
  size_t reactors = 0;
  size_t readsPerReactor = 0;  // pipelined connections each reactor may keep
  size_t total() const { return sessions + reactors * readsPerReactor; }
  // One line for the start-up log.
  std::string describe(const Config& config) const;
};

// The budget of `config` on a deployment whose clusters have `readDatabases` primaries and
// replicas in all. Without --max-db-connections, what this process needs: its sessions and a read
// connection per reactor and database. Throws std::invalid_argument when the given maximum
// cannot fit the sessions plus one read connection per reactor.
ConnectionBudget connectionBudget(const Config& config, size_t readDatabases);

}  // namespace flint::server
