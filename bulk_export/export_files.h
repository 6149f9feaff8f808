// SQL access to an export's files and progress in the instance's own schema (export_files,
// export_chunks, export_references, export_progress), on whichever cluster holds it. A step's
// chunk and progress commit together there, fenced by the attempt that claimed the job, so a
// process that lost its claim can no longer add to the files.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "bulk_export/export_job.h"
#include "core/db/session.h"
#include "core/instances/instance.h"

namespace flint::bulk {

class ExportFiles {
 public:
  ExportFiles(db::Session& session, const instances::Instance& instance) : session_(session), instance_(instance) {}

  // Takes the job's progress over for `job.attempt` and sets `job`'s progress from it (the first
  // attempt starts from what `job` holds); false when a later attempt already holds it.
  bool take(ExportJob& job);
  // Adds the resources `ids` (`bytes` of NDJSON) to the job's current file, or to a new one of
  // `file`'s type and kind when `newFile`, and records that the type's resources up to `lastId`
  // are done, in one statement. False when the job is no longer this attempt's. With no ids,
  // records only the progress.
  bool appendChunk(ExportJob& job, const ExportFile& file, const std::vector<std::string>& ids, int64_t bytes,
                   const std::string& lastId, bool newFile);
  // Moves on to the job's next type; false as for appendChunk.
  bool nextType(ExportJob& job);
  // Removes the job's files and progress.
  void remove(const std::string& jobId);

  // Records supporting resources (type, id) the job's resources reference, to export later.
  void addReferences(const std::string& jobId, const std::vector<std::pair<std::string, std::string>>& references);
  // The next `limit` recorded references of `type` after `afterId`, in id order.
  std::vector<std::string> references(const std::string& jobId, const std::string& type, const std::string& afterId,
                                      int limit);

  std::vector<ExportFile> files(const std::string& jobId);
  // The chunk of a file holding byte `offset`; nullopt past the end.
  std::optional<FileChunk> chunkAt(const std::string& jobId, int fileSeq, int64_t offset);

 private:
  std::string table(const char* name) const;

  db::Session& session_;
  const instances::Instance& instance_;
};

// Removes export `jobId` of the instance: the job first (on `control`), so that no process can
// claim or extend it any more, then its files on the instance's cluster.
void removeExport(db::Session& control, const instances::Instance& instance, const std::string& jobId);

}  // namespace flint::bulk
