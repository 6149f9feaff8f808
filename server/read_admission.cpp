#include "server/read_admission.h"

#include <algorithm>

namespace flint::server {

ReadAdmission::ReadAdmission(Clock::duration maxWait, Clock::duration targetWait, Clock::duration calm)
    : maxWait_(maxWait), targetWait_(std::min(targetWait, maxWait)), calm_(calm) {}

bool ReadAdmission::admit(Clock::duration waited, Clock::time_point now) {
  const bool overloaded = now < overloadedUntil_;
  if (waited <= targetWait_ || (waited <= maxWait_ && !overloaded)) return true;
  overloadedUntil_ = now + calm_;
  return false;
}

}  // namespace flint::server
