#include "fhir_resources/seed/synthetic_data.h"

#include <algorithm>
#include <atomic>
#include <exception>
#include <future>
#include <memory>
#include <stdexcept>
#include <utility>
#include <vector>

#include "core/json/json_value.h"
#include "core/system/available_cpus.h"
#include "fhir_resources/rest/instant.h"
#include "fhir_resources/seed/background_loader.h"
#include "fhir_resources/seed/fhir_builders.h"
#include "fhir_resources/seed/patient_record.h"
#include "fhir_resources/seed/practice.h"
#include "fhir_resources/service/stored_form.h"
#include "fhir_resources/storage/bulk_batch.h"
#include "fhir_resources/storage/bulk_load.h"
#include "fhir_resources/storage/resource_number.h"
#include "core/instances/instance_store.h"
#include "fhir_resources/storage/resource_repository.h"
#include "fhir_resources/storage/stored_content.h"

namespace flint::fhir {
namespace {

using json::Value;
using namespace seed;

constexpr size_t kBatchResources = 5000;

// Turns generated resources into rows for the bulk path, in batches handed to the loader; one
// per generating thread.
class BatchSink : public ResourceSink {
 public:
  // `numbers`: the sequence part of the next resource's number, shared by the sinks of one load.
  BatchSink(BackgroundLoader& loader, std::atomic<int64_t>& numbers,
            std::shared_ptr<const instances::ContentDictionaries> dictionaries)
      : loader_(loader), numbers_(numbers), dictionaries_(dictionaries), batch_(std::move(dictionaries)) {}
  BatchSink(const BatchSink&) = delete;
  BatchSink& operator=(const BatchSink&) = delete;

  // The stream new ids come from: that of the record being generated.
  void drawIdsFrom(Random& random) { random_ = &random; }

  std::string add(const std::string& type, Value resource) override {
    ResourceRow row{type, random_->uuid(), 1, nowMillis(), false, "POST", "", {}};
    IndexRows index = extractIndexRows(resource);
    row.content = storedForm(resource, row.id, row.versionId, row.lastUpdated);
    batch_.add(row, index, resourceNumber(patientPart(type, row.id, index), numbers_.fetch_add(1)));
    summary_.byType[type]++;
    summary_.resources++;
    if (batch_.resources() >= kBatchResources) loader_.submit(std::exchange(batch_, BulkBatch::sizedLike(batch_)));
    return row.id;
  }

  // Hands over what is left and returns what this sink stored.
  SeedSummary finish() {
    if (batch_.resources() > 0) loader_.submit(std::exchange(batch_, BulkBatch(dictionaries_)));
    return summary_;
  }

 private:
  BackgroundLoader& loader_;
  std::atomic<int64_t>& numbers_;
  Random* random_ = nullptr;
  std::shared_ptr<const instances::ContentDictionaries> dictionaries_;
  BulkBatch batch_;
  SeedSummary summary_;
};

// Keeps each resource's JSON as it would be stored.
class SampleSink : public ResourceSink {
 public:
  explicit SampleSink(Random& ids) : ids_(ids) {}
  std::string add(const std::string& type, Value resource) override {
    std::string id = ids_.uuid();
    samples.push_back(storedForm(resource, id, 1, nowMillis()));
    return id;
  }
  std::vector<std::string> samples;

