// A fixed set of worker threads that run request handling (database work) off the reactor threads.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace flint::http {

class WorkerPool {
 public:
  // `maxQueued` bounds what offer() queues (0: no bound).
  WorkerPool(size_t threads, size_t maxQueued);
  ~WorkerPool();

  // Queues work that must run: the rest of what a connection already started.
  void submit(std::function<void()> task);
  // Queues new work unless `maxQueued` tasks already wait; false then, and the caller sheds it.
  bool offer(std::function<void()> task);
  // Finishes queued tasks, then joins the threads.
  void stop();

 private:
  void run();
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<std::function<void()>> tasks_;
  size_t maxQueued_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace flint::http
