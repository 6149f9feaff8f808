#include "bulk_export/export_runner.h"

#include <algorithm>
#include <chrono>
#include <iostream>

#include "auth/scopes/scope.h"
#include "bulk_export/as_of.h"
#include "bulk_export/export_selection.h"
#include "bulk_export/job_store.h"
#include "core/db/session.h"
#include "core/instances/instance_store.h"
#include "fhir_resources/rest/fhir_error.h"
#include "fhir_resources/storage/resource_repository.h"

namespace flint::bulk {
namespace {

constexpr int kLeaseSeconds = 30;  // a job whose process stops renewing this is taken over
constexpr int kStepResources = 1000;
constexpr auto kIdleLook = std::chrono::milliseconds(500);
constexpr auto kPurgeEvery = std::chrono::seconds(60);

fhir::Access accessOf(const ExportJob& job) {
  if (!job.scope) return fhir::Access::unrestricted();
  return auth::accessOf(auth::parseScopes(*job.scope), job.patient);
}

// The file being filled: its type and size, from the files stored so far.
struct OpenFile {
  std::string type;
  int64_t bytes = 0;
};

}  // namespace

ExportRunner::ExportRunner(std::string databaseUrl, std::string publicUrl, ExportSettings settings, int threads)
    : databaseUrl_(std::move(databaseUrl)), publicUrl_(std::move(publicUrl)), settings_(settings) {
  for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { run(); });
}

ExportRunner::~ExportRunner() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    stop_ = true;
  }
  wakeUp_.notify_all();
  for (auto& t : threads_) t.join();
}

void ExportRunner::wake() { wakeUp_.notify_one(); }

void ExportRunner::run() {
  auto lastPurge = std::chrono::steady_clock::now() - kPurgeEvery;
  while (!stop_) {
    bool worked = false;
    try {
      auto& session = db::Session::forThisThread(databaseUrl_);
      if (std::chrono::steady_clock::now() - lastPurge >= kPurgeEvery) {
        lastPurge = std::chrono::steady_clock::now();
        purgeExpired();
      }
      if (auto job = JobStore(session).claim(kLeaseSeconds)) {
        worked = true;
        runJob(*job);
      }
    } catch (const std::exception& e) {
      std::cerr << "export runner: " << e.what() << std::endl;
    }
    if (worked) continue;
    std::unique_lock lock(mutex_);
    wakeUp_.wait_for(lock, kIdleLook, [this] { return stopping_; });
  }
}

void ExportRunner::runJob(ExportJob& job) {
  auto& session = db::Session::forThisThread(databaseUrl_);
  JobStore store(session);
  auto instance = instances::findInstanceById(session.connection(), job.instanceId);
  if (!instance) {
    store.fail(job, "the instance no longer exists");
    return;
  }
  const std::string baseUrl = publicUrl_ + "/" + instance->name + "/fhir";
  const fhir::Access access = accessOf(job);
  fhir::ResourceRepository repo(session, *instance);
  OpenFile open;
  if (auto files = store.files(*instance, job.id); !files.empty() && files.back().seq == job.fileSeq)
    open = {files.back().type, files.back().bytes};
  try {
    while (job.typeIndex < static_cast<int>(job.types.size())) {
      if (stop_) {
        store.release(job);
        return;
      }
      const std::string& type = job.types[job.typeIndex];
      // The step's keys come from the indexes alone; their rows are then read in the table's
      // physical order, for their lengths only.
      // With several _typeFilters, the step is the first ids any of them finds.
      std::vector<std::string> keyIds;
      for (const auto& query : stepQueries(job, type, access, baseUrl, kStepResources))
        for (auto& key : repo.list(query, fhir::ResourceRepository::ListedContent::Keys))
          keyIds.push_back(std::move(key.id));
      std::sort(keyIds.begin(), keyIds.end());
      keyIds.erase(std::unique(keyIds.begin(), keyIds.end()), keyIds.end());
      if (keyIds.size() > static_cast<size_t>(kStepResources)) keyIds.resize(kStepResources);
      if (keyIds.empty()) {
        if (!store.nextType(job, kLeaseSeconds)) return;
        continue;
      }
      auto rows = repo.currentOf(type, keyIds, fhir::ResourceRepository::ListedContent::Size);
      std::vector<std::string> ids;
      int64_t bytes = 0;
      for (const auto& row : rows) {
        // Resources created after the transaction time were not there to export.
        auto size = sizeAsOf(repo, row, job.transactionTime);
        if (!size) continue;
        ids.push_back(row.id);
        bytes += *size + 1;
      }
      const bool newFile = open.type != type || open.bytes + bytes > settings_.maxFileBytes;
      if (!store.appendChunk(*instance, job, ids, bytes, keyIds.back(), newFile, kLeaseSeconds)) return;
      if (ids.empty()) continue;
      if (newFile) open = {type, 0};
      open.bytes += bytes;
    }
    store.complete(job, settings_.retentionSeconds);
  } catch (const fhir::FhirError& e) {
    store.fail(job, e.what());
  }
}

void ExportRunner::purgeExpired() {
  auto& session = db::Session::forThisThread(databaseUrl_);
  JobStore store(session);
  for (const auto& [instanceId, jobId] : store.expired()) {
    if (auto instance = instances::findInstanceById(session.connection(), instanceId)) store.remove(*instance, jobId);
  }
}

}  // namespace flint::bulk
