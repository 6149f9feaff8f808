// How many client connections one server process serves at once (--max-connections). Each holds
// two descriptors (the network thread's and the one its answers are written on), beside the
// database connections and a reserve for files, timers and outgoing requests. Were the descriptors
// to run out, connections would fail at random places; a bound below them makes the excess wait
// for a place instead (Acceptor).
#pragma once

#include <cstddef>

namespace flint::server {

struct ClientConnectionLimit {
  size_t connections = 0;
  size_t descriptors = 0;  // the process's descriptor limit, after raising it
};

// Raises the process's soft descriptor limit to its hard limit (as Go and the JVM do), then
// returns `requested` (0: as many as the descriptors allow) with that limit. Throws
// std::invalid_argument when `requested` cannot fit beside `databaseConnections`.
ClientConnectionLimit clientConnectionLimit(size_t requested, size_t databaseConnections);

}  // namespace flint::server
