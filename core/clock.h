// Wall-clock time as token claims and database expiries use it: whole seconds since the epoch.
#pragma once

#include <chrono>
#include <cstdint>

namespace flint {

inline int64_t epochSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace flint