 private:
  Random& ids_;
};

// US Core Provenance: who authored the patient's record, on whose behalf, and who sent it.
void provenance(ResourceSink& sink, const PatientRecord& record, const std::string& author,
                const std::string& organization) {
  Value targets = Value::array();
  for (const auto& r : record.references) targets.push(obj({{"reference", str(r)}}));
  Value r = resource("Provenance", "us-core-provenance");
  r.set("target", std::move(targets));
  r.set("recorded", str("2025-01-01T00:00:00Z"));
  r.set("agent", arr({obj({{"type", codeable("http://terminology.hl7.org/CodeSystem/provenance-participant-type", "author",
                                            "Author")},
                           {"who", ref("Practitioner", author)},
                           {"onBehalfOf", ref("Organization", organization)}}),
                      obj({{"type", codeable("http://hl7.org/fhir/us/core/CodeSystem/us-core-provenance-participant-type",
                                             "transmitter", "Transmitter")},
                           {"who", ref("Organization", organization)}})}));
  sink.add("Provenance", std::move(r));
}

void group(ResourceSink& sink, const std::string& name, const std::string& organization,
           const std::vector<std::string>& patients) {
  if (patients.empty()) return;
  Value members = Value::array();
  for (const auto& id : patients) members.push(obj({{"entity", ref("Patient", id)}}));
  Value r = resource("Group");
  r.set("identifier", arr({obj({{"system", str("urn:flint:seed:group")}, {"value", str(name)}})}));
  r.set("active", boolean(true));
  r.set("type", str("person"));
  r.set("actual", boolean(true));
  r.set("name", str(name));
  r.set("quantity", Value::number(static_cast<int64_t>(patients.size())));
  r.set("managingEntity", ref("Organization", organization));
  r.set("member", std::move(members));
  sink.add("Group", std::move(r));
}

// The `index`th patient's record and the Provenance naming all of it; returns the patient's id.
std::string recordWithProvenance(ResourceSink& sink, Random& random, const Practice& practice, int index) {
  PatientRecord record = generatePatientRecord(sink, random, practice, index);
  provenance(sink, record, practice.practitioners.front(), practice.organizations[index % practice.organizations.size()]);
  return record.patientId;
}

// A Group of each organization's patients, and one of the first five.
void groups(ResourceSink& sink, const Practice& practice, const std::vector<std::string>& patientIds) {
  std::vector<std::vector<std::string>> byOrganization(practice.organizations.size());
  for (size_t i = 0; i < patientIds.size(); ++i) byOrganization[i % byOrganization.size()].push_back(patientIds[i]);
  for (size_t o = 0; o < byOrganization.size(); ++o)
    group(sink, "Patients of organization " + std::to_string(o + 1), practice.organizations[o], byOrganization[o]);
  group(sink, "First five patients", practice.organizations.front(),
        std::vector<std::string>(patientIds.begin(), patientIds.begin() + std::min<size_t>(patientIds.size(), 5)));
}

void merge(SeedSummary& into, const SeedSummary& part) {
  into.resources += part.resources;
  for (const auto& [type, count] : part.byType) into.byType[type] += count;
}

// Generates the practice, each patient's record with a Provenance naming all of it, and Groups
// of patients, loading them through the repository's bulk path while it goes on. Each patient's
// record is drawn from a stream of its own (seed and index), so several threads can generate
// records and the data set is still the same for the same seed.
class Generator {
 public:
  Generator(ResourceRepository& repo, const SeedOptions& options,
            std::shared_ptr<const instances::ContentDictionaries> dictionaries)
      : seed_(options.seed), dictionaries_(std::move(dictionaries)), loader_(repo) {}

  SeedSummary run(int patients) {
    BatchSink shared(loader_, numbers_, dictionaries_);
    Random practiceRandom = Random::stream(seed_, 0);
    shared.drawIdsFrom(practiceRandom);
    const Practice practice = generatePractice(shared, practiceRandom, patients);
    std::vector<std::string> patientIds(patients);
    const int threads = std::clamp(static_cast<int>(system::availableCpus()), 1, 4);
    std::vector<std::future<SeedSummary>> parts;
    for (int t = 0; t < std::min(threads, std::max(patients, 1)); ++t)
      parts.push_back(std::async(std::launch::async, [&, t] {
        BatchSink sink(loader_, numbers_, dictionaries_);
        for (int i = t; i < patients; i += threads) {
          Random random = Random::stream(seed_, uint64_t(i) + 1);
          sink.drawIdsFrom(random);
          patientIds[i] = recordWithProvenance(sink, random, practice, i);
        }
        return sink.finish();
      }));
    SeedSummary summary;
    // Every thread is waited for before the first failure is rethrown: they share the loader.
    std::exception_ptr failure;
    for (auto& part : parts) {
      try {
        merge(summary, part.get());
      } catch (...) {
        if (!failure) failure = std::current_exception();
      }
    }
    if (failure) std::rethrow_exception(failure);
    groups(shared, practice, patientIds);
    merge(summary, shared.finish());
    loader_.finish();
    if (patients > 0) summary.firstPatientId = patientIds.front();
    return summary;
  }

