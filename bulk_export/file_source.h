// Where the bytes of an export's file come from, behind one small interface: files made on
// demand from the job's chunks in PostgreSQL (any process serves any file), and the job's
// error file. A deployment that keeps files in S3-compatible object storage adds a source
// reading ranges of the stored object; the download (ranges, gzip, streaming) stays as it is.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "bulk_export/export_job.h"
#include "core/db/session.h"
#include "core/instances/instance.h"
#include "fhir_resources/search/summary_filter.h"

namespace flint::bulk {

class FileSource {
 public:
  virtual ~FileSource() = default;
  // Sets `piece` to the next bytes of the file from byte `at`, none at or past `end`; false when
  // there are none (the file is shorter). Throws when the file can no longer be made as it was.
  virtual bool read(int64_t at, int64_t end, std::string& piece) = 0;
};

// An export file made, chunk by chunk, from the resources each chunk names, as of the job's
// transaction time (memory holds one chunk whatever the file's size).
std::unique_ptr<FileSource> chunkedFile(db::Session& session, const instances::Instance& instance,
                                        const ExportJob& job, const ExportFile& file);

// A file held whole in memory (the error file, a few OperationOutcomes).
std::unique_ptr<FileSource> textFile(std::string text);

}  // namespace flint::bulk
