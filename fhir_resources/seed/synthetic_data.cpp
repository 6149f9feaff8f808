#include "fhir_resources/seed/synthetic_data.h"

#include <array>
#include <cstdio>
#include <stdexcept>
#include <vector>

#include "core/json/json_value.h"
#include "fhir_resources/rest/instant.h"
#include "fhir_resources/service/stored_form.h"
#include "fhir_resources/storage/resource_repository.h"

namespace flint::fhir {
namespace {

using json::Value;

// splitmix64: small, fast and the same on every platform, which is what determinism needs.
class Random {
 public:
  explicit Random(uint64_t seed) : state_(seed) {}
  uint64_t next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  int between(int low, int high) { return low + static_cast<int>(next() % uint64_t(high - low + 1)); }
  template <typename T, size_t N>
  const T& pick(const std::array<T, N>& items) { return items[next() % N]; }
  std::string uuid() {
    uint64_t a = next(), b = next();
    char buf[40];
    std::snprintf(buf, sizeof buf, "%08x-%04x-4%03x-%04x-%012llx", unsigned(a >> 32), unsigned((a >> 16) & 0xFFFF),
                  unsigned(a & 0xFFF), unsigned(0x8000 | (b >> 48 & 0x3FFF)),
                  static_cast<unsigned long long>(b & 0xFFFFFFFFFFFFull));
    return buf;
  }

