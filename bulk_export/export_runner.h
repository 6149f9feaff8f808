// Runs export jobs in the background of every server process: claims the oldest waiting job
// (or one whose process died), advances it in steps that each commit a chunk of NDJSON with the
// job's progress, and deletes exports whose retention has passed.
#pragma once

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "bulk_export/bulk_export.h"
#include "bulk_export/export_job.h"
#include "core/instances/replica_router.h"

namespace flint::bulk {

class ExportRunner {
 public:
  // `publicUrl`: the server's external base (searches of granular scopes need the FHIR base).
  // Jobs' resources are read where `replicas` sends reads (the primary's files are written there).
  ExportRunner(std::string databaseUrl, std::string publicUrl, ExportSettings settings, int threads,
               instances::ReplicaRouter& replicas);
  ~ExportRunner();
  ExportRunner(const ExportRunner&) = delete;
  ExportRunner& operator=(const ExportRunner&) = delete;

  // A job was queued: start on it now rather than at the next look.
  void wake();

 private:
  void run();
  // Runs `job` until it completes, fails, is taken away, the server stops or a move of its
  // instance freezes or re-routes it; false when it did nothing (the instance was frozen).
  bool runJob(ExportJob& job);
  void purgeExpired();

  std::string databaseUrl_;
  std::string publicUrl_;
  ExportSettings settings_;
  instances::ReplicaRouter& replicas_;
  std::mutex mutex_;
  std::condition_variable wakeUp_;
  bool stopping_ = false;
  std::atomic<bool> stop_{false};
  std::vector<std::thread> threads_;
};

}  // namespace flint::bulk
