#include "server/read_admission.h"

#include <gtest/gtest.h>

#include <vector>

namespace flint::server {
namespace {

using std::chrono::milliseconds;

// Each step takes at `at` (ms from the start) a read that arrived at `arrived` and expects it
// admitted or shed; it has waited the difference. The controller's state carries from step to step.
struct Step {
  int arrived;
  int at;
  bool admitted;
  const char* why;
};

void expectSteps(ReadAdmission& admission, const std::vector<Step>& steps) {
  const ReadAdmission::Clock::time_point start{};
  for (const auto& step : steps)
    EXPECT_EQ(admission.admit(start + milliseconds(step.arrived), milliseconds(step.at - step.arrived),
                              start + milliseconds(step.at)),
              step.admitted)
        << "at " << step.at << " ms, arrived at " << step.arrived << " ms: " << step.why;
}

TEST(ReadAdmission, ReadsMayWaitBeyondTheTargetUntilTheyHaveDoneSoOneAfterAnotherForTooLong) {
  ReadAdmission admission(milliseconds(20), milliseconds(50));
  expectSteps(admission,
              {
                  {0, 1, true, "a short wait"},
                  {100, 400, true, "a read that met a delay alone is answered: shedding it would spare no one a wait"},
                  {405, 430, true, "reads beyond the target one after another: a burst, for now"},
                  {410, 445, true, "a burst"},
                  {420, 479, true, "a burst, 49 ms after its first read"},
                  {425, 481, false, "one after another beyond the target for 50 ms: overloaded, shed"},
                  {430, 482, false, "overloaded: beyond the target is shed"},
                  {470, 485, true, "overloaded, within the target"},
                  {498, 500, true, "overloaded, within the target"},
                  {505, 530, false, "still overloaded: 50 ms have not passed since the last read beyond the target"},
                  {550, 572, false, "a sustained overload goes on: each read beyond the target extends it"},
                  {615, 618, true, "within the target"},
                  {630, 660, true, "50 ms without one beyond the target: reads may wait beyond it again"},
                  {640, 680, true, "a burst"},
                  {650, 699, true, "a burst, 39 ms after its first read"},
                  {690, 700, true, "within the target: the queue was served"},
                  {695, 725, true, "a new burst"},
                  {720, 755, true, "a new burst: a gap in arrivals longer than the target means the queue was served"},
                  {725, 775, true, "a burst"},
                  {730, 804, true, "a burst, 49 ms after its first read"},
                  {735, 5000, false, "one after another beyond the target for 50 ms"},
                  {5000, 5049, false, "still overloaded, whatever the gap: it waited beyond the target"},
              });
}

// A client that sends one read at a time to a slow machine: each read waits beyond the target,
// but none waits behind another, so none is shed however long it goes on.
TEST(ReadAdmission, ReadsThatEachWaitAloneAreNeverShed) {
  ReadAdmission admission(milliseconds(20), milliseconds(50));
  std::vector<Step> steps;
  for (int arrived = 0; arrived < 2000; arrived += 30) steps.push_back({arrived, arrived + 25, true, "alone"});
  expectSteps(admission, steps);
}

// A network thread short of CPU takes the reads queued in its sockets in batches, 30 ms apart,
// although they arrived a millisecond apart: they stand in a queue, and once they have stood
// beyond the target for 50 ms they are shed, whatever the gaps between the batches.
TEST(ReadAdmission, ReadsTakenInBatchesFarApartAfterArrivingTogetherAreShed) {
  ReadAdmission admission(milliseconds(20), milliseconds(50));
  std::vector<Step> steps;
  for (int batch = 0; batch < 4; ++batch)
    for (int k = 0; k < 30; ++k) {
      const int arrived = batch * 30 + k;
      const int at = 100 + batch * 30;
      steps.push_back({arrived, at, at < 150, at < 150 ? "the first 50 ms beyond the target" : "a standing queue"});
    }
  expectSteps(admission, steps);
}

// Reads arriving ten a millisecond at a database that answers none of them: once they have stood
// beyond the target for a fifth of the interval (10 ms) and the reads waiting have grown by
// kGrowthOfAnOverload meanwhile, the queue is fed faster than it is served and the server is
// overloaded, without waiting out the rest of the interval.
TEST(ReadAdmission, AQueueGrowingBeyondTheTargetIsAnOverloadAfterAFifthOfTheInterval) {
  ReadAdmission admission(milliseconds(20), milliseconds(50));
  std::vector<Step> steps;
  for (int arrived = 0; arrived < 20; ++arrived)
    for (int k = 0; k < 10; ++k) {
      const int at = arrived + 25;
      steps.push_back({arrived, at, at < 35, at < 35 ? "beyond the target for less than 10 ms" : "a growing queue"});
    }
  expectSteps(admission, steps);
}

// Clients that each wait for their answer (here 40, each read waiting 25 ms) keep the queue from
// growing beyond their number: however fast they come, they are a burst until the interval has
// passed. The same reads not answered are an overload once 64 have joined the queue (16 ms in).
TEST(ReadAdmission, AQueueThatStaysWithinItsClientsIsABurstForTheWholeInterval) {
  const ReadAdmission::Clock::time_point start{};
  for (const bool answering : {true, false}) {
    ReadAdmission admission(milliseconds(20), milliseconds(50));
    int waiting = 0, admitted = 0;
    for (int at = 25; at < 75; ++at)
      for (int k = 0; k < 4; ++k) {
        if (answering && waiting == 40) {
          admission.answered(1);
          --waiting;
        }
        if (!admission.admit(start + milliseconds(at - 25), milliseconds(25), start + milliseconds(at))) continue;
        ++waiting;
        ++admitted;
      }
    if (answering)
      EXPECT_EQ(admitted, 200) << "every read of the 50 ms";
    else
      EXPECT_EQ(admitted, 64) << "the reads until the queue had grown by 64, over 16 ms";
  }
}

// A read kept for a statement slot is judged again as it would go out: while the server sheds, one
// beyond the target is shed too; before an overload, or once it has ended, it is answered. Judging
// kept reads neither starts nor prolongs an overload.
TEST(ReadAdmission, KeptReadsBeyondTheTargetAreShedOnlyWhileTheServerSheds) {
  ReadAdmission admission(milliseconds(20), milliseconds(50));
  const ReadAdmission::Clock::time_point start{};
  EXPECT_FALSE(admission.shedsAtOnce(milliseconds(500), start + milliseconds(10))) << "no overload";
  expectSteps(admission, {{0, 30, true, "a burst"}, {5, 81, false, "beyond the target one after another for 50 ms"}});
  EXPECT_TRUE(admission.shedsAtOnce(milliseconds(40), start + milliseconds(90))) << "shedding, beyond the target";
  EXPECT_FALSE(admission.shedsAtOnce(milliseconds(15), start + milliseconds(90))) << "shedding, within the target";
  EXPECT_TRUE(admission.shedsAtOnce(milliseconds(500), start + milliseconds(130))) << "49 ms after the last read shed";
  EXPECT_FALSE(admission.shedsAtOnce(milliseconds(500), start + milliseconds(131)))
      << "50 ms after the last read shed the overload is over: judging kept reads did not prolong it";
}

}  // namespace
}  // namespace flint::server