 private:
  uint64_t state_;
};

Value str(const std::string& s) { return Value::string(s); }
Value num(const std::string& lexeme) { return Value::number(lexeme); }
Value obj(std::initializer_list<std::pair<const char*, Value>> members) {
  Value o = Value::object();
  for (const auto& [k, v] : members) o.set(k, v);
  return o;
}
Value arr(std::initializer_list<Value> items) {
  Value a = Value::array();
  for (const auto& v : items) a.push(v);
  return a;
}
Value coding(const char* system, const std::string& code, const std::string& display) {
  return obj({{"system", str(system)}, {"code", str(code)}, {"display", str(display)}});
}
Value codeableConcept(const char* system, const std::string& code, const std::string& display) {
  return obj({{"coding", arr({coding(system, code, display)})}, {"text", str(display)}});
}
Value ref(const std::string& type, const std::string& id) { return obj({{"reference", str(type + "/" + id)}}); }

const char* kLoinc = "http://loinc.org";
const char* kSnomed = "http://snomed.info/sct";
const char* kIcd10 = "http://hl7.org/fhir/sid/icd-10-cm";

struct Code {
  const char* code;
  const char* display;
};
struct Vital {
  Code loinc;
  const char* unit;
  int low, high;  // tenths
};
struct Diagnosis {
  Code snomed;
  Code icd10;
};

const std::array<const char*, 12> kFamily = {"Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia",
                                             "Miller", "Davis", "Rodriguez", "Martinez", "Nguyen", "Okafor"};
const std::array<const char*, 12> kGivenFemale = {"Mary", "Patricia", "Jennifer", "Linda", "Elizabeth", "Aisha",
                                                  "Sofia", "Mei", "Fatima", "Grace", "Olivia", "Ana"};
const std::array<const char*, 12> kGivenMale = {"James", "Robert", "John", "Michael", "David", "Omar",
                                                "Luis", "Wei", "Kwame", "Daniel", "Noah", "Mateo"};
const std::array<const char*, 6> kCities = {"Springfield", "Riverside", "Fairview", "Madison", "Georgetown", "Salem"};
const std::array<const char*, 6> kStates = {"MA", "CA", "TX", "NY", "WA", "IL"};
const std::array<Vital, 6> kVitals = {{
    {{"8867-4", "Heart rate"}, "/min", 550, 1100},
    {{"8310-5", "Body temperature"}, "Cel", 361, 381},
    {{"29463-7", "Body weight"}, "kg", 450, 1200},
    {{"8302-2", "Body height"}, "cm", 1500, 1950},
    {{"9279-1", "Respiratory rate"}, "/min", 120, 200},
    {{"59408-5", "Oxygen saturation in Arterial blood by Pulse oximetry"}, "%", 920, 1000},
}};
const std::array<Diagnosis, 6> kDiagnoses = {{
    {{"44054006", "Diabetes mellitus type 2"}, {"E11.9", "Type 2 diabetes mellitus without complications"}},
    {{"38341003", "Hypertensive disorder"}, {"I10", "Essential (primary) hypertension"}},
    {{"195967001", "Asthma"}, {"J45.909", "Unspecified asthma, uncomplicated"}},
    {{"55822004", "Hyperlipidemia"}, {"E78.5", "Hyperlipidemia, unspecified"}},
    {{"35489007", "Depressive disorder"}, {"F32.9", "Major depressive disorder, single episode, unspecified"}},
    {{"69896004", "Rheumatoid arthritis"}, {"M06.9", "Rheumatoid arthritis, unspecified"}},
}};

std::string tenths(int v) {
  std::string s = std::to_string(v / 10) + "." + std::to_string(v % 10);
  return s;
}

std::string date(int year, int month, int day) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", year, month, day);
  return buf;
}

// A 10-digit NPI with a valid Luhn check digit (computed over the 80840 prefix, per CMS).
std::string npi(Random& rnd) {
  std::string digits = std::to_string(rnd.between(100000000, 199999999));
  std::string full = "80840" + digits;
  int sum = 0;
  for (int i = static_cast<int>(full.size()) - 1, pos = 0; i >= 0; --i, ++pos) {
    int d = full[i] - '0';
    if (pos % 2 == 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return digits + std::to_string((10 - sum % 10) % 10);
}

class Generator {
 public:
  Generator(ResourceRepository& repo, const SeedOptions& options) : repo_(repo), rnd_(options.seed) {}

  SeedSummary run(int patients) {
    std::vector<std::string> organizations, practitioners;
    for (int i = 0; i < 2; ++i) organizations.push_back(organization(i));
    for (int i = 0; i < std::max(2, patients / 10); ++i) practitioners.push_back(practitioner());
    for (int i = 0; i < patients; ++i) patient(organizations[i % 2], practitioners[rnd_.next() % practitioners.size()]);
    flush();
    return summary_;
  }

 private:
  std::string add(const std::string& type, Value resource) {
    ResourceRow row{type, rnd_.uuid(), 1, nowMillis(), false, "POST", ""};
    row.content = storedForm(resource, row.id, row.versionId, row.lastUpdated);
    pendingIndex_.push_back(extractIndexRows(resource));
    summary_.byType[type]++;
    summary_.resources++;
    std::string id = row.id;
    pending_.push_back(std::move(row));
    if (pending_.size() >= 20000) flush();
    return id;
  }

  void flush() {
    if (pending_.empty()) return;
    repo_.bulkInsert(pending_, pendingIndex_);
    pending_.clear();
    pendingIndex_.clear();
  }

  Value address() {
    return obj({{"use", str("home")},
                {"line", arr({str(std::to_string(rnd_.between(1, 9999)) + " " + rnd_.pick(kFamily) + " Street")})},
                {"city", str(rnd_.pick(kCities))},
                {"state", str(rnd_.pick(kStates))},
                {"postalCode", str(std::to_string(rnd_.between(10000, 99999)))},
                {"country", str("US")}});
  }

  std::string organization(int index) {
    const char* names[] = {"Riverside Family Practice", "Fairview Community Clinic"};
    return add("Organization",
               obj({{"resourceType", str("Organization")},
                    {"identifier", arr({obj({{"system", str("http://hl7.org/fhir/sid/us-npi")}, {"value", str(npi(rnd_))}})})},
                    {"active", Value::boolean(true)},
                    {"type", arr({codeableConcept("http://terminology.hl7.org/CodeSystem/organization-type", "prov",
                                          "Healthcare Provider")})},
                    {"name", str(names[index])},
                    {"telecom", arr({obj({{"system", str("phone")}, {"value", str("555-010" + std::to_string(index))}})})},
                    {"address", arr({address()})}}));
  }

  std::string practitioner() {
    bool female = rnd_.next() % 2 == 0;
    return add("Practitioner",
               obj({{"resourceType", str("Practitioner")},
                    {"identifier", arr({obj({{"system", str("http://hl7.org/fhir/sid/us-npi")}, {"value", str(npi(rnd_))}})})},
                    {"active", Value::boolean(true)},
                    {"name", arr({obj({{"family", str(rnd_.pick(kFamily))},
                                       {"given", arr({str(female ? rnd_.pick(kGivenFemale) : rnd_.pick(kGivenMale))})},
                                       {"prefix", arr({str("Dr.")})}})})},
                    {"gender", str(female ? "female" : "male")},
                    {"address", arr({address()})}}));
  }

  void patient(const std::string& organizationId, const std::string& practitionerId) {
    bool female = rnd_.next() % 2 == 0;
    int birthYear = rnd_.between(1935, 2020);
    std::string mrn = std::to_string(rnd_.between(1000000, 9999999));
    std::string patientId = add(
        "Patient",
        obj({{"resourceType", str("Patient")},
             {"identifier", arr({obj({{"use", str("usual")},
                                      {"type", codeableConcept("http://terminology.hl7.org/CodeSystem/v2-0203", "MR",
                                                       "Medical Record Number")},
                                      {"system", str("urn:oid:2.16.840.1.113883.19.5")},
                                      {"value", str(mrn)}})})},
             {"active", Value::boolean(true)},
             {"name", arr({obj({{"use", str("official")},
                                {"family", str(rnd_.pick(kFamily))},
                                {"given", arr({str(female ? rnd_.pick(kGivenFemale) : rnd_.pick(kGivenMale))})}})})},
             {"telecom", arr({obj({{"system", str("phone")},
                                   {"value", str("555-" + std::to_string(rnd_.between(1000, 9999)))},
                                   {"use", str("home")}})})},
             {"gender", str(female ? "female" : "male")},
             {"birthDate", str(date(birthYear, rnd_.between(1, 12), rnd_.between(1, 28)))},
             {"address", arr({address()})},
             {"generalPractitioner", arr({ref("Practitioner", practitionerId)})},
             {"managingOrganization", ref("Organization", organizationId)}}));

    int conditions = rnd_.between(0, 3);
    for (int i = 0; i < conditions; ++i) {
      const auto& dx = rnd_.pick(kDiagnoses);
      Value code = obj({{"coding", arr({coding(kSnomed, dx.snomed.code, dx.snomed.display),
                                        coding(kIcd10, dx.icd10.code, dx.icd10.display)})},
                        {"text", str(dx.snomed.display)}});
      add("Condition",
          obj({{"resourceType", str("Condition")},
               {"clinicalStatus", codeableConcept("http://terminology.hl7.org/CodeSystem/condition-clinical", "active", "Active")},
               {"verificationStatus",
                codeableConcept("http://terminology.hl7.org/CodeSystem/condition-ver-status", "confirmed", "Confirmed")},
               {"category", arr({codeableConcept("http://terminology.hl7.org/CodeSystem/condition-category",
                                         "problem-list-item", "Problem List Item")})},
               {"code", code},
               {"subject", ref("Patient", patientId)},
               {"onsetDateTime", str(date(rnd_.between(std::max(birthYear, 2000), 2025), rnd_.between(1, 12),
                                          rnd_.between(1, 28)))},
               {"recorder", ref("Practitioner", practitionerId)}}));
    }

    int encounters = rnd_.between(1, 3);
    for (int e = 0; e < encounters; ++e) {
      std::string day = date(rnd_.between(2022, 2025), rnd_.between(1, 12), rnd_.between(1, 28));
      std::string start = day + "T" + (rnd_.next() % 2 ? "09" : "14") + ":00:00Z";
      std::string end = day + "T" + (start[11] == '0' ? "09" : "14") + ":30:00Z";
      std::string encounterId = add(
          "Encounter",
          obj({{"resourceType", str("Encounter")},
               {"status", str("finished")},
               {"class", coding("http://terminology.hl7.org/CodeSystem/v3-ActCode", "AMB", "ambulatory")},
               {"type", arr({codeableConcept(kSnomed, "185349003", "Encounter for check up")})},
               {"subject", ref("Patient", patientId)},
               {"participant", arr({obj({{"individual", ref("Practitioner", practitionerId)}})})},
               {"period", obj({{"start", str(start)}, {"end", str(end)}})},
               {"serviceProvider", ref("Organization", organizationId)}}));
      for (const auto& vital : kVitals) {
        Value category = arr({codeableConcept("http://terminology.hl7.org/CodeSystem/observation-category", "vital-signs",
                                      "Vital Signs")});
        add("Observation",
            obj({{"resourceType", str("Observation")},
                 {"status", str("final")},
                 {"category", category},
                 {"code", codeableConcept(kLoinc, vital.loinc.code, vital.loinc.display)},
                 {"subject", ref("Patient", patientId)},
                 {"encounter", ref("Encounter", encounterId)},
                 {"effectiveDateTime", str(start)},
                 {"valueQuantity", obj({{"value", num(tenths(rnd_.between(vital.low, vital.high)))},
                                        {"unit", str(vital.unit)},
                                        {"system", str("http://unitsofmeasure.org")},
                                        {"code", str(vital.unit)}})}}));
      }
    }
  }

  ResourceRepository& repo_;
  Random rnd_;
  std::vector<ResourceRow> pending_;
  std::vector<IndexRows> pendingIndex_;
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
  tx.commit();
  return summary;
}

}  // namespace flint::fhir
