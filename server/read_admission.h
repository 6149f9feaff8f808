// Decides whether a read by id still goes to its database or is shed with 503, by how long it has
// waited: a controlled delay, as in CoDel. Reads may wait beyond `targetWait` for a while (a burst,
// or a stall that has passed) without loss; only once reads that arrived one after another have all
// waited beyond it for `overloadAfter` is the queue standing and the server overloaded. Sooner, after
// a fifth of that, when the reads waiting meanwhile have also grown by kGrowthOfAnOverload: clients
// that each wait for their answer cannot grow the queue beyond their number, so such a queue is
// fed faster than it is served, and each millisecond more admitted would be served later still (at
// twice capacity the reads admitted in those 50 ms were what made the p99 of the jump). Reads are
// then held to the target until `overloadAfter` passes with none beyond it, so the queue stays
// short, the reads accepted keep their latency and the shed ones are told at once; under a
// sustained overload a read beyond the target comes every millisecond, so that does not end it. A
// read that met a delay alone (a paused machine, one slow statement) is answered, not shed:
// shedding it would spare nobody any wait. Whether reads came one after another is judged by when
// they arrived, not by when they are taken: a network thread short of CPU takes the reads queued
// in its sockets in batches far apart, and those gaps are the queue standing, not served. The
// target sits above the waits of a server that keeps up (on a busy 2-core machine their p99 is
// 10-20 ms), or after a stall it would shed reads it could answer.
#pragma once

#include <chrono>
#include <cstdint>

namespace flint::server {

class ReadAdmission {
 public:
  using Clock = std::chrono::steady_clock;

  // Reads by which the queue must grow while standing beyond the target to be an overload before
  // `overloadAfter`: more than a statement carries, and more than the clients of a busy practice
  // that each wait for their answer.
  static constexpr int64_t kGrowthOfAnOverload = 64;

  ReadAdmission(Clock::duration targetWait, Clock::duration overloadAfter);

  // `arrived`: when the read reached the machine; `waited`: since then, plus what it will wait for
  // in any case (the statements ahead of it on its database connection, the connection opening).
  // An admitted read counts as waiting until answered (answered()).
  bool admit(Clock::time_point arrived, Clock::duration waited, Clock::time_point now);
  // `reads` admitted before have been answered, or shed after all.
  void answered(int64_t reads) { waiting_ -= reads; }
  // Whether a read that has by now waited `waited` is shed at once: while the server sheds (an
  // overload is current) one beyond the target is. A read admitted earlier and kept since for a
  // statement slot is judged so as it would go out (sent, it would take the place of a read that
  // has not waited); a new one, before its further waits are known. It neither starts nor
  // prolongs an overload: a kept read was judged when it arrived, and once arrivals stop standing
  // in the queue what was accepted before is answered.
  bool shedsAtOnce(Clock::duration waited, Clock::time_point now) const;

 private:
  Clock::duration targetWait_;
  Clock::duration overloadAfter_;
  Clock::time_point lastArrival_{};
  // Since when the reads taken have waited beyond the target, each having arrived within the
  // target of the latest before it (a gap longer than that means the queue was served, not
  // standing); unset when the last read taken was within the target. `waitingThen`: the reads
  // waiting at that time.
  bool above_ = false;
  Clock::time_point aboveSince_{};
  int64_t waitingThen_ = 0;
  int64_t waiting_ = 0;  // admitted, not yet answered
  Clock::time_point overloadedUntil_{};
};

}  // namespace flint::server
