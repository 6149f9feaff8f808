#include "core/tasks/periodic_task.h"


#include "core/db/session_pool.h"
#include "core/log/log.h"

namespace flint::tasks {

PeriodicTask::PeriodicTask(std::string name, std::chrono::milliseconds interval, std::function<void()> work)
    : name_(std::move(name)), interval_(interval), work_(std::move(work)), thread_([this] { run(); }) {}

PeriodicTask::~PeriodicTask() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void PeriodicTask::run() {
  std::unique_lock lock(mutex_);
  while (!wake_.wait_for(lock, interval_, [this] { return stopping_; })) {
    lock.unlock();
    try {
      db::SessionScope scope;
      work_();
    } catch (const std::exception& e) {
      log::error("periodic task failed", {{"task", name_}, {"error", log::redacted(e.what())}});
    }
    lock.lock();
  }
}

}  // namespace flint::tasks
