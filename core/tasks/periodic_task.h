// Work a server process repeats on a thread of its own every interval (the first time one
// interval after start), until destroyed; a failure is logged and the next round tries again.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace flint::tasks {

class PeriodicTask {
 public:
  // `name` says in the log whose round failed.
  PeriodicTask(std::string name, std::chrono::milliseconds interval, std::function<void()> work);
  ~PeriodicTask();
  PeriodicTask(const PeriodicTask&) = delete;
  PeriodicTask& operator=(const PeriodicTask&) = delete;

 private:
  void run();

  std::string name_;
  std::chrono::milliseconds interval_;
  std::function<void()> work_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace flint::tasks
