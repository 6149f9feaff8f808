// Polling an export: 202 with progress while it runs (429 when polled faster than Retry-After
// said), the manifest once complete, an OperationOutcome if it failed.
#include <nlohmann/json.hpp>

#include "bulk_export/bulk_export.h"
#include "bulk_export/export_files.h"
#include "bulk_export/job_store.h"
#include "core/instances/data_routing.h"
#include "fhir_resources/rest/fhir_error.h"
#include "fhir_resources/rest/instant.h"

namespace flint::bulk {
namespace {

ExportResponse notFound(const std::string& jobId) {
  return {404, fhir::operationOutcome("error", "not-found", "there is no export " + jobId + " for this client")};
}

}  // namespace

ExportResponse BulkExport::status(const instances::Instance& instance, db::Session& control,
                                  const std::string& clientId, const std::string& jobId) {
  JobStore store(control);
  auto job = findOwnJob(store, instance, clientId, jobId);
  if (!job) return notFound(jobId);
  const int64_t now = fhir::nowMillis();
  const std::string retryAfter = std::to_string(settings_.pollSeconds);
  if (job->state == JobState::Queued || job->state == JobState::Running) {
    if (job->nextPollAt && now < *job->nextPollAt) {
      ExportResponse slow{429, fhir::operationOutcome("error", "throttled",
                                                      "polled sooner than Retry-After asked; wait " + retryAfter + " s")};
      slow.headers.emplace_back("Retry-After", retryAfter);
      return slow;
    }
    // Half the interval asked for is let through, so clock jitter never earns a client a 429.
    store.setNextPoll(job->id, now + settings_.pollSeconds * 500);
    ExportResponse running{202, ""};
    const size_t types = job->types.size(), step = static_cast<size_t>(job->typeIndex);
    std::string progress = job->state == JobState::Queued ? "queued"
                           : step < types ? std::to_string(job->exported) + " resources, type " +
                                                std::to_string(step + 1) + " of " + std::to_string(types)
                                          : std::to_string(job->exported) + " resources, deletions since _since";
    running.headers.emplace_back("X-Progress", progress);
    running.headers.emplace_back("Retry-After", retryAfter);
    return running;
  }
  if (job->state == JobState::Failed)
    return {500, fhir::operationOutcome("error", "exception", "the export failed: " + job->error)};

  nlohmann::ordered_json manifest = {{"transactionTime", fhir::formatInstant(job->transactionTime)},
                             {"request", job->requestUrl},
                             {"requiresAccessToken", !job->clientId.empty()},
                             {"output", nlohmann::ordered_json::array()},
                             {"error", nlohmann::ordered_json::array()}};
  // With _since, the deletions since then: files of transaction Bundles (one DELETE each).
  if (job->since) manifest["deleted"] = nlohmann::ordered_json::array();
  const std::string base = jobUrl(instance, job->id);
  int64_t resources = 0, deletions = 0, files = 0;
  for (const auto& file : ExportFiles(instances::primarySession(instance), instance).files(job->id)) {
    ++files;
    (file.deletions ? deletions : resources) += file.lines;
    const std::string url = base + "/" + std::to_string(file.seq) + ".ndjson";
    if (file.deletions)
      manifest["deleted"].push_back({{"type", "Bundle"}, {"url", url}, {"count", file.lines}});
    else
      manifest["output"].push_back({{"type", file.type}, {"url", url}, {"count", file.lines}});
  }
  if (!job->errors.empty())
    manifest["error"].push_back(
        {{"type", "OperationOutcome"}, {"url", base + "/" + errorFileName()}, {"count", job->errors.size()}});
  ExportResponse done{200, manifest.dump(), "application/json"};
  done.auditDetail = "completed: " + std::to_string(resources) + " resources, " + std::to_string(deletions) +
                     " deletions in " + std::to_string(files) + " files; " + std::to_string(job->errors.size()) +
                     " errors";
  if (job->expiresAt) done.headers.emplace_back("Expires", fhir::formatHttpDate(*job->expiresAt));
  return done;
}

ExportResponse BulkExport::cancel(const instances::Instance& instance, db::Session& control,
                                  const std::string& clientId, const std::string& jobId) {
  JobStore store(control);
  if (!findOwnJob(store, instance, clientId, jobId)) return notFound(jobId);
  removeExport(control, instance, jobId);
  return {202, fhir::operationOutcome("information", "informational", "export " + jobId + " cancelled and deleted")};
}

}  // namespace flint::bulk
