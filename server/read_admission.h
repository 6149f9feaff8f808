// Decides whether a read by id still goes to its database or is shed with 503, by how long it has
// waited (controlled delay, as in CoDel): a burst may wait up to `maxWait`, but once a read has
// waited longer the server is overloaded, and reads are held to `targetWait` until `calm` passes
// with none waiting beyond it. Under overload the queue then stays short instead of standing at
// `maxWait`, so the reads accepted keep their latency and the shed ones are told at once. The
// target sits above the waits of a server that keeps up (on a busy 2-core machine their p99 is
// 10-20 ms), or a single stall would leave it shedding reads it could answer for as long as that
// tail kept reaching past the target; so it can afford a calm of a second, long enough that a
// sustained overload is not let back to `maxWait` between its waves.
#pragma once

#include <chrono>

namespace flint::server {

class ReadAdmission {
 public:
  using Clock = std::chrono::steady_clock;

  ReadAdmission(Clock::duration maxWait, Clock::duration targetWait, Clock::duration calm = std::chrono::seconds(1));

  // `waited`: since the read reached the machine, plus what the statements ahead of it on its
  // database connection have waited already.
  bool admit(Clock::duration waited, Clock::time_point now);

 private:
  Clock::duration maxWait_;
  Clock::duration targetWait_;
  Clock::duration calm_;
  Clock::time_point overloadedUntil_{};
};

}  // namespace flint::server
