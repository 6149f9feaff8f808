#include "server/http/worker_pool.h"

#include "core/db/session_pool.h"
#include "core/log/log.h"
#include "server/http/server_figures.h"

namespace flint::http {

ServerFigures& serverFigures() {
  static ServerFigures figures;
  return figures;
}

WorkerPool::WorkerPool(size_t threads, size_t maxQueued) : maxQueued_(maxQueued) {
  for (size_t i = 0; i < threads; ++i) threads_.emplace_back([this] { run(); });
}

WorkerPool::~WorkerPool() { stop(); }

void WorkerPool::submit(std::function<void()> task) {
  {
    std::lock_guard lock(mutex_);
    tasks_.push_back(std::move(task));
  }
  ++serverFigures().queued;
  ready_.notify_one();
}

bool WorkerPool::offer(std::function<void()> task) {
  {
    std::lock_guard lock(mutex_);
    if (maxQueued_ != 0 && tasks_.size() >= maxQueued_) return false;
    tasks_.push_back(std::move(task));
  }
  ++serverFigures().queued;
  ready_.notify_one();
  return true;
}

void WorkerPool::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ && threads_.empty()) return;
    stopping_ = true;
  }
  ready_.notify_all();
  for (auto& t : threads_)
    if (t.joinable()) t.join();
  threads_.clear();
}

void WorkerPool::run() {
  for (;;) {
    std::function<void()> task;
    {
      std::unique_lock lock(mutex_);
      ready_.wait(lock, [this] { return stopping_ || !tasks_.empty(); });
      if (tasks_.empty()) return;
      task = std::move(tasks_.front());
      tasks_.pop_front();
    }
    --serverFigures().queued;
    // A task that throws must not take the process down with it. The database sessions it
    // borrowed go back to the process's pool when it ends.
    try {
      db::SessionScope scope;
      task();
    } catch (const std::exception& e) {
      log::error("worker task failed", {{"error", log::redacted(e.what())}});
    }
  }
}

}  // namespace flint::http
