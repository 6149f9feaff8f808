// SQL access to export jobs (flint.export_jobs) and their files (export_files and export_chunks
// in the instance's schema). Every write of a running job is fenced by the attempt that claimed
// it, so a process that lost its claim can no longer change the job.
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
  std::optional<ExportJob> find(long long instanceId, const std::string& jobId);
  // The instance's exports, newest first (at most `limit`).
  std::vector<ExportJob> list(long long instanceId, int limit);
  void setNextPoll(const std::string& jobId, int64_t atMillis);
  // Removes the job and its files.
  void remove(const instances::Instance& instance, const std::string& jobId);

  // Takes the oldest job that is queued, or running under a lease that has run out (its process
  // died), for `leaseSeconds`; nullopt when there is none.
  std::optional<ExportJob> claim(int leaseSeconds);
  // Adds the resources `ids` (`bytes` of NDJSON) to the job's current file, or to a new one of
  // `file`'s type and kind when `newFile`, and records that the type's resources up to `lastId`
  // are done, all in one transaction; extends the lease. False when the job is no longer this
  // attempt's (cancelled, or claimed by another process after the lease ran out). With no ids,
  // records only the progress.
  bool appendChunk(const instances::Instance& instance, ExportJob& job, const ExportFile& file,
                   const std::vector<std::string>& ids, int64_t bytes, const std::string& lastId, bool newFile,
                   int leaseSeconds);
  // Moves on to the job's next type; false as for appendChunk.
  bool nextType(ExportJob& job, int leaseSeconds);
  bool complete(ExportJob& job, int retentionSeconds);
  // Hands a running job back to the queue (this process is stopping): another takes it at once.
  void release(const ExportJob& job);
  bool fail(ExportJob& job, const std::string& message);

  // Records supporting resources (type, id) the job's resources reference, to export later.
  void addReferences(const instances::Instance& instance, const std::string& jobId,
                     const std::vector<std::pair<std::string, std::string>>& references);
  // The next `limit` recorded references of `type` after `afterId`, in id order.
  std::vector<std::string> references(const instances::Instance& instance, const std::string& jobId,
                                      const std::string& type, const std::string& afterId, int limit);

  std::vector<ExportFile> files(const instances::Instance& instance, const std::string& jobId);
  // The chunk of a file holding byte `offset`; nullopt past the end.
  std::optional<FileChunk> chunkAt(const instances::Instance& instance, const std::string& jobId, int fileSeq,
                                   int64_t offset);
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
