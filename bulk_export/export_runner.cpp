#include "bulk_export/export_runner.h"

#include <algorithm>
#include <chrono>

#include "auth/scopes/scope.h"
#include "bulk_export/as_of.h"
#include "bulk_export/export_files.h"
#include "bulk_export/export_selection.h"
#include "bulk_export/job_store.h"
#include "core/db/session_pool.h"
#include "core/instances/data_routing.h"
#include "core/instances/instance_store.h"
#include "core/log/log.h"
#include "fhir_resources/rest/fhir_error.h"
#include "fhir_resources/search/search_access.h"
#include "fhir_resources/storage/resource_repository.h"

namespace flint::bulk {
namespace {

constexpr int kLeaseSeconds = 30;  // a job whose process stops renewing this is taken over
constexpr int kStepResources = 1000;
constexpr int kMaxAttempts = 5;
constexpr auto kIdleLook = std::chrono::milliseconds(500);
constexpr auto kPurgeEvery = std::chrono::seconds(60);

fhir::Access accessOf(const ExportJob& job) {
  if (!job.scope) return fhir::Access::unrestricted();
  return auth::accessOf(auth::parseScopes(*job.scope), job.patient);
}

// The file being filled: its type, kind and size, from the files stored so far.
struct OpenFile {
  std::string type;
  bool deletions = false;
  int64_t bytes = 0;
};

// What one step adds to a job: the resources (or deletions), their NDJSON's length, and the
// last id looked at (empty when the type is done).
struct Step {
  std::vector<std::string> ids;
  int64_t bytes = 0;
  std::string lastId;
};

Step resourcesStep(fhir::ResourceRepository& repo, ExportFiles& files, const ExportJob& job, const std::string& type,
                   const fhir::Access& access, const std::string& baseUrl) {
  Step step;
  // A supporting type of a Patient or Group export walks what the records referenced.
  std::vector<std::string> referenced;
  if (exportsReferencedOnly(job, type)) {
    referenced = files.references(job.id, type, job.afterId, kStepResources);
    if (referenced.empty()) return step;
  }
  // The step's keys come from the indexes alone, in the order of the resources' numbers (with
  // several _typeFilters, the first any of them finds); their rows are then read in the table's
  // physical order, for their lengths.
  std::vector<std::pair<int64_t, std::string>> found;
  for (const auto& query : stepQueries(job, type, access, baseUrl, kStepResources, referenced))
    for (auto& key : repo.list(query, fhir::ResourceRepository::ListedContent::Keys))
      found.emplace_back(key.number, std::move(key.id));
  std::sort(found.begin(), found.end());
  found.erase(std::unique(found.begin(), found.end()), found.end());
  if (found.size() > static_cast<size_t>(kStepResources)) found.resize(kStepResources);
  step.lastId = referenced.empty() ? (found.empty() ? "" : "#" + std::to_string(found.back().first)) : referenced.back();
  if (found.empty()) return step;
  std::vector<std::string> keys;
  keys.reserve(found.size());
  for (auto& [number, id] : found) keys.push_back(std::move(id));
  // With _elements the length is the reduced resource's, so the resource itself is read.
  const auto elements = elementsFor(job.elements, type);
  const auto listed = elements ? fhir::ResourceRepository::ListedContent::Full : fhir::ResourceRepository::ListedContent::Size;
  for (const auto& row : repo.currentOf(type, keys, listed)) {
    // Resources created after the transaction time were not there to export.
    auto size = sizeAsOf(repo, row, job.transactionTime, elements);
    if (!size) continue;
    step.ids.push_back(row.id);
    step.bytes += *size + 1;
  }
  // Recorded before the step commits: a step done again records the same again. What the
  // resources reference of the supporting types, and the Provenances that target them.
  std::vector<std::pair<std::string, std::string>> recorded;
  if (job.level != ExportLevel::System && !step.ids.empty())
    recorded = repo.referencedBy(type, step.ids, supportingTypes());
  if (exportsReferencedOnly(job, "Provenance") && type != "Provenance" && !step.ids.empty())
    for (auto& id : repo.referencingIds("Provenance", "target", type, step.ids,
                                        job.provenance == ProvenanceSelection::Latest))
      recorded.emplace_back("Provenance", std::move(id));
  files.addReferences(job.id, recorded);
  return step;
}

// The type's resources deleted since _since (and by the transaction time), where the export can
// tell (deletionsUnreported); at the Patient and Group level those that, as last written,
// belonged to the job's patients.
Step deletionsStep(fhir::ResourceRepository& repo, const ExportJob& job, const std::string& type,
                   const fhir::Access& access) {
  Step step;
  if (deletionsUnreported(job, type, access)) return step;
  auto ids = repo.deletedIds(type, job.afterId, *job.since, job.transactionTime, kStepResources);
  if (ids.empty()) return step;
  step.lastId = ids.back();
  if (job.level != ExportLevel::System) {
    std::vector<std::string> theirs;
    for (const auto& row : repo.currentOf(type, ids)) {
      auto before = repo.versionAt(type, row.id, row.lastUpdated - 1);
      if (before && !before->deleted && belongsToPatients(job, type, row.id, before->content)) theirs.push_back(row.id);
    }
    ids = std::move(theirs);
  }
  step.ids = std::move(ids);
  for (const auto& id : step.ids) step.bytes += static_cast<int64_t>(deletionLine(type, id).size());
  return step;
}

}  // namespace

ExportRunner::ExportRunner(std::string databaseUrl, std::string publicUrl, ExportSettings settings, int threads,
                           instances::ReplicaRouter& replicas)
    : databaseUrl_(std::move(databaseUrl)), publicUrl_(std::move(publicUrl)), settings_(settings), replicas_(replicas) {
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
      db::SessionScope scope;
      auto& session = db::Session::forThisThread(databaseUrl_);
      if (std::chrono::steady_clock::now() - lastPurge >= kPurgeEvery) {
        lastPurge = std::chrono::steady_clock::now();
        purgeExpired();
      }
      if (auto job = JobStore(session).claim(kLeaseSeconds)) {
        worked = runJob(*job);
      }
    } catch (const std::exception& e) {
      log::error("export runner failed", {{"error", log::redacted(e.what())}});
    }
    if (worked) continue;
    std::unique_lock lock(mutex_);
    wakeUp_.wait_for(lock, kIdleLook, [this] { return stopping_; });
  }
}

