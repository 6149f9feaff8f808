// What the process's HTTP server is doing, for /metrics: the work waiting for a worker and the
// requests shed under overload. One server runs per process.
#pragma once

#include <atomic>
#include <cstdint>

namespace flint::http {

struct ServerFigures {
  std::atomic<int64_t> queued{0};  // connections waiting for a worker
  std::atomic<uint64_t> shed{0};   // requests answered 503 at once: the worker queue full, or reads backlogged
};

ServerFigures& serverFigures();

}  // namespace flint::http
