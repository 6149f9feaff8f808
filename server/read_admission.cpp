#include "server/read_admission.h"

namespace flint::server {

ReadAdmission::ReadAdmission(Clock::duration targetWait, Clock::duration overloadAfter)
    : targetWait_(targetWait), overloadAfter_(overloadAfter) {}

bool ReadAdmission::admit(Clock::duration waited, Clock::time_point now) {
  const bool followsOn = now - lastRead_ <= targetWait_;
  lastRead_ = now;
  if (waited <= targetWait_) {
    above_ = false;
    return true;
  }
  if (now >= overloadedUntil_) {
    if (!above_ || !followsOn) aboveSince_ = now;
    above_ = true;
    if (now - aboveSince_ < overloadAfter_) return true;
  }
  overloadedUntil_ = now + overloadAfter_;
  return false;
}

}  // namespace flint::server
