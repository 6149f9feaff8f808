// Sends batches of generated resources to the database on a thread of its own, so generating
// the next batches overlaps PostgreSQL storing this one.
#pragma once

#include <future>
#include <mutex>
#include <optional>
#include <utility>

#include "fhir_resources/storage/bulk_batch.h"
#include "fhir_resources/storage/resource_repository.h"

namespace flint::fhir::seed {

class BackgroundLoader {
 public:
  explicit BackgroundLoader(ResourceRepository& repo) : repo_(repo) {}
  BackgroundLoader(const BackgroundLoader&) = delete;
  BackgroundLoader& operator=(const BackgroundLoader&) = delete;
  // The repository's connection must not be used by two threads at once.
  ~BackgroundLoader() {
    if (loading_.valid()) loading_.wait();
  }

  // Hands `batch` over once the previous one is stored (rethrowing its failure). Generating
  // threads may submit at once; batches are stored one at a time.
  void submit(BulkBatch batch) {
    std::lock_guard lock(mutex_);
    wait();
    batch_.emplace(std::move(batch));
    loading_ = std::async(std::launch::async, [this] { repo_.bulkInsert(*batch_); });
  }

  // Waits for the batch in flight and rethrows its failure.
  void finish() {
    std::lock_guard lock(mutex_);
    wait();
  }

 private:
  void wait() {
    if (loading_.valid()) loading_.get();
  }

  std::mutex mutex_;
  ResourceRepository& repo_;
  std::optional<BulkBatch> batch_;
  std::future<void> loading_;
};

}  // namespace flint::fhir::seed
