// SQL of the directory: the practices it publishes, how far its change log has got (so every
// process notices a change), and the log itself. The log is written by a trigger on
// flint.instances (control migration 9), in the transaction that makes the change.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "directory/practice.h"

namespace flint::directory {

// Changes recorded so far and when the last was made: the log only grows, so any commit changes
// the count, whatever order changes commit in.
struct LogPosition {
  int64_t changes = 0;
  int64_t lastChangeAt = 0;  // ms since the epoch; 0 without changes
  bool operator==(const LogPosition&) const = default;
};

LogPosition logPosition(pqxx::connection& conn);

// Every published practice (enabled, with a patient portal), by instance name.
std::vector<Practice> publishedPractices(pqxx::connection& conn);

// The most recent `limit` changes, newest first; of one instance when `instance` is given.
std::vector<DirectoryChange> recentChanges(pqxx::connection& conn, int limit,
                                           const std::optional<std::string>& instance = std::nullopt);

}  // namespace flint::directory
