// What worker threads hand back to one reactor thread: closures the reactor runs in its own loop
// (so only it touches its state), announced through an eventfd it watches for readability.
#pragma once

#include <atomic>
#include <functional>
#include <mutex>
#include <vector>

namespace flint::http {

class Handbacks {
 public:
  Handbacks();
  ~Handbacks();
  Handbacks(const Handbacks&) = delete;
  Handbacks& operator=(const Handbacks&) = delete;

  // The descriptor that turns readable once something was handed back.
  int fd() const { return fd_; }
  // Any thread: queues `apply` for the reactor.
  void push(std::function<void()> apply);
  // Reactor: what was handed back since the last call, in order; clears the descriptor. Without a
  // system call when nothing was: the reactor calls it whenever any of its descriptors is readable.
  std::vector<std::function<void()>> take();

 private:
  int fd_;
  std::mutex mutex_;
  std::vector<std::function<void()>> queued_;
  // The descriptor was written since the last take(): one write announces all that follow it.
  std::atomic<bool> signalled_{false};
};

}  // namespace flint::http
