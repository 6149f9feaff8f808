// SQL access to export jobs in the control schema (flint.export_jobs): the queue every server
// process claims from, with leases. Every write of a running job is fenced by the attempt that
// claimed it, so a process that lost its claim can no longer change the job.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "bulk_export/export_job.h"
#include "core/db/session.h"
#include "core/instances/instance.h"

namespace flint::bulk {

class JobStore {
 public:
  explicit JobStore(db::Session& session) : session_(session) {}

  void create(const ExportJob& job);
  // Exports of `clientId` on the instance still queued or running.
  int activeCount(long long instanceId, const std::string& clientId);
  // Jobs of every instance by state (queued, running, completed, failed; each named, 0 when none).
  std::vector<std::pair<std::string, int64_t>> countByState();
  std::optional<ExportJob> find(long long instanceId, const std::string& jobId);
  // The instance's exports, newest first (at most `limit`).
  std::vector<ExportJob> list(long long instanceId, int limit);
  void setNextPoll(const std::string& jobId, int64_t atMillis);
  // Removes the job (its files are ExportFiles's).
  void remove(long long instanceId, const std::string& jobId);

  // Takes the oldest job that is queued, or running under a lease that has run out (its process
  // died), for `leaseSeconds`; nullopt when there is none.
  std::optional<ExportJob> claim(int leaseSeconds);
  // Extends the lease and records the progress `job` has made (for status and a later claim's
  // start); false when the job is no longer this attempt's (cancelled, or claimed by another
  // process after the lease ran out).
  bool extendLease(const ExportJob& job, int leaseSeconds);
  bool complete(ExportJob& job, int retentionSeconds);
  // Hands a running job back to the queue (this process is stopping): another takes it at once.
  void release(const ExportJob& job);
  bool fail(ExportJob& job, const std::string& message);

  // Jobs whose files have outlived their retention: (instance id, job id).
  std::vector<std::pair<long long, std::string>> expired();

 private:
  db::Session& session_;
};

// The job `jobId` of the instance if `clientId` started it: another client's job is reported
// exactly as one that does not exist.
std::optional<ExportJob> findOwnJob(JobStore& store, const instances::Instance& instance, const std::string& clientId,
                                    const std::string& jobId);

}  // namespace flint::bulk
