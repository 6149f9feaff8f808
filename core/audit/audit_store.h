// Reading the audit trail back, newest first, for the admin API.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/db/session.h"
#include "core/instances/instance.h"

namespace flint::audit {

struct StoredEvent {
  int64_t id = 0;
  std::string at;  // ISO 8601 UTC
  std::string kind;
  std::string action;
  int outcome = 0;
  std::string clientId;
  int64_t userId = 0;
  std::string patientId;
  std::string target;
  std::string detail;
};

// At most `limit` events older than event `beforeId` (0: from the newest), optionally of one kind
// and of one client.
std::vector<StoredEvent> recentEvents(db::Session& session, const instances::Instance& instance, int limit,
                                      int64_t beforeId, const std::string& kind, const std::string& clientId = "");

}  // namespace flint::audit
