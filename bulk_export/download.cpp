// A file of a completed export, made chunk by chunk from the resources each names, as of the
// export's transaction time (memory holds one chunk whatever the file's size); byte ranges
// (Range: bytes=a-b, a-, -n) for resuming.
#include <charconv>
#include <limits>

#include "bulk_export/as_of.h"
#include "bulk_export/bulk_export.h"
#include "bulk_export/job_store.h"
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

// The bytes of a file of `size` that `range` (empty: all) asks for; 416 when it cannot be served.
std::variant<FileDownload, ExportResponse> sized(int64_t size, const std::string& range) {
  FileDownload out;
  out.size = size;
  out.end = size;
  if (range.empty()) return out;
  auto wanted = byteRange(range, size);
  if (!wanted) {
    ExportResponse unsatisfiable{416, fhir::operationOutcome("error", "invalid", "the Range cannot be served")};
    unsatisfiable.headers.emplace_back("Content-Range", "bytes */" + std::to_string(size));
    return unsatisfiable;
  }
  out.start = wanted->first;
  out.end = wanted->second;
  out.partial = true;
  return out;
}

// The job's error file: its OperationOutcomes, one per line.
std::variant<FileDownload, ExportResponse> errorFile(const ExportJob& job, const std::string& range) {
  std::string text;
  for (const auto& line : job.errors) text += line + '\n';
  auto result = sized(static_cast<int64_t>(text.size()), range);
  if (auto* out = std::get_if<FileDownload>(&result)) {
    out->auditDetail = "errors: " + std::to_string(job.errors.size()) + " outcomes";
    out->next = [text = std::move(text), at = out->start, end = out->end](std::string& piece) mutable {
      if (at >= end) return false;
      piece = text.substr(at, end - at);
      at = end;
      return true;
    };
  }
  return result;
}

}  // namespace

std::string errorFileName() { return "error.ndjson"; }

std::variant<FileDownload, ExportResponse> BulkExport::download(const instances::Instance& instance,
                                                                db::Session& session, const std::string& clientId,
                                                                const std::string& jobId, const std::string& name,
                                                                const std::string& range) {
  JobStore store(session);
  auto job = findOwnJob(store, instance, clientId, jobId);
  const ExportResponse missing{404, fhir::operationOutcome("error", "not-found", "there is no such export file")};
  if (!job || job->state != JobState::Completed) return missing;
  if (name == errorFileName()) {
    if (job->errors.empty()) return missing;
    return errorFile(*job, range);
  }
  const auto fileSeq = fileNumber(name);
  if (!fileSeq) return missing;
  std::optional<ExportFile> file;
  for (auto& f : store.files(instance, jobId))
    if (f.seq == *fileSeq) file = f;
  if (!file) return missing;

  auto result = sized(file->bytes, range);
  auto* out = std::get_if<FileDownload>(&result);
  if (!out) return result;
  out->auditDetail = file->type + (file->deletions ? " deletions: " : ": ") + std::to_string(file->lines) +
                     (file->deletions ? " bundles" : " resources");
  if (out->partial)
    out->auditDetail += "; bytes " + std::to_string(out->start) + "-" + std::to_string(out->end - 1);
  out->next = [&session, instance, jobId, fileSeq = *fileSeq, type = file->type, deletions = file->deletions,
               elements = elementsFor(job->elements, file->type), asOf = job->transactionTime, at = out->start,
               end = out->end](std::string& piece) mutable {
    if (at >= end) return false;
    JobStore store(session);
    auto chunk = store.chunkAt(instance, jobId, fileSeq, at);
    if (!chunk) return false;
    std::string text;
    if (deletions) {
      for (const auto& id : chunk->ids) text += deletionLine(type, id);
    } else {
      fhir::ResourceRepository repo(session, instance);
      text = ndjsonAsOf(repo, type, chunk->ids, asOf, elements);
    }
    if (static_cast<int64_t>(text.size()) != chunk->bytes)
      throw std::runtime_error("export " + jobId + ": a chunk no longer has the length it was exported with");
    const int64_t from = at - chunk->offset;
    const int64_t to = std::min(chunk->bytes, end - chunk->offset);
    if (from == 0 && to == chunk->bytes)
      piece = std::move(text);
    else
      piece = text.substr(from, to - from);
    at += to - from;
    return true;
  };
  return result;
}

}  // namespace flint::bulk
