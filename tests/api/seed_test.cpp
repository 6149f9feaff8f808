// `flint seed`: deterministic synthetic data that the FHIR API serves.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <regex>
#include <set>
#include <thread>

#include "tests/support/flint_server.h"

using namespace flint::testing;
using nlohmann::json;

namespace {

const char* const kSeededTypes[] = {
    "AllergyIntolerance", "Binary", "CarePlan", "CareTeam", "Condition", "Coverage", "Device", "DiagnosticReport",
    "DocumentReference", "Encounter", "Endpoint", "Goal", "Group", "Immunization", "Location", "Media", "Medication",
    "MedicationDispense", "MedicationRequest", "Observation", "Organization", "Patient", "Practitioner",
    "PractitionerRole", "Procedure", "Provenance", "QuestionnaireResponse", "RelatedPerson", "ServiceRequest", "Specimen"};

// Every "reference" string anywhere in `value`.
void collectReferences(const json& value, std::vector<std::string>& out) {
  if (value.is_object()) {
    for (const auto& [key, v] : value.items()) {
      if (key == "reference" && v.is_string()) out.push_back(v);
      else collectReferences(v, out);
    }
  } else if (value.is_array()) {
    for (const auto& v : value) collectReferences(v, out);
  }
}

std::set<std::string> codesOf(const json& codeable) {
  std::set<std::string> out;
  for (const auto& c : codeable.value("coding", json::array())) out.insert(c.value("code", ""));
  return out;
}

// All resources of an instance by type/id, with meta.lastUpdated removed (the only field that
// depends on when the seed ran).
std::map<std::string, json> snapshot(const std::string& inst) {
  auto c = client();
  std::map<std::string, json> out;
  for (const char* type : kSeededTypes) {
    for (auto e : entriesOf(followPages(c, "/" + inst + "/fhir/" + type + "?_count=1000"))) {
      e["resource"]["meta"].erase("lastUpdated");
      out[std::string(type) + "/" + e["resource"]["id"].get<std::string>()] = e["resource"];
    }
  }
  return out;
}

std::string schemaOf(const std::string& instance) {
  return trimmed(psql(databaseUrl(), "SELECT schema_name FROM flint.instances WHERE name = '" + instance + "'"));
}

// An instance schema's tables, columns, indexes, constraints and statistics objects, with the
// schema's name left out, one per line.
std::string catalogOf(const std::string& schema) {
  const std::string s = "'" + schema + "'";
  const std::string unnamed = "replace(%s, " + s + " || '.', 'S.')";
  auto strip = [&](const std::string& e) { return std::regex_replace(unnamed, std::regex("%s"), e); };
  return psql(databaseUrl(),
              "SELECT 'index ' || " + strip("indexdef") + " FROM pg_indexes WHERE schemaname = " + s +
                  " UNION ALL SELECT 'constraint ' || t.relname || ' ' || c.conname || ' ' || " +
                  strip("pg_get_constraintdef(c.oid)") +
                  " FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid WHERE t.relnamespace = " + s +
                  "::regnamespace UNION ALL SELECT 'statistics ' || " + strip("pg_get_statisticsobjdef(x.oid)") +
                  " || ' target ' || x.stxstattarget::text FROM pg_statistic_ext x WHERE x.stxnamespace = " + s +
                  "::regnamespace UNION ALL SELECT 'column ' || c.relname || '.' || a.attname || ' ' ||"
                  " format_type(a.atttypid, a.atttypmod) || ' ' || a.attnotnull::text || ' ' ||"
                  " coalesce(a.attcompression::text, '') || ' ' || a.attcollation::regcollation::text || ' ' ||"
                  " a.attstattarget::text || ' ' ||"
                  " coalesce(" + strip("pg_get_expr(d.adbin, d.adrelid)") + ", '')"
                  " FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid LEFT JOIN pg_attrdef d"
                  " ON d.adrelid = a.attrelid AND d.adnum = a.attnum WHERE c.relnamespace = " + s +
                  "::regnamespace AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped"
                  " UNION ALL SELECT 'relation ' || relname || ' ' || relkind::text || ' ' ||"
                  " coalesce(array_to_string(reloptions, ','), '') FROM pg_class WHERE relnamespace = " + s +
                  "::regnamespace ORDER BY 1");
}

// A psql session held open, to keep a lock or a transaction while flint runs.
class OpenPsql {
 public:
  OpenPsql() : p_(popen(("psql '" + databaseUrl() + "' -qtAX -v ON_ERROR_STOP=1 >/dev/null 2>&1").c_str(), "w")) {}
  ~OpenPsql() { close(); }
  void send(const std::string& sql) {
    fputs((sql + "\n").c_str(), p_);
    fflush(p_);
  }
  void close() {
    if (p_ != nullptr) pclose(p_);
    p_ = nullptr;
  }

