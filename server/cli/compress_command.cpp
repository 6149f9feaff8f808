#include <chrono>
#include <iostream>
#include <thread>

#include "core/db/migrations.h"
#include "core/instances/instance_store.h"
#include "fhir_resources/storage/resource_repository.h"
#include "fhir_resources/storage/stored_content.h"
#include "server/cli/commands.h"

namespace flint::server {
namespace {

// About 4 MB of JSON: enough for a 64 KiB dictionary, trained in a fraction of a second.
constexpr int kSampleResources = 4000;
constexpr int kBatch = 500;

// The instance once its newest dictionary is `number` for every server (instance_store.h: ten
// seconds after it was made).
instances::Instance onceWrittenWith(pqxx::connection& control, long long id, uint32_t number) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::minutes(1);
  for (;;) {
    auto instance = instances::findInstanceById(control, id);
    if (!instance) throw std::runtime_error("the instance is gone");
    if (instance->contentDictionaries->forWrites == number) return *instance;
    if (std::chrono::steady_clock::now() > until)
      throw std::runtime_error("another dictionary was made meanwhile; run flint compress again");
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
}

}  // namespace

int compressCommand(const Config& config, const std::vector<std::string>& args) {
  if (args.size() != 2 || args[0] != "--instance") {
    std::cerr << "usage: flint compress --instance NAME\n";
    return 2;
  }
  db::Session session(config.databaseUrl);
  const auto instance = instanceNamed(session, args[1]);
  refuseWhileMoving(session.connection(), instance);
  db::Session data(instance.databaseUrl);
  fhir::TrainedDictionary trained;
  size_t sampled = 0;
  {
    fhir::ResourceRepository repo(data, instance);
    const auto samples = repo.sampleContent(kSampleResources);
    sampled = samples.size();
    try {
      trained = fhir::trainContentDictionary(samples);
    } catch (const std::runtime_error& e) {
      std::cerr << "flint compress: " << sampled << " resources are too few to train a dictionary on (" << e.what()
                << ")\n";
      return 1;
    }
  }
  instances::addContentDictionary(session.connection(), instance.id, trained.number, trained.bytes);
  std::cout << "dictionary " << trained.number << " trained on " << sampled << " resources of " << instance.name
            << "; waiting until every server writes with it" << std::endl;
  const auto current = onceWrittenWith(session.connection(), instance.id, trained.number);
  // Batches of their own transactions, so reads and writes carry on meanwhile.
  fhir::ResourceRepository repo(data, current);
  size_t latest = 0, superseded = 0;
  std::string afterType, afterId;
  for (auto rows = repo.scan("", "", "", kBatch); !rows.empty(); rows = repo.scan("", afterType, afterId, kBatch)) {
    repo.repack(rows, false);
    latest += rows.size();
    afterType = rows.back().type;
    afterId = rows.back().id;
  }
  int64_t afterVersion = 0;
  afterType.clear();
  afterId.clear();
  for (auto rows = repo.scanHistory("", "", 0, kBatch); !rows.empty();
       rows = repo.scanHistory(afterType, afterId, afterVersion, kBatch)) {
    repo.repack(rows, true);
    superseded += rows.size();
    afterType = rows.back().type;
    afterId = rows.back().id;
    afterVersion = rows.back().versionId;
  }
  std::cout << "stored " << latest << " current and " << superseded << " superseded versions of " << instance.name
            << " compressed with dictionary " << trained.number << "\n";
  return 0;
}

}  // namespace flint::server