 private:
  uint64_t seed_;
  std::shared_ptr<const instances::ContentDictionaries> dictionaries_;
  BackgroundLoader loader_;
  // The load fills an empty instance's copies, so numbering starts over; the swap moves the
  // instance's sequence past it (BulkLoad::swapIn).
  std::atomic<int64_t> numbers_{1};
};

}  // namespace

void generateDataSet(ResourceSink& sink, const SeedOptions& options) {
  Random practiceRandom = Random::stream(options.seed, 0);
  const Practice practice = generatePractice(sink, practiceRandom, options.patients);
  std::vector<std::string> patientIds;
  for (int i = 0; i < options.patients; ++i) {
    Random random = Random::stream(options.seed, uint64_t(i) + 1);
    patientIds.push_back(recordWithProvenance(sink, random, practice, i));
  }
  groups(sink, practice, patientIds);
}

instances::Instance withSeedDictionary(pqxx::connection& control, const instances::Instance& instance,
                                       const SeedOptions& options) {
  // 30 patients' records are some 3 MB of JSON: enough for a dictionary, trained in a fraction of a second.
  SeedOptions sample = options;
  sample.patients = std::min(options.patients, 30);
  sample.seed = ~options.seed;
  Random ids = Random::stream(sample.seed, 0);
  SampleSink sink(ids);
  generateDataSet(sink, sample);
  TrainedDictionary trained;
  try {
    trained = trainContentDictionary(sink.samples);
  } catch (const std::runtime_error&) {
    return instance;
  }
  instances::addContentDictionary(control, instance.id, trained.number, trained.bytes);
  auto dictionaries = std::make_shared<instances::ContentDictionaries>(*instance.contentDictionaries);
  dictionaries->byNumber.emplace(trained.number, std::make_shared<const std::string>(std::move(trained.bytes)));
  dictionaries->forWrites = trained.number;
  instances::Instance out = instance;
  out.contentDictionaries = std::move(dictionaries);
  return out;
}

SeedSummary seedInstance(const std::string& databaseUrl, db::Session& session, const instances::Instance& instance,
                         const SeedOptions& options) {
  if (options.patients < 0) throw std::runtime_error("--patients must not be negative");
  ResourceRepository repo(session, instance);
  HistoryQuery any;
  any.limit = 1;
  if (!repo.history(any).empty())
    throw std::runtime_error("instance '" + instance.name + "' already holds resources; seed a new instance");
  // All or nothing, and fast: the rows go into copies of the tables without indexes, which are
  // built once at the end (far cheaper than maintaining them row by row), then swapped in.
  BulkLoad load(session, instance);
  SeedSummary summary;
  {
    db::Transaction tx(session);
    load.createTables();
    ResourceRepository staged(session, load.staged());
    summary = Generator(staged, options, instance.contentDictionaries).run(options.patients);
    tx.commit();
  }
  std::vector<std::unique_ptr<db::Session>> more;
  std::vector<db::Session*> builders{&session};
  while (builders.size() < std::clamp<size_t>(system::availableCpus(), 2, 4))
    builders.push_back(more.emplace_back(std::make_unique<db::Session>(databaseUrl)).get());
  load.buildIndexes(builders);
  load.swapIn();
  return summary;
}

}  // namespace flint::fhir
