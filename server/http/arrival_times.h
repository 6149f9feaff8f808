// Reads a socket together with when its bytes reached the machine (the kernel's receive stamp,
// SO_TIMESTAMPNS), so a request's wait counts from its arrival, not from when a busy network
// thread got to it: under overload the longest waits are in the socket buffers.
#pragma once

#include <sys/types.h>

#include <chrono>

namespace flint::http {

// Asks the kernel to stamp what arrives on the socket `fd`; without it, reads count from when read.
// The kernel turns stamping on for the machine lazily when a first socket asks, so the bytes of
// the first moments may also go unstamped.
void stampArrivals(int fd);

// recv() without waiting; when it read something, `arrived` gets when the last of those bytes
// reached the machine (now when the kernel gave no stamp).
ssize_t receiveStamped(int fd, char* buffer, size_t size, std::chrono::steady_clock::time_point& arrived);

}  // namespace flint::http
