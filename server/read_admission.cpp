#include "server/read_admission.h"

#include <algorithm>

namespace flint::server {

ReadAdmission::ReadAdmission(Clock::duration maxWait, Clock::duration targetWait)
    : maxWait_(maxWait), targetWait_(std::min(targetWait, maxWait)) {}

bool ReadAdmission::admit(Clock::duration waited, Clock::time_point now) {
  const bool overloaded = now < overloadedUntil_;
  if (waited <= targetWait_ || (waited <= maxWait_ && !overloaded)) return true;
  overloadedUntil_ = now + maxWait_;
  return false;
}

}  // namespace flint::server