 private:
  FILE* p_;
};

// Waits (up to 30 s) until `sql` answers `expected`.
bool eventually(const std::string& sql, const std::string& expected) {
  for (int i = 0; i < 300; ++i) {
    if (trimmed(psql(databaseUrl(), sql)) == expected) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

}  // namespace

TEST(Seed, IsDeterministicAndServedByTheApi) {
  std::string a = createInstance("seed-a");
  std::string b = createInstance("seed-b");
  std::string out;
  ASSERT_EQ(runFlint({"seed", "--instance", a, "--patients", "12", "--seed", "7"}, &out), 0) << out;
  EXPECT_NE(out.find("Patient=12"), std::string::npos) << out;
  ASSERT_EQ(runFlint({"seed", "--instance", b, "--patients", "12", "--seed", "7"}, &out), 0) << out;
  EXPECT_NE(out.find("demo login demo-patient / demo-patient-password (Patient/"), std::string::npos) << out;
  EXPECT_NE(out.find("demo login demo-clinician / demo-clinician-password (Practitioner/"), std::string::npos) << out;
  auto sa = snapshot(a);
  auto sb = snapshot(b);
  EXPECT_EQ(sa, sb);
  size_t patients = 0;
  std::set<std::string> profiles, noteTypes, reportCategories, screeningCategories, conditionCategories, documentUrls,
      reportUrls;
  bool dataAbsentExtension = false, dataAbsentCoding = false;
  std::set<std::string> provenanceTargets;
  for (const auto& [key, resource] : sa) {
    const std::string type = resource["resourceType"];
    // Everything US Core profiles claims its profile; every reference resolves.
    if (type != "Binary" && type != "Group" && type != "Endpoint" && type != "Media") {
      ASSERT_TRUE(resource["meta"].contains("profile")) << key;
      const std::string profile = resource["meta"]["profile"][0];
      EXPECT_EQ(profile.rfind("http://hl7.org/fhir/us/core/StructureDefinition/", 0), 0u) << key;
      profiles.insert(profile.substr(profile.rfind('/') + 1));
    }
    std::vector<std::string> references;
    collectReferences(resource, references);
    for (const auto& r : references) EXPECT_TRUE(sa.count(r)) << key << ": dangling reference " << r;
    if (type == "Patient") {
      ++patients;
      EXPECT_TRUE(resource["gender"] == "male" || resource["gender"] == "female");
      EXPECT_TRUE(std::regex_match(resource["birthDate"].get<std::string>(), std::regex(R"(\d{4}-\d\d-\d\d)")));
    }
    if (type == "DocumentReference") {
      for (const auto& c : codesOf(resource["type"])) noteTypes.insert(c);
      documentUrls.insert(resource["subject"]["reference"].get<std::string>() + " " +
                          resource["content"][0]["attachment"]["url"].get<std::string>());
    }
    if (type == "DiagnosticReport" && resource.contains("presentedForm")) {
      for (const auto& c : codesOf(resource["category"][0])) reportCategories.insert(c);
      reportUrls.insert(resource["subject"]["reference"].get<std::string>() + " " +
                        resource["presentedForm"][0]["url"].get<std::string>());
    }
    if (type == "Observation" && codesOf(resource["category"][0]).count("survey"))
      for (const auto& cat : resource["category"])
        for (const auto& c : codesOf(cat)) screeningCategories.insert(c);
    if (type == "Condition")
      for (const auto& cat : resource["category"])
        for (const auto& c : codesOf(cat)) conditionCategories.insert(c);
    if (type == "Provenance")
      for (const auto& t : resource["target"]) provenanceTargets.insert(t["reference"]);
    const std::string text = resource.dump();
    dataAbsentExtension |= text.find("http://hl7.org/fhir/StructureDefinition/data-absent-reason") != std::string::npos;
    if (type == "AllergyIntolerance")
      dataAbsentCoding |= resource["code"]["coding"][0] ==
                          json{{"system", "http://terminology.hl7.org/CodeSystem/data-absent-reason"}, {"code", "unknown"},
                               {"display", "Unknown"}};
  }
  EXPECT_EQ(patients, 12u);
  for (const char* p : {"us-core-patient", "us-core-encounter", "us-core-condition-encounter-diagnosis",
                        "us-core-condition-problems-health-concerns", "us-core-blood-pressure", "us-core-bmi",
                        "us-core-body-height", "us-core-body-temperature", "us-core-body-weight", "us-core-heart-rate",
                        "us-core-pulse-oximetry", "us-core-respiratory-rate", "us-core-smokingstatus",
                        "us-core-observation-lab", "us-core-observation-clinical-result",
                        "us-core-observation-screening-assessment", "us-core-observation-occupation",
                        "us-core-simple-observation", "us-core-average-blood-pressure",
                        "us-core-treatment-intervention-preference", "us-core-care-experience-preference",
                        "us-core-allergyintolerance", "us-core-careplan", "us-core-careteam", "us-core-coverage",
                        "us-core-implantable-device", "us-core-diagnosticreport-lab", "us-core-diagnosticreport-note",
                        "us-core-documentreference", "us-core-goal", "us-core-immunization", "us-core-location",
                        "us-core-medication", "us-core-medicationdispense", "us-core-medicationrequest",
                        "us-core-organization", "us-core-practitioner", "us-core-practitionerrole", "us-core-procedure",
                        "us-core-provenance", "us-core-questionnaireresponse", "us-core-relatedperson",
                        "us-core-servicerequest", "us-core-specimen"})
    EXPECT_TRUE(profiles.count(p)) << p;
  EXPECT_EQ(noteTypes, (std::set<std::string>{"11488-4", "18842-5", "34117-2", "28570-0", "11506-3", "18748-4",
                                              "11502-2", "11526-1"}));
  EXPECT_EQ(reportCategories, (std::set<std::string>{"LP29708-2", "LP7839-6", "LP29684-5"}));
  for (const auto& u : reportUrls) EXPECT_TRUE(documentUrls.count(u)) << "report form without a document: " << u;
  for (const char* c : {"sdoh", "functional-status", "disability-status", "cognitive-status", "activity"})
    EXPECT_TRUE(screeningCategories.count(c)) << c;
  EXPECT_EQ(conditionCategories,
            (std::set<std::string>{"encounter-diagnosis", "problem-list-item", "health-concern", "sdoh"}));
  EXPECT_TRUE(dataAbsentExtension);
  EXPECT_TRUE(dataAbsentCoding);
  // Every patient's record is the target of a Provenance.
  for (const auto& [key, resource] : sa)
    if (resource["resourceType"] == "Observation" || resource["resourceType"] == "Patient")
      EXPECT_TRUE(provenanceTargets.count(key)) << key;

  // The demo logins name records that exist.
  auto users = client().Get("/admin/instances/" + a + "/users", {{"Authorization", std::string("Bearer ") + kAdminKey}});
  ASSERT_EQ(users->status, 200);
  auto list = nlohmann::json::parse(users->body);
  ASSERT_EQ(list.size(), 2u);
  for (const auto& u : list) EXPECT_TRUE(sa.count(u["fhirUser"].get<std::string>())) << u.dump();

  // The seed loads through the bulk path, which skips validation: every resource must still pass it.
  auto c = client();
  for (const auto& [key, resource] : sa) {
    auto res = c.Put("/" + a + "/fhir/" + key, resource.dump(), "application/fhir+json");
    ASSERT_EQ(res->status, 200) << key << ": " << res->body;
  }
}

std::string hexOf(const std::string& bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

// Whether the stored form of type/id is a zstd frame naming a dictionary (its header's
// Dictionary_ID_flag), or one without, or the JSON itself.
std::string storedFormOf(const std::string& schema, const std::string& type, const std::string& id) {
  return trimmed(psql(databaseUrl(), "SELECT CASE WHEN substr(content, 1, 4) <> '\\x28b52ffd'::bytea THEN 'json'"
                                     " WHEN get_byte(content, 4) & 3 <> 0 THEN 'dictionary' ELSE 'zstd' END FROM " +
                                         schema + ".resources WHERE resource_type = '" + type + "' AND id = '" + id + "'"));
}

TEST(Seed, StoresJsonCompressedWithADictionaryOfTheInstancesOwn) {
  const std::string inst = createInstance("seed-zstd");
  ASSERT_EQ(runFlint({"seed", "--instance", inst, "--patients", "8", "--seed", "3"}), 0);
  const std::string schema = schemaOf(inst);
  EXPECT_EQ(trimmed(psql(databaseUrl(), "SELECT count(*) FROM flint.content_dictionaries d JOIN flint.instances i"
                                        " ON i.id = d.instance_id WHERE i.name = '" + inst + "'")),
            "1");
  // Without the dictionary zstd keeps about half of the JSON; with it, well under a third.
  const int percent = std::stoi(trimmed(psql(
      databaseUrl(), "SELECT sum(octet_length(content)) * 100 / sum(content_bytes) FROM " + schema + ".resources")));
  EXPECT_LT(percent, 30);
  EXPECT_EQ(trimmed(psql(databaseUrl(), "SELECT count(*) FROM " + schema +
                                            ".resources WHERE content_bytes >= 64 AND get_byte(content, 4) & 3 = 0")),
            "0");

  auto c = client();
  auto page = c.Get("/" + inst + "/fhir/Patient?_count=2");
  ASSERT_EQ(page->status, 200);
  const std::string id = json::parse(page->body)["entry"][0]["resource"]["id"];
  auto read = c.Get("/" + inst + "/fhir/Patient/" + id);
  ASSERT_EQ(read->status, 200);
  EXPECT_EQ(json::parse(read->body)["id"], id);

  // JSON stored before compression (instance migration 26 keeps it as it was) reads as it is.
  psql(databaseUrl(), "UPDATE " + schema + ".resources SET content = decode('" + hexOf(read->body) +
                          "', 'hex') WHERE resource_type = 'Patient' AND id = '" + id + "'");
  EXPECT_EQ(storedFormOf(schema, "Patient", id), "json");
  EXPECT_EQ(c.Get("/" + inst + "/fhir/Patient/" + id)->body, read->body);
  auto found = c.Get("/" + inst + "/fhir/Patient?_id=" + id);
  ASSERT_EQ(found->status, 200);
  EXPECT_EQ(json::parse(found->body)["entry"][0]["resource"], json::parse(read->body));

  // Writes use a new dictionary only once every server has had time to load it (ten seconds);
  // each version moves to the history as it was stored, and all read back.
  json patient = json::parse(read->body);
  patient["active"] = false;
  auto updated = c.Put("/" + inst + "/fhir/Patient/" + id, patient.dump(), "application/fhir+json");
  ASSERT_EQ(updated->status, 200) << updated->body;
  EXPECT_EQ(storedFormOf(schema, "Patient", id), "zstd");
  psql(databaseUrl(), "UPDATE flint.content_dictionaries SET created_at = created_at - interval '1 minute'"
                      " WHERE instance_id = (SELECT id FROM flint.instances WHERE name = '" + inst + "')");
  std::this_thread::sleep_for(std::chrono::milliseconds(1200));
  patient["active"] = true;
  updated = c.Put("/" + inst + "/fhir/Patient/" + id, patient.dump(), "application/fhir+json");
  ASSERT_EQ(updated->status, 200) << updated->body;
  EXPECT_EQ(storedFormOf(schema, "Patient", id), "dictionary");
  EXPECT_EQ(c.Get("/" + inst + "/fhir/Patient/" + id + "/_history/1")->body, read->body);
  EXPECT_EQ(json::parse(c.Get("/" + inst + "/fhir/Patient/" + id + "/_history/2")->body)["active"], false);
  EXPECT_EQ(c.Get("/" + inst + "/fhir/Patient/" + id)->body, updated->body);

  const std::string other = createInstance("seed-zstd-none");
  json created = json::parse(read->body);
  created.erase("id");
  auto posted = c.Post("/" + other + "/fhir/Patient", created.dump(), "application/fhir+json");
  ASSERT_EQ(posted->status, 201) << posted->body;
  const std::string newId = json::parse(posted->body)["id"];
  EXPECT_EQ(storedFormOf(schemaOf(other), "Patient", newId), "zstd");
  EXPECT_EQ(c.Get("/" + other + "/fhir/Patient/" + newId)->body, posted->body);

  // JSON compressed with a dictionary the server does not know (here: one taken away) is never
  // answered wrongly: a read by id and a search both say to retry.
  psql(databaseUrl(), "DELETE FROM flint.content_dictionaries WHERE instance_id ="
                      " (SELECT id FROM flint.instances WHERE name = '" + inst + "')");
  std::this_thread::sleep_for(std::chrono::milliseconds(1200));
  for (const std::string path : {"/Patient/" + id, "/Patient?_id=" + id}) {
    auto unknown = c.Get("/" + inst + "/fhir" + path);
    EXPECT_EQ(unknown->status, 503) << path << ": " << unknown->body;
    EXPECT_EQ(unknown->get_header_value("Retry-After"), "1") << path;
    EXPECT_EQ(json::parse(unknown->body)["resourceType"], "OperationOutcome") << path;
  }
}

TEST(Compress, StoresEveryVersionOfAnInstanceFilledThroughTheApiWithADictionaryOfItsOwn) {
  const std::string inst = createInstance("compress");
  const std::string schema = schemaOf(inst);
  auto c = client();
  std::string out;
  EXPECT_EQ(runFlint({"compress", "--instance", inst}, &out), 1);
  EXPECT_NE(out.find("too few to train a dictionary"), std::string::npos) << out;

  json bundle = {{"resourceType", "Bundle"}, {"type", "transaction"}, {"entry", json::array()}};
  for (int i = 0; i < 400; ++i)
    bundle["entry"].push_back(
        {{"request", {{"method", "POST"}, {"url", "Observation"}}},
         {"resource",
          {{"resourceType", "Observation"},
           {"status", "final"},
           {"category", {{{"coding", {{{"system", "http://terminology.hl7.org/CodeSystem/observation-category"},
                                        {"code", "vital-signs"}}}}}}},
           {"code", {{"coding", {{{"system", "http://loinc.org"}, {"code", std::to_string(8000 + i % 40) + "-4"}}}}}},
           {"subject", {{"reference", "Patient/p" + std::to_string(i % 25)}}},
           {"effectiveDateTime", "2024-0" + std::to_string(1 + i % 9) + "-1" + std::to_string(i % 10) + "T08:30:00Z"},
           {"valueQuantity",
            {{"value", 60 + i % 50}, {"unit", "/min"}, {"system", "http://unitsofmeasure.org"}, {"code", "/min"}}}}}});
  auto posted = c.Post("/" + inst + "/fhir", bundle.dump(), "application/fhir+json");
  ASSERT_EQ(posted->status, 200) << posted->body;
  const std::string location = json::parse(posted->body)["entry"][0]["response"]["location"];
  const size_t at = location.find("Observation/") + 12;
  const std::string id = location.substr(at, location.find('/', at) - at);
  const std::string first = c.Get("/" + inst + "/fhir/Observation/" + id)->body;
  json changed = json::parse(first);
  changed["status"] = "amended";
  ASSERT_EQ(c.Put("/" + inst + "/fhir/Observation/" + id, changed.dump(), "application/fhir+json")->status, 200);
  const std::string second = c.Get("/" + inst + "/fhir/Observation/" + id)->body;
  // One version as JSON text, as rows written before instance migration 26 are.
  psql(databaseUrl(), "UPDATE " + schema + ".resource_history SET content = decode('" + hexOf(first) +
                          "', 'hex') WHERE id = '" + id + "'");

  ASSERT_EQ(runFlint({"compress", "--instance", inst}, &out), 0) << out;
  EXPECT_NE(out.find("stored 400 current and 1 superseded versions"), std::string::npos) << out;
  EXPECT_EQ(storedFormOf(schema, "Observation", id), "dictionary");
  for (const char* table : {"resources", "resource_history"})
    EXPECT_EQ(trimmed(psql(databaseUrl(), "SELECT count(*) FROM " + schema + "." + table +
                                              " WHERE substr(content, 1, 4) <> '\\x28b52ffd'::bytea"
                                              " OR get_byte(content, 4) & 3 = 0")),
              "0")
        << table;
  EXPECT_EQ(c.Get("/" + inst + "/fhir/Observation/" + id + "/_history/1")->body, first);
  EXPECT_EQ(c.Get("/" + inst + "/fhir/Observation/" + id)->body, second);
  auto search = c.Get("/" + inst + "/fhir/Observation?code=8000-4&_count=100");
  ASSERT_EQ(search->status, 200);
  EXPECT_EQ(json::parse(search->body)["entry"].size(), 10u);
}

// Instance migration 27 keys the token systems of rows written before, as the server keys the
// systems it writes and searches for: set back to migration 26's layout (systems as text), an
// instance finds the same resources by system after `flint migrate`, and its schema is a new one's.
TEST(Migration, KeysTheTokenSystemsOfRowsWrittenBefore) {
  const std::string inst = createInstance("systems");
  const std::string fresh = createInstance("systems-fresh");
  const std::string schema = schemaOf(inst);
  auto c = client();
  const std::string base = "/" + inst + "/fhir/";
  const std::string category = "http://terminology.hl7.org/CodeSystem/observation-category";
  json patient = {{"resourceType", "Patient"},
                  {"id", "p1"},
                  {"identifier", {{{"system", "urn:mrn"}, {"value", "m1"}}}},
                  {"gender", "female"}};
  ASSERT_EQ(c.Put(base + "Patient/p1", patient.dump(), "application/fhir+json")->status, 201);
  json observation = {{"resourceType", "Observation"},
                      {"id", "o1"},
                      {"status", "final"},
                      {"category", {{{"coding", {{{"system", category}, {"code", "vital-signs"}}}}}}},
                      {"code", {{"coding", {{{"system", "http://loinc.org"}, {"code", "8867-4"}}}}}},
                      {"subject", {{"reference", "Patient/p1"}}},
                      {"effectiveDateTime", "2024-03-01T08:30:00Z"},
                      {"valueQuantity", {{"value", 72}, {"system", "http://unitsofmeasure.org"}, {"code", "/min"}}}};
  ASSERT_EQ(c.Put(base + "Observation/o1", observation.dump(), "application/fhir+json")->status, 201);

  auto text = [](const std::string& column) {
    std::string sql = "CASE " + column;
    for (const char* system : {"urn:mrn", "http://loinc.org", "http://terminology.hl7.org/CodeSystem/observation-category",
                               "http://unitsofmeasure.org"})
      sql += std::string(" WHEN ('x' || left(md5('") + system + "'), 16))::bit(64)::bigint THEN '" + system + "'";
    return sql + " END";
  };
  const std::string t = schema + ".search_token", k = schema + ".search_composite", n = schema + ".search_number";
  const std::string setBack =
      "BEGIN; DROP INDEX " + schema + ".search_token_code, " + schema + ".search_token_resource;"
      " ALTER TABLE " + t + " ALTER COLUMN system_key TYPE text USING " + text("system_key") + ";"
      " ALTER TABLE " + t + " RENAME COLUMN system_key TO system;"
      " CREATE INDEX search_token_code ON " + t + " (param_key, code, rid) INCLUDE (system);"
      " CREATE INDEX search_token_resource ON " + t + " (rid, param_key, code);"
      " ALTER TABLE " + k + " ALTER COLUMN key_system_key TYPE text USING " + text("key_system_key") + ","
      " ALTER COLUMN system_key TYPE text USING " + text("system_key") + ";"
      " ALTER TABLE " + k + " RENAME COLUMN key_system_key TO key_system;"
      " ALTER TABLE " + k + " RENAME COLUMN system_key TO system;"
      " ALTER TABLE " + n + " ALTER COLUMN system_key TYPE text USING " + text("system_key") + ";"
      " ALTER TABLE " + n + " RENAME COLUMN system_key TO system;"
      " UPDATE " + schema + ".schema_version SET version = 26;"
      " UPDATE flint.instances SET schema_version = 26 WHERE name = '" + inst + "';"
      // Checked before the commit: any flint process starting meanwhile (another suite's server
      // sharing the database) migrates every instance found behind, this one included.
      " SELECT count(*) FROM " + t + " WHERE system = 'urn:mrn'; COMMIT;";
  ASSERT_EQ(trimmed(psql(databaseUrl(), setBack)), "1") << "the set-back failed or lost the mrn's system";
  std::string out;
  ASSERT_EQ(runFlint({"migrate"}, &out), 0) << out;
  EXPECT_EQ(catalogOf(schema), catalogOf(schemaOf(fresh)));

  auto ids = [&](const std::string& query) {
    auto res = c.Get(base + query);
    std::set<std::string> found;
    if (!res || res->status != 200) return std::set<std::string>{"status " + std::to_string(res ? res->status : 0)};
    for (const auto& e : json::parse(res->body).value("entry", json::array())) found.insert(e["resource"]["id"]);
    return found;
  };
  using Ids = std::set<std::string>;
  EXPECT_EQ(ids("Patient?identifier=urn:mrn|m1"), Ids{"p1"});
  EXPECT_EQ(ids("Patient?identifier=urn:mrn|"), Ids{"p1"});
  EXPECT_EQ(ids("Patient?identifier=urn:other|m1"), Ids{});
  EXPECT_EQ(ids("Patient?identifier=|m1"), Ids{});
  EXPECT_EQ(ids("Patient?gender=|female"), Ids{"p1"});
  EXPECT_EQ(ids("Observation?code=http://loinc.org|8867-4"), Ids{"o1"});
  EXPECT_EQ(ids("Observation?code=http://snomed.info/sct|8867-4"), Ids{});
  // The category's dated entries (a composite key) serve the newest-first walk.
  EXPECT_EQ(ids("Observation?category=" + category + "|vital-signs&_sort=-date"), Ids{"o1"});
  EXPECT_EQ(ids("Observation?category=http://loinc.org|vital-signs&_sort=-date"), Ids{});
  EXPECT_EQ(ids("Observation?category=|vital-signs&_sort=-date"), Ids{});
  EXPECT_EQ(ids("Observation?category=vital-signs&_sort=-date"), Ids{"o1"});
  EXPECT_EQ(ids("Observation?patient.identifier=urn:mrn|m1"), Ids{"o1"});
  EXPECT_EQ(ids("Observation?value-quantity=72|http://unitsofmeasure.org|/min"), Ids{"o1"});
  EXPECT_EQ(ids("Observation?value-quantity=72|http://example.org/units|/min"), Ids{});
  EXPECT_EQ(ids("Observation?code-value-quantity=http://loinc.org|8867-4$72|http://unitsofmeasure.org|/min"), Ids{"o1"});
  EXPECT_EQ(ids("Observation?code-value-quantity=http://loinc.org|8867-4$72|http://example.org/units|/min"), Ids{});
}

// Every way a search reads reference targets, on ids of each stored form (a lower-case UUID's
// 16 bytes, an upper-case UUID's and other ids' own bytes, a 16-character id's with a zero byte
// after), in an instance written by this server and one whose rows migration 28 converted.
TEST(Migration, KeepsTheReferenceTargetsOfRowsWrittenBefore) {
  const std::vector<std::string> patients = {"0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9", "0A1B2C3D-4E5F-6071-8293-A4B5C6D7E8F9",
                                             "abcdefghij012345", "p1"};
  const std::string migrated = createInstance("targets"), fresh = createInstance("targets-fresh");
  auto c = client();
  for (const auto& inst : {migrated, fresh})
    for (size_t i = 0; i < patients.size(); ++i) {
      const std::string base = "/" + inst + "/fhir/", n = std::to_string(i);
      json patient = {{"resourceType", "Patient"},
                      {"id", patients[i]},
                      {"identifier", {{{"system", "urn:mrn"}, {"value", "m" + n}}}}};
      ASSERT_EQ(c.Put(base + "Patient/" + patients[i], patient.dump(), "application/fhir+json")->status, 201);
      json observation = {{"resourceType", "Observation"},
                          {"id", "o" + n},
                          {"status", "final"},
                          {"code", {{"coding", {{{"system", "http://loinc.org"}, {"code", "code-" + n}}}}}},
                          {"subject", {{"reference", "Patient/" + patients[i]}}}};
      ASSERT_EQ(c.Put(base + "Observation/o" + n, observation.dump(), "application/fhir+json")->status, 201);
    }
  const std::string schema = schemaOf(migrated), r = schema + ".search_reference";
  const std::string setBack =
      "BEGIN; ALTER TABLE " + r + " ALTER COLUMN target_id TYPE text USING CASE"
      " WHEN length(target_id) = 16 THEN encode(target_id, 'hex')::uuid::text"
      " WHEN get_byte(target_id, length(target_id) - 1) = 0 THEN convert_from(substring(target_id FROM 1 FOR 16), 'UTF8')"
      " ELSE convert_from(target_id, 'UTF8') END;"
      " UPDATE " + schema + ".schema_version SET version = 27;"
      " UPDATE flint.instances SET schema_version = 27 WHERE name = '" + migrated + "';"
      // Checked before the commit, as above: another flint process may migrate it at once.
      " SELECT count(*) FROM " + r + " WHERE target_id = 'abcdefghij012345'; COMMIT;";
  ASSERT_EQ(trimmed(psql(databaseUrl(), setBack)), "1") << "the set-back failed or lost the target";
  std::string out;
  ASSERT_EQ(runFlint({"migrate"}, &out), 0) << out;
  EXPECT_EQ(catalogOf(schema), catalogOf(schemaOf(fresh)));

  using Ids = std::set<std::string>;
  for (const auto& inst : {migrated, fresh}) {
    SCOPED_TRACE(inst);
    auto ids = [&](const std::string& query) {
      auto res = c.Get("/" + inst + "/fhir/" + query);
      Ids found;
      if (!res || res->status != 200) return Ids{"status " + std::to_string(res ? res->status : 0)};
      for (const auto& e : json::parse(res->body).value("entry", json::array()))
        found.insert(e["resource"]["resourceType"].get<std::string>() + "/" + e["resource"]["id"].get<std::string>());
      return found;
    };
    for (size_t i = 0; i < patients.size(); ++i) {
      const std::string n = std::to_string(i), o = "Observation/o" + n, p = "Patient/" + patients[i];
      EXPECT_EQ(ids("Observation?subject=" + p), Ids{o});
      EXPECT_EQ(ids("Observation?patient=" + patients[i]), Ids{o});
      EXPECT_EQ(ids("Observation?patient.identifier=urn:mrn|m" + n), Ids{o});
      EXPECT_EQ(ids("Patient?_has:Observation:patient:code=code-" + n), Ids{p});
      EXPECT_EQ(ids("Patient?identifier=m" + n + "&_has:Observation:patient:code=code-" + n), Ids{p});
      EXPECT_EQ(ids("Observation?_id=o" + n + "&_include=Observation:patient"), (Ids{o, p}));
      EXPECT_EQ(ids("Patient?_id=" + patients[i] + "&_revinclude=Observation:patient"), (Ids{o, p}));
      EXPECT_EQ(ids(p + "/Observation"), Ids{o});
      EXPECT_EQ(ids(p + "/$everything"), (Ids{o, p}));
    }
    EXPECT_EQ(ids("Observation?patient=0a1b2c3d-4e5f-6071-8293-A4B5C6D7E8F9"), Ids{});
    EXPECT_EQ(ids("Observation?patient=abcdefghij01234"), Ids{});
    // Sorted by the target's id as text, whatever form it is stored in.
    auto sorted = json::parse(c.Get("/" + inst + "/fhir/Observation?_sort=patient")->body);
    std::vector<std::string> order;
    for (const auto& e : sorted["entry"]) order.push_back(e["resource"]["subject"]["reference"]);
    EXPECT_EQ(order, (std::vector<std::string>{"Patient/0A1B2C3D-4E5F-6071-8293-A4B5C6D7E8F9",
                                               "Patient/0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9",
                                               "Patient/abcdefghij012345", "Patient/p1"}));
  }
}

TEST(Seed, DifferentSeedsGiveDifferentDataAndReseedingIsRefused) {
  std::string a = createInstance("seed-c");
  std::string b = createInstance("seed-d");
  ASSERT_EQ(runFlint({"seed", "--instance", a, "--patients", "3", "--seed", "1"}), 0);
  ASSERT_EQ(runFlint({"seed", "--instance", b, "--patients", "3", "--seed", "2"}), 0);
  EXPECT_NE(snapshot(a), snapshot(b));
  std::string out;
  EXPECT_EQ(runFlint({"seed", "--instance", a, "--patients", "3", "--seed", "1"}, &out), 1);
  EXPECT_NE(out.find("already holds resources"), std::string::npos);
  EXPECT_EQ(runFlint({"seed", "--instance", "no-such-instance"}, &out), 1);
  EXPECT_EQ(runFlint({"seed", "--patients", "x"}, &out), 2);
}

TEST(Seed, LeavesTheSchemaAsMigratedWithStatisticsAndNothingStaged) {
  const std::string seeded = createInstance("seed-schema");
  const std::string fresh = createInstance("seed-fresh");
  const std::string schema = schemaOf(seeded);
  // What a crashed load left behind is cleared.
  psql(databaseUrl(), "CREATE SCHEMA " + schema + "_load; CREATE TABLE " + schema + "_load.resources (x int)");
  std::string out;
  ASSERT_EQ(runFlint({"seed", "--instance", seeded, "--patients", "4"}, &out), 0) << out;
  const std::string catalog = catalogOf(schema);
  EXPECT_NE(catalog.find("index CREATE UNIQUE INDEX resources_pkey ON S.resources"), std::string::npos) << catalog;
  EXPECT_NE(catalog.find("constraint resources resources_pkey PRIMARY KEY"), std::string::npos) << catalog;
  EXPECT_NE(catalog.find("statistics CREATE STATISTICS S.search_token_stats"), std::string::npos) << catalog;
  EXPECT_NE(catalog.find("FROM S.search_token target 1000"), std::string::npos) << catalog;
  EXPECT_EQ(catalog, catalogOf(schemaOf(fresh)));
  EXPECT_EQ(trimmed(psql(databaseUrl(), "SELECT count(*) FROM pg_namespace WHERE nspname = '" + schema + "_load'")),
            "0");
  // The planner has statistics of the loaded rows, extended ones included.
  EXPECT_EQ(trimmed(psql(databaseUrl(), "SELECT reltuples > 0 FROM pg_class WHERE oid = '" + schema +
                                            ".search_token'::regclass")),
            "t");
  EXPECT_EQ(trimmed(psql(databaseUrl(), "SELECT count(*) FROM pg_statistic_ext x JOIN pg_statistic_ext_data d"
                                        " ON d.stxoid = x.oid WHERE x.stxname = 'search_token_stats' AND"
                                        " x.stxnamespace = '" + schema + "'::regnamespace AND d.stxdmcv IS NOT NULL")),
            "1");
  // Searches run on the swapped-in tables through their indexes.
  auto c = client();
  auto res = c.Get("/" + seeded + "/fhir/Observation?category=vital-signs&_count=1&_total=accurate");
  ASSERT_EQ(res->status, 200);
  EXPECT_GT(parseJson(res->body)["total"].get<int>(), 0);
}

TEST(Seed, RefusesAnInstanceAnotherLoadIsFilling) {
  const std::string inst = createInstance("seed-claimed");
  const std::string schema = schemaOf(inst);
  OpenPsql other;
  other.send("SELECT pg_advisory_lock(hashtext('flint bulk load'), hashtext('" + schema + "'));");
  ASSERT_TRUE(eventually("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND objid = "
                         "hashtext('" + schema + "')::oid",
                         "1"));
  std::string out;
  EXPECT_EQ(runFlint({"seed", "--instance", inst, "--patients", "1"}, &out), 1);
  EXPECT_NE(out.find("another load into instance '" + inst + "' is running"), std::string::npos) << out;
  other.close();
  EXPECT_EQ(runFlint({"seed", "--instance", inst, "--patients", "1"}, &out), 0) << out;
}

TEST(Seed, ResourcesWrittenDuringTheLoadAreKeptAndTheLoadFails) {
  const std::string inst = createInstance("seed-raced");
  const std::string schema = schemaOf(inst);
  // A writer holds the live table until the load is about to swap its copies in.
  OpenPsql writer;
  writer.send("BEGIN; LOCK TABLE " + schema + ".resources IN ROW EXCLUSIVE MODE;");
  ASSERT_TRUE(eventually("SELECT count(*) FROM pg_locks WHERE relation = '" + schema +
                             ".resources'::regclass AND mode = 'RowExclusiveLock' AND granted",
                         "1"));
  std::string out;
  int status = -1;
  std::thread seed([&] { status = runFlint({"seed", "--instance", inst, "--patients", "3"}, &out); });
  const bool swapWaits = eventually(
      "SELECT count(*) FROM pg_locks WHERE relation = '" + schema + ".resources'::regclass AND NOT granted", "1");
  writer.send("INSERT INTO " + schema + ".resources (resource_type, id, version_id, last_updated, deleted, content,"
              " method, rid) VALUES ('Patient', 'written-meanwhile', 1, 0, false, '{}', 'POST', 1); COMMIT;");
  writer.close();
  seed.join();
  ASSERT_TRUE(swapWaits);
  EXPECT_EQ(status, 1);
  EXPECT_NE(out.find("received resources during the load; nothing was loaded"), std::string::npos) << out;
  EXPECT_EQ(trimmed(psql(databaseUrl(), "SELECT count(*) || ' ' || min(id) FROM " + schema + ".resources")),
            "1 written-meanwhile");
  EXPECT_EQ(trimmed(psql(databaseUrl(), "SELECT count(*) FROM " + schema + ".search_token")), "0");
  EXPECT_EQ(trimmed(psql(databaseUrl(), "SELECT count(*) FROM pg_namespace WHERE nspname = '" + schema + "_load'")),
            "0");
}
