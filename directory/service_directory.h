// The directory every server process serves from memory: a background thread follows the
// change log (flint.directory_changes) and rebuilds the snapshot when it moves, so a change made
// through any process is served by all within a second. Requests never touch the database.
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "directory/directory_bundle.h"
#include "directory/directory_store.h"

namespace flint::directory {

class ServiceDirectory {
 public:
  ServiceDirectory(std::string databaseUrl, std::string publicUrl);
  ~ServiceDirectory();
  ServiceDirectory(const ServiceDirectory&) = delete;
  ServiceDirectory& operator=(const ServiceDirectory&) = delete;

  // The current directory; empty until the database has been read once.
  std::shared_ptr<const DirectorySnapshot> snapshot() const;
  // Rebuilds now if the log has moved: a process that made a change serves it at once. False
  // when the database could not be read (the last directory stays).
  bool refresh() noexcept;

 private:
  void run();

  std::string databaseUrl_;
  std::string publicUrl_;
  std::mutex refreshMutex_;  // one rebuild at a time; guards position_
  LogPosition position_{-1, 0};
  mutable std::mutex snapshotMutex_;
  std::shared_ptr<const DirectorySnapshot> snapshot_;
  std::mutex stopMutex_;
  std::condition_variable stopSignal_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace flint::directory
