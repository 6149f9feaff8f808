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

TEST(ReadAdmission, BurstsMayWaitUpToTheMaximumButUnderOverloadOnlyTheTarget) {
  const ReadAdmission::Clock::time_point start{};
  ReadAdmission admission(milliseconds(50), milliseconds(20), milliseconds(1000));
  const Step steps[] = {
      {0, 1, true, "a short wait"},
      {10, 40, true, "a burst: beyond the target, within the maximum"},
      {20, 50, true, "exactly the maximum"},
      {30, 51, false, "beyond the maximum: shed, and the server is overloaded from here"},
      {40, 21, false, "overloaded: beyond the target is shed"},
      {45, 20, true, "overloaded, within the target"},
      {60, 2, true, "overloaded, within the target"},
      {1039, 25, false, "still overloaded: a second has not passed since the last read beyond the target"},
      {2038, 3, true, "within the target"},
      {2040, 30, true, "a second without a read beyond the target: bursts may wait again"},
      {2050, 5000, false, "far beyond the maximum"},
      {2999, 21, false, "overloaded again"},
  };
  for (const auto& step : steps)
    EXPECT_EQ(admission.admit(milliseconds(step.waited), start + milliseconds(step.at)), step.admitted)
        << "at " << step.at << " ms, waited " << step.waited << " ms: " << step.why;
}

TEST(ReadAdmission, ATargetAboveTheMaximumIsTheMaximum) {
  const ReadAdmission::Clock::time_point start{};
  ReadAdmission admission(milliseconds(20), milliseconds(100));
  EXPECT_FALSE(admission.admit(milliseconds(30), start));
  EXPECT_TRUE(admission.admit(milliseconds(20), start + milliseconds(1)));
  EXPECT_FALSE(admission.admit(milliseconds(21), start + milliseconds(2)));
}

}  // namespace
}  // namespace flint::server
