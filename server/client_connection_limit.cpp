#include "server/client_connection_limit.h"

#include <sys/resource.h>

#include <stdexcept>
#include <string>

namespace flint::server {
namespace {

// Descriptors kept beside the database connections: the listener, the network threads' event
// and timer descriptors, export files, outgoing HTTP (JWKS, domain checks) and mail. Connections
// are counted as they are accepted, so none holds a descriptor uncounted.
constexpr size_t kReservedDescriptors = 128;
constexpr size_t kDescriptorsPerConnection = 2;

size_t raisedDescriptorLimit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return 1024;
  if (limit.rlim_cur < limit.rlim_max) {
    rlimit raised = limit;
    raised.rlim_cur = limit.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) limit = raised;
  }
  return limit.rlim_cur == RLIM_INFINITY ? size_t(1) << 20 : static_cast<size_t>(limit.rlim_cur);
}

}  // namespace

ClientConnectionLimit clientConnectionLimit(size_t requested, size_t databaseConnections) {
  ClientConnectionLimit limit;
  limit.descriptors = raisedDescriptorLimit();
  const size_t spare = databaseConnections + kReservedDescriptors;
  const size_t room = limit.descriptors > spare ? (limit.descriptors - spare) / kDescriptorsPerConnection : 0;
  if (room == 0 || requested > room)
    throw std::invalid_argument(
        "the descriptor limit of " + std::to_string(limit.descriptors) + " fits at most " + std::to_string(room) +
        " client connections (" + std::to_string(kDescriptorsPerConnection) + " descriptors each, beside " +
        std::to_string(databaseConnections) + " database connections and " + std::to_string(kReservedDescriptors) +
        " reserved)" + (requested == 0 ? "" : ", not --max-connections " + std::to_string(requested)) +
        "; raise it (ulimit -n, systemd's LimitNOFILE)");
  limit.connections = requested == 0 ? room : requested;
  return limit;
}

}  // namespace flint::server