bool ExportRunner::runJob(ExportJob& job) {
  auto& control = db::Session::forThisThread(databaseUrl_);
  JobStore store(control);
  auto instance = instances::findInstanceById(control.connection(), job.instanceId);
  if (!instance) {
    store.fail(job, "the instance no longer exists");
    return true;
  }
  // A job writes its files where the instance is; while a move freezes it or once it has moved,
  // the job waits and is taken up again with the new routing.
  const auto stillServedHere = [&] {
    auto now = instances::findInstanceById(control.connection(), job.instanceId);
    return now && !now->writesFrozen() && now->databaseUrl == instance->databaseUrl;
  };
  if (instance->writesFrozen()) {
    store.release(job);
    return false;
  }
  const std::string baseUrl = publicUrl_ + "/" + instance->name + "/fhir";
  const fhir::Access access = accessOf(job);
  auto& data = instances::primarySession(*instance);
  ExportFiles files(data, *instance);
  if (!files.take(job)) return true;
  OpenFile open;
  if (auto written = files.files(job.id); !written.empty() && written.back().seq == job.fileSeq)
    open = {written.back().type, written.back().deletions, written.back().bytes};
  const int types = static_cast<int>(job.types.size());
  try {
    while (job.typeIndex < (job.since ? 2 * types : types)) {
      if (stop_ || !stillServedHere()) {
        store.release(job);
        return true;
      }
      const bool deletions = job.typeIndex >= types;
      const std::string& type = job.types[job.typeIndex % types];
      const std::string readUrl = replicas_.readUrlWaiting(*instance, job.readLsn);
      fhir::ResourceRepository repo(db::Session::forThisThread(readUrl), *instance);
      Step step;
      try {
        step = deletions ? deletionsStep(repo, job, type, access) : resourcesStep(repo, files, job, type, access, baseUrl);
      } catch (const pqxx::broken_connection&) {
        if (readUrl == instance->databaseUrl) throw;
        replicas_.reportDown(readUrl);  // the step is read again, from elsewhere
        continue;
      }
      if (step.lastId.empty()) {
        if (!files.nextType(job) || !store.extendLease(job, kLeaseSeconds)) return true;
        continue;
      }
      const bool newFile = open.type != type || open.deletions != deletions ||
                           open.bytes + step.bytes > settings_.maxFileBytes;
      const ExportFile file{0, type, deletions, 0, 0};
      if (!files.appendChunk(job, file, step.ids, step.bytes, step.lastId, newFile) ||
          !store.extendLease(job, kLeaseSeconds))
        return true;
      if (step.ids.empty()) continue;
      if (newFile) open = {type, deletions, 0};
      open.bytes += step.bytes;
    }
    store.complete(job, settings_.retentionSeconds);
  } catch (const fhir::FhirError& e) {
    store.fail(job, e.what());
  } catch (const pqxx::broken_connection&) {
    throw;  // the database went away: the job waits for its lease to run out, then resumes
  } catch (const std::exception& e) {
    // Anything else may be transient (a statement timeout); a job that keeps failing is given up.
    if (job.attempt >= kMaxAttempts) {
      store.fail(job, std::string("gave up after ") + std::to_string(kMaxAttempts) + " attempts: " + e.what());
      return true;
    }
    throw;
  }
  return true;
}

void ExportRunner::purgeExpired() {
  auto& control = db::Session::forThisThread(databaseUrl_);
  JobStore store(control);
  for (const auto& [instanceId, jobId] : store.expired()) {
    if (auto instance = instances::findInstanceById(control.connection(), instanceId))
      removeExport(control, *instance, jobId);
    else
      store.remove(instanceId, jobId);
  }
}

}  // namespace flint::bulk
