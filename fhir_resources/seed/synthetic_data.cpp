#include "fhir_resources/seed/synthetic_data.h"

#include <stdexcept>
#include <utility>
#include <vector>

#include "core/json/json_value.h"
#include "fhir_resources/rest/instant.h"
#include "fhir_resources/seed/background_loader.h"
#include "fhir_resources/seed/fhir_builders.h"
#include "fhir_resources/seed/patient_record.h"
#include "fhir_resources/seed/practice.h"
#include "fhir_resources/service/stored_form.h"
#include "fhir_resources/storage/bulk_batch.h"
#include "fhir_resources/storage/resource_repository.h"

namespace flint::fhir {
namespace {

using json::Value;
using namespace seed;

// Generates the practice, each patient's record with a Provenance naming all of it, and Groups
// of patients, loading them through the repository's bulk path in batches while it goes on.
class Generator : public ResourceSink {
 public:
  Generator(ResourceRepository& repo, const SeedOptions& options) : rnd_(options.seed), loader_(repo) {}

  SeedSummary run(int patients) {
    const Practice practice = generatePractice(*this, rnd_, patients);
    std::vector<std::vector<std::string>> byOrganization(practice.organizations.size());
    std::vector<std::string> firstFew;
    for (int i = 0; i < patients; ++i) {
      PatientRecord record = generatePatientRecord(*this, rnd_, practice, i);
      provenance(record, practice.practitioners.front(), practice.organizations[i % practice.organizations.size()]);
      byOrganization[i % practice.organizations.size()].push_back(record.patientId);
      if (i < 5) firstFew.push_back(record.patientId);
      if (i == 0) summary_.firstPatientId = record.patientId;
    }
    for (size_t o = 0; o < byOrganization.size(); ++o)
      group("Patients of organization " + std::to_string(o + 1), practice.organizations[o], byOrganization[o]);
    group("First five patients", practice.organizations.front(), firstFew);
    flush();
    return summary_;
  }

  std::string add(const std::string& type, Value resource) override {
    ResourceRow row{type, rnd_.uuid(), 1, nowMillis(), false, "POST", "", {}};
    IndexRows index = extractIndexRows(resource);
    row.content = storedForm(resource, row.id, row.versionId, row.lastUpdated);
    batch_.add(row, index);
    summary_.byType[type]++;
    summary_.resources++;
    if (batch_.resources() >= 5000) loader_.submit(std::exchange(batch_, BulkBatch()));
    return row.id;
  }

 private:
  void flush() {
    if (batch_.resources() > 0) loader_.submit(std::exchange(batch_, BulkBatch()));
    loader_.finish();
  }

  // US Core Provenance: who authored the patient's record, on whose behalf.
  void provenance(const PatientRecord& record, const std::string& author, const std::string& organization) {
    Value targets = Value::array();
    for (const auto& r : record.references) targets.push(obj({{"reference", str(r)}}));
    Value r = resource("Provenance", "us-core-provenance");
    r.set("target", std::move(targets));
    r.set("recorded", str("2025-01-01T00:00:00Z"));
    r.set("agent", arr({obj({{"type", codeable("http://terminology.hl7.org/CodeSystem/provenance-participant-type", "author",
                                              "Author")},
                             {"who", ref("Practitioner", author)},
                             {"onBehalfOf", ref("Organization", organization)}})}));
    add("Provenance", std::move(r));
  }

  void group(const std::string& name, const std::string& organization, const std::vector<std::string>& patients) {
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
    add("Group", std::move(r));
  }

  Random rnd_;
  BulkBatch batch_;
  BackgroundLoader loader_;
  SeedSummary summary_;
};

}  // namespace

SeedSummary seedInstance(db::Session& session, const instances::Instance& instance, const SeedOptions& options) {
  if (options.patients < 0) throw std::runtime_error("--patients must not be negative");
  ResourceRepository repo(session, instance);
  HistoryQuery any;
  any.limit = 1;
  if (!repo.history(any).empty())
    throw std::runtime_error("instance '" + instance.name + "' already holds resources; seed a new instance");
  // All or nothing, and fast: one transaction, with the secondary indexes built once at the end.
  db::Transaction tx(session);
  auto indexes = repo.dropSecondaryIndexes();
  SeedSummary summary = Generator(repo, options).run(options.patients);
  repo.createIndexes(indexes);
  repo.analyze();
  tx.commit();
  return summary;
}

}  // namespace flint::fhir
