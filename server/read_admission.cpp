#include "server/read_admission.h"

#include <algorithm>

namespace flint::server {

ReadAdmission::ReadAdmission(Clock::duration targetWait, Clock::duration overloadAfter)
    : targetWait_(targetWait), overloadAfter_(overloadAfter) {}

bool ReadAdmission::admit(Clock::time_point arrived, Clock::duration waited, Clock::time_point now) {
  // Reads from several connections are taken out of order; one that arrived before the latest follows on.
  const bool followsOn = arrived - lastArrival_ <= targetWait_;
  lastArrival_ = std::max(lastArrival_, arrived);
  if (waited <= targetWait_) {
    above_ = false;
    ++waiting_;
    return true;
  }
  if (now >= overloadedUntil_) {
    if (!above_ || !followsOn) {
      aboveSince_ = now;
      waitingThen_ = waiting_;
    }
    above_ = true;
    const auto standing = now - aboveSince_;
    const bool growing = standing >= overloadAfter_ / 5 && waiting_ - waitingThen_ >= kGrowthOfAnOverload;
    if (standing < overloadAfter_ && !growing) {
      ++waiting_;
      return true;
    }
  }
  overloadedUntil_ = now + overloadAfter_;
  return false;
}

bool ReadAdmission::shedsAtOnce(Clock::duration waited, Clock::time_point now) const {
  return now < overloadedUntil_ && waited > targetWait_;
}

}  // namespace flint::server
