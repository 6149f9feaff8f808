#include "server/http/arrival_times.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

namespace flint::http {
namespace {

using Clock = std::chrono::steady_clock;

// A connected pair of TCP sockets over the loopback: {sender, receiver}.
std::pair<int, int> tcpPair() {
  const int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  EXPECT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  EXPECT_EQ(::listen(listener, 1), 0);
  EXPECT_EQ(::getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length), 0);
  const int sender = ::socket(AF_INET, SOCK_STREAM, 0);
  EXPECT_EQ(::connect(sender, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  const int receiver = ::accept(listener, nullptr, nullptr);
  ::close(listener);
  return {sender, receiver};
}

// Bytes that waited in the socket count from when they arrived, not from when they were read.
TEST(ArrivalTimes, BytesCountFromWhenTheyReachedTheMachine) {
  auto [sender, receiver] = tcpPair();
  stampArrivals(receiver);
  // The kernel turns receive stamps on for the machine lazily when a first socket asks for them,
  // so the very first bytes may go unstamped (and count from the read); the next may not.
  bool countedFromArrival = false;
  for (int attempt = 0; attempt < 2 && !countedFromArrival; ++attempt) {
    const auto sent = Clock::now();
    ASSERT_EQ(::send(sender, "GET / HTTP/1.1\r\n", 16, 0), 16);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    char buffer[64];
    Clock::time_point arrived;
    ASSERT_EQ(receiveStamped(receiver, buffer, sizeof buffer, arrived), 16);
    EXPECT_GE(arrived, sent - std::chrono::milliseconds(5));
    countedFromArrival = arrived < sent + std::chrono::milliseconds(100);
  }
  EXPECT_TRUE(countedFromArrival) << "counted from the read, 200 ms later";
  ::close(sender);
  ::close(receiver);
}

TEST(ArrivalTimes, WithoutStampsBytesCountFromTheRead) {
  auto [sender, receiver] = tcpPair();
  ASSERT_EQ(::send(sender, "x", 1, 0), 1);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  char buffer[8];
  Clock::time_point arrived;
  const auto before = Clock::now();
  ASSERT_EQ(receiveStamped(receiver, buffer, sizeof buffer, arrived), 1);
  EXPECT_GE(arrived, before);
  EXPECT_EQ(receiveStamped(receiver, buffer, sizeof buffer, arrived), -1) << "nothing more: no waiting";
  EXPECT_EQ(errno, EAGAIN);
  ::close(sender);
  ::close(receiver);
}

}  // namespace
}  // namespace flint::http
