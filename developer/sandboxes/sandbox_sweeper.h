// The server's own sweep of sandboxes (reminders, expiry) every few minutes on a thread of its
// own, so sandboxes expire without a cron job; `flint developer sweep` does the same once.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "developer/sandboxes/sandbox_service.h"

namespace flint::developer {

class SandboxSweeper {
 public:
  SandboxSweeper(const SandboxSettings& settings, std::chrono::seconds interval);
  ~SandboxSweeper();
  SandboxSweeper(const SandboxSweeper&) = delete;
  SandboxSweeper& operator=(const SandboxSweeper&) = delete;

 private:
  void run();

  const SandboxSettings& settings_;
  std::chrono::seconds interval_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace flint::developer
