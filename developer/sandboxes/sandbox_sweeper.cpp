#include "developer/sandboxes/sandbox_sweeper.h"

#include <iostream>

#include "core/clock.h"

namespace flint::developer {

SandboxSweeper::SandboxSweeper(const SandboxSettings& settings, std::chrono::seconds interval)
    : settings_(settings), interval_(interval), thread_([this] { run(); }) {}

SandboxSweeper::~SandboxSweeper() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void SandboxSweeper::run() {
  std::unique_lock lock(mutex_);
  while (!wake_.wait_for(lock, interval_, [this] { return stopping_; })) {
    lock.unlock();
    try {
      db::Session session(settings_.databaseUrl);
      SandboxService(session, settings_).sweep(epochSeconds());
    } catch (const std::exception& e) {
      // The next sweep tries again; a sandbox outlives its date by one interval at most.
      std::cerr << "flint: sandbox sweep failed: " << e.what() << std::endl;
    }
    lock.lock();
  }
}

}  // namespace flint::developer
