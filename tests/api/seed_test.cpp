// `flint seed`: deterministic synthetic data that the FHIR API serves.
#include <gtest/gtest.h>

#include <map>
#include <regex>
#include <set>

#include "tests/support/flint_server.h"

using namespace flint::testing;
using nlohmann::json;

namespace {

const char* const kSeededTypes[] = {
    "AllergyIntolerance", "Binary", "CarePlan", "CareTeam", "Condition", "Coverage", "Device", "DiagnosticReport",
    "DocumentReference", "Encounter", "Endpoint", "Goal", "Group", "Immunization", "Location", "Medication",
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
    if (type != "Binary" && type != "Group" && type != "Endpoint") {
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
