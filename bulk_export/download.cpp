// A file of a completed export, from its FileSource, piece by piece, with byte ranges
// (Range: bytes=a-b, a-, -n) for resuming.
#include <charconv>
#include <limits>

#include "bulk_export/bulk_export.h"
#include "bulk_export/file_source.h"
#include "bulk_export/export_files.h"
#include "bulk_export/job_store.h"
#include "core/instances/data_routing.h"
#include "fhir_resources/rest/fhir_error.h"

namespace flint::bulk {
namespace {

std::optional<int64_t> number(std::string_view text) {
  int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

// [start, end) of a file of `size` bytes that a single "bytes=" range asks for; nullopt when it
// is malformed or unsatisfiable.
std::optional<std::pair<int64_t, int64_t>> byteRange(std::string_view header, int64_t size) {
  if (header.substr(0, 6) != "bytes=" || header.find(',') != std::string_view::npos) return std::nullopt;
  header.remove_prefix(6);
  const size_t dash = header.find('-');
  if (dash == std::string_view::npos) return std::nullopt;
  auto first = number(header.substr(0, dash));
  auto last = number(header.substr(dash + 1));
  if (!first && last) {  // the last n bytes
    if (*last == 0) return std::nullopt;
    return std::make_pair(std::max<int64_t>(0, size - *last), size);
  }
  if (!first || *first >= size || (last && *last < *first) || (!last && dash + 1 != header.size())) return std::nullopt;
  return std::make_pair(*first, last ? std::min(*last + 1, size) : size);
}

// "3.ndjson" → 3
std::optional<int> fileNumber(std::string_view name) {
  if (name.size() <= 7 || name.substr(name.size() - 7) != ".ndjson") return std::nullopt;
  auto n = number(name.substr(0, name.size() - 7));
  if (!n || *n < 1 || *n > std::numeric_limits<int>::max()) return std::nullopt;
  return static_cast<int>(*n);
}

// The bytes of `source`, a file of `size`, that `range` (empty: all) asks for, piece by piece;
// 416 when the range cannot be served.
std::variant<FileDownload, ExportResponse> serve(std::unique_ptr<FileSource> source, int64_t size,
                                                 const std::string& range, std::string auditDetail) {
  FileDownload out;
  out.size = size;
  out.end = size;
  if (!range.empty()) {
    auto wanted = byteRange(range, size);
    if (!wanted) {
      ExportResponse unsatisfiable{416, fhir::operationOutcome("error", "invalid", "the Range cannot be served")};
      unsatisfiable.headers.emplace_back("Content-Range", "bytes */" + std::to_string(size));
      return unsatisfiable;
    }
    out.start = wanted->first;
    out.end = wanted->second;
    out.partial = true;
    auditDetail += "; bytes " + std::to_string(out.start) + "-" + std::to_string(out.end - 1);
  }
  out.auditDetail = std::move(auditDetail);
  out.next = [source = std::shared_ptr<FileSource>(std::move(source)), at = out.start,
              end = out.end](std::string& piece) mutable {
    if (!source->read(at, end, piece)) return false;
    at += static_cast<int64_t>(piece.size());
    return true;
  };
  return out;
}

}  // namespace

std::string errorFileName() { return "error.ndjson"; }

std::variant<FileDownload, ExportResponse> BulkExport::download(const instances::Instance& instance,
                                                                db::Session& control, const std::string& clientId,
                                                                const std::string& jobId, const std::string& name,
                                                                const std::string& range) {
  JobStore store(control);
  auto job = findOwnJob(store, instance, clientId, jobId);
  const ExportResponse missing{404, fhir::operationOutcome("error", "not-found", "there is no such export file")};
  if (!job || job->state != JobState::Completed) return missing;
  if (name == errorFileName()) {
    if (job->errors.empty()) return missing;
    std::string text;
    for (const auto& line : job->errors) text += line + '\n';
    const auto size = static_cast<int64_t>(text.size());
    return serve(textFile(std::move(text)), size, range,
                 "errors: " + std::to_string(job->errors.size()) + " outcomes");
  }
  const auto fileSeq = fileNumber(name);
  if (!fileSeq) return missing;
  std::optional<ExportFile> file;
  auto& data = instances::primarySession(instance);
  for (auto& f : ExportFiles(data, instance).files(jobId))
    if (f.seq == *fileSeq) file = f;
  if (!file) return missing;
  return serve(chunkedFile(data, instance, *job, *file), file->bytes, range,
               file->type + (file->deletions ? " deletions: " : ": ") + std::to_string(file->lines) +
                   (file->deletions ? " bundles" : " resources"));
}

}  // namespace flint::bulk
