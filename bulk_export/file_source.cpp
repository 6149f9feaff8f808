#include "bulk_export/file_source.h"

#include <algorithm>
#include <stdexcept>

#include "bulk_export/as_of.h"
#include "bulk_export/export_files.h"

namespace flint::bulk {
namespace {

class ChunkedFile : public FileSource {
 public:
  ChunkedFile(db::Session& session, const instances::Instance& instance, const ExportJob& job, const ExportFile& file)
      : session_(session),
        instance_(instance),
        jobId_(job.id),
        fileSeq_(file.seq),
        type_(file.type),
        deletions_(file.deletions),
        elements_(elementsFor(job.elements, file.type)),
        asOf_(job.transactionTime) {}

  bool read(int64_t at, int64_t end, std::string& piece) override {
    if (at >= end) return false;
    auto chunk = ExportFiles(session_, instance_).chunkAt(jobId_, fileSeq_, at);
    if (!chunk) return false;
    std::string text;
    if (deletions_) {
      for (const auto& id : chunk->ids) text += deletionLine(type_, id);
    } else {
      fhir::ResourceRepository repo(session_, instance_);
      text = ndjsonAsOf(repo, type_, chunk->ids, asOf_, elements_);
    }
    // A file must read the same every time: a chunk that no longer adds up is refused.
    if (static_cast<int64_t>(text.size()) != chunk->bytes)
      throw std::runtime_error("export " + jobId_ + ": a chunk no longer has the length it was exported with");
    const int64_t from = at - chunk->offset;
    const int64_t to = std::min(chunk->bytes, end - chunk->offset);
    if (from == 0 && to == chunk->bytes)
      piece = std::move(text);
    else
      piece = text.substr(from, to - from);
    return true;
  }

 private:
  db::Session& session_;
  instances::Instance instance_;
  std::string jobId_;
  int fileSeq_;
  std::string type_;
  bool deletions_;
  std::optional<fhir::ElementFilter> elements_;
  int64_t asOf_;
};

class TextFile : public FileSource {
 public:
  explicit TextFile(std::string text) : text_(std::move(text)) {}

  bool read(int64_t at, int64_t end, std::string& piece) override {
    const int64_t stop = std::min<int64_t>(end, static_cast<int64_t>(text_.size()));
    if (at >= stop) return false;
    piece = text_.substr(at, stop - at);
    return true;
  }

 private:
  std::string text_;
};

}  // namespace

std::unique_ptr<FileSource> chunkedFile(db::Session& session, const instances::Instance& instance,
                                        const ExportJob& job, const ExportFile& file) {
  return std::make_unique<ChunkedFile>(session, instance, job, file);
}

std::unique_ptr<FileSource> textFile(std::string text) { return std::make_unique<TextFile>(std::move(text)); }

}  // namespace flint::bulk
