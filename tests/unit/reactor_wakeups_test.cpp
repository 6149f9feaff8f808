// The descriptors that wake a network thread besides its sockets: the periodic timer and what
// workers hand back. Both are asked at every turn of the loop, so neither may cost a system call
// for nothing, and neither may stay readable with nothing to read (the loop would never sleep) or
// fall silent with something to take.
#include <gtest/gtest.h>
#include <poll.h>

#include <chrono>
#include <thread>

#include "server/http/handbacks.h"
#include "server/http/reactor_timer.h"

namespace flint::http {
namespace {

using namespace std::chrono_literals;

bool readableWithin(int fd, std::chrono::milliseconds wait) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, static_cast<int>(wait.count())) == 1;
}

TEST(ReactorTimer, TicksWhileWantedThenStopsAtTheNextTick) {
  ReactorTimer timer(50ms);
  EXPECT_FALSE(readableWithin(timer.fd(), 150ms)) << "ticks before it was armed";
  timer.arm(true);
  ASSERT_TRUE(readableWithin(timer.fd(), 2s));
  timer.acknowledge();
  EXPECT_FALSE(readableWithin(timer.fd(), 0ms)) << "a tick acknowledged stays readable";
  ASSERT_TRUE(readableWithin(timer.fd(), 2s)) << "stopped while still wanted";
  timer.acknowledge();
  timer.arm(false);
  // No longer wanted, it still ticks once (stopping it at once would cost a system call each time
  // the thread's work ends), and stops there.
  ASSERT_TRUE(readableWithin(timer.fd(), 2s));
  timer.acknowledge();
  EXPECT_FALSE(readableWithin(timer.fd(), 300ms)) << "ticks on after it was no longer wanted";
}

TEST(ReactorTimer, WantedAgainBeforeItsTickItKeepsTicking) {
  ReactorTimer timer(50ms);
  timer.arm(true);
  timer.arm(false);
  timer.arm(true);
  for (int tick = 0; tick < 3; ++tick) {
    ASSERT_TRUE(readableWithin(timer.fd(), 2s)) << "tick " << tick;
    timer.acknowledge();
  }
}

TEST(ReactorTimer, AcknowledgedBeforeItsTickItStillTicks) {
  ReactorTimer timer(100ms);
  timer.arm(true);
  timer.acknowledge();
  ASSERT_TRUE(readableWithin(timer.fd(), 2s));
  timer.acknowledge();
  EXPECT_FALSE(readableWithin(timer.fd(), 0ms));
}

TEST(Handbacks, OneSignalAnnouncesAllThatArePushedUntilTaken) {
  Handbacks handbacks;
  EXPECT_TRUE(handbacks.take().empty());
  EXPECT_FALSE(readableWithin(handbacks.fd(), 0ms));
  std::vector<int> ran;
  for (int i = 0; i < 3; ++i) handbacks.push([&ran, i] { ran.push_back(i); });
  ASSERT_TRUE(readableWithin(handbacks.fd(), 0ms));
  for (auto& apply : handbacks.take()) apply();
  EXPECT_EQ(ran, (std::vector<int>{0, 1, 2}));
  EXPECT_FALSE(readableWithin(handbacks.fd(), 0ms)) << "readable with nothing to take";
  EXPECT_TRUE(handbacks.take().empty());
  handbacks.push([&ran] { ran.push_back(3); });
  ASSERT_TRUE(readableWithin(handbacks.fd(), 0ms)) << "a push after a take went unannounced";
  for (auto& apply : handbacks.take()) apply();
  EXPECT_EQ(ran.back(), 3);
}

// A worker pushing while the reactor takes: everything arrives, in order, and once all is taken
// the descriptor is quiet.
TEST(Handbacks, PushesRacingTakesAreNeitherLostNorLeftSignalled) {
  Handbacks handbacks;
  constexpr int kPushes = 20000;
  std::vector<int> ran;
  std::thread worker([&] {
    for (int i = 0; i < kPushes; ++i) handbacks.push([&ran, i] { ran.push_back(i); });
  });
  while (ran.size() < kPushes) {
    if (!readableWithin(handbacks.fd(), 2s)) break;
    for (auto& apply : handbacks.take()) apply();
  }
  worker.join();
  ASSERT_EQ(ran.size(), size_t(kPushes)) << "a push was never announced";
  for (int i = 0; i < kPushes; ++i) ASSERT_EQ(ran[i], i);
  EXPECT_FALSE(readableWithin(handbacks.fd(), 0ms)) << "readable with nothing to take";
}

}  // namespace
}  // namespace flint::http
