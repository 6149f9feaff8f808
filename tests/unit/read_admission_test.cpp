#include "server/read_admission.h"

#include <gtest/gtest.h>

namespace flint::server {
namespace {

using std::chrono::milliseconds;

// Each step offers a read that has waited `waited` at `at` (ms from the start) and expects it
// admitted or shed; the controller's state carries from step to step.
struct Step {
  int at;
  int waited;
  bool admitted;
  const char* why;
};

TEST(ReadAdmission, ReadsMayWaitBeyondTheTargetUntilTheyHaveDoneSoOneAfterAnotherForTooLong) {
  const ReadAdmission::Clock::time_point start{};
  ReadAdmission admission(milliseconds(20), milliseconds(50));
  const Step steps[] = {
      {0, 1, true, "a short wait"},
      {100, 300, true, "a read that met a delay alone is answered: shedding it would spare no one a wait"},
      {105, 25, true, "reads beyond the target one after another: a burst, for now"},
      {115, 40, true, "a burst"},
      {135, 30, true, "a burst, 35 ms after its first read"},
      {150, 30, false, "one after another beyond the target for 50 ms: overloaded, shed"},
      {155, 21, false, "overloaded: beyond the target is shed"},
      {160, 20, true, "overloaded, within the target"},
      {170, 2, true, "overloaded, within the target"},
      {204, 25, false, "still overloaded: 50 ms have not passed since the last read beyond the target"},
      {240, 22, false, "a sustained overload goes on: each read beyond the target extends it"},
      {290, 3, true, "within the target"},
      {291, 30, true, "50 ms without one beyond the target: reads may wait beyond it again"},
      {310, 30, true, "a burst"},
      {330, 30, true, "a burst, 39 ms after its first read"},
      {335, 10, true, "within the target: the queue was served"},
      {340, 30, true, "a new burst"},
      {370, 30, true, "a new burst: a gap longer than the target means the queue was served in between"},
      {390, 30, true, "a burst"},
      {410, 30, true, "a burst, 40 ms after its first read"},
      {420, 5000, false, "one after another beyond the target for 50 ms"},
      {469, 21, false, "overloaded again"},
  };
  for (const auto& step : steps)
    EXPECT_EQ(admission.admit(milliseconds(step.waited), start + milliseconds(step.at)), step.admitted)
        << "at " << step.at << " ms, waited " << step.waited << " ms: " << step.why;
}

// A client that sends one read at a time to a slow machine: each read waits beyond the target,
// but none waits behind another, so none is shed however long it goes on.
TEST(ReadAdmission, ReadsThatEachWaitAloneAreNeverShed) {
  const ReadAdmission::Clock::time_point start{};
  ReadAdmission admission(milliseconds(20), milliseconds(50));
  for (int at = 0; at < 2000; at += 30)
    EXPECT_TRUE(admission.admit(milliseconds(25), start + milliseconds(at))) << "at " << at << " ms";
}

}  // namespace
}  // namespace flint::server
