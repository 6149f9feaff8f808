// What the process's HTTP server is doing, for /metrics: the work waiting for a worker, the
// requests shed under overload, how the network threads fetch reads, and the client connections.
// One server runs per process.
#pragma once

#include <atomic>
#include <cstdint>

namespace flint::http {

struct ServerFigures {
  std::atomic<int64_t> queued{0};  // connections waiting for a worker
  std::atomic<uint64_t> shed{0};   // requests answered 503 at once: the worker queue full, or reads backlogged
  std::atomic<uint64_t> readStatements{0};  // statements the network threads sent for reads by id
  std::atomic<uint64_t> readsFetched{0};    // and the reads they carried
  std::atomic<int64_t> readsWaiting{0};     // reads by id the network threads admitted, not yet answered
  std::atomic<int64_t> connections{0};      // client connections open
  std::atomic<uint64_t> connectionsRefused{0};  // closed unserved: no place came (Acceptor), or no descriptor
  std::atomic<uint64_t> idleClosed{0};      // closed after the idle deadline (ClientDeadlines)
  std::atomic<uint64_t> requestsTimedOut{0};  // answered 408: headers or request not in by their deadline
};

ServerFigures& serverFigures();

}  // namespace flint::http
