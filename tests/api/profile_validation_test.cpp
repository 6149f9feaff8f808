// US Core profile validation over HTTP: writes under each profile validation setting (off,
// claimed, required), the 422 a non-conforming resource gets (each issue at its element, naming
// the profile's element id), $validate in each mode, and the setting changed by admin API and CLI.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "tests/support/flint_server.h"

using namespace flint::testing;
using nlohmann::json;

namespace {

const std::string kUsCore = "http://hl7.org/fhir/us/core/StructureDefinition/";

std::string instanceWith(const std::string& prefix, const std::string& mode) {
  std::string name = uniqueInstanceName(prefix);
  json body = {{"name", name}, {"organization", {{"name", "Profiles " + name}}}, {"openAccess", true},
               {"profileValidation", mode}};
  auto res = client().Post("/admin/instances", {{"Authorization", std::string("Bearer ") + kAdminKey}}, body.dump(),
                           "application/json");
  if (!res || res->status != 201) throw std::runtime_error("could not create " + name + ": " + (res ? res->body : ""));
  return name;
}

json usCorePatient(const std::string& profile = kUsCore + "us-core-patient") {
  return {{"resourceType", "Patient"},
          {"meta", {{"profile", {profile}}}},
          {"identifier", {{{"system", "urn:oid:2.16.840.1.113883.19.5"}, {"value", "12345"}}}},
          {"name", {{{"family", "Shaw"}, {"given", {"Amy"}}}}},
          {"gender", "female"}};
}

json heartRate() {
  return {{"resourceType", "Observation"},
          {"meta", {{"profile", {kUsCore + "us-core-heart-rate"}}}},
          {"status", "final"},
          {"category", {{{"coding", {{{"system", "http://terminology.hl7.org/CodeSystem/observation-category"},
                                      {"code", "vital-signs"}}}}}}},
          {"code", {{"coding", {{{"system", "http://loinc.org"}, {"code", "8867-4"}}}}}},
          {"subject", {{"reference", "Patient/p1"}}},
          {"effectiveDateTime", "2024-05-01T10:00:00Z"},
          {"valueQuantity", {{"value", 72}, {"unit", "/min"}, {"system", "http://unitsofmeasure.org"}, {"code", "/min"}}}};
}

// The issue at `expression`, or null.
json issueAt(const json& outcome, const std::string& expression) {
  for (const auto& issue : outcome.value("issue", json::array()))
    if (issue.contains("expression") && issue["expression"][0] == expression) return issue;
  return nullptr;
}

class ProfileValidation : public ::testing::Test {
 protected:
  httplib::Result post(const std::string& instance, const std::string& path, const json& body) {
    return c_.Post("/" + instance + "/fhir/" + path, body.dump(), "application/fhir+json");
  }
  httplib::Result put(const std::string& instance, const std::string& path, const json& body) {
    return c_.Put("/" + instance + "/fhir/" + path, body.dump(), "application/fhir+json");
  }
  // A 422 with an error issue at `expression` whose diagnostics name `elementId`.
  void expectRejected(const httplib::Result& res, const std::string& expression, const std::string& elementId) {
    ASSERT_TRUE(res);
    ASSERT_EQ(res->status, 422) << res->body;
    auto outcome = parseJson(res->body);
    EXPECT_EQ(outcome["resourceType"], "OperationOutcome");
    auto issue = issueAt(outcome, expression);
    ASSERT_FALSE(issue.is_null()) << "no issue at " << expression << " in " << res->body;
    EXPECT_EQ(issue["severity"], "error");
    EXPECT_NE(issue["diagnostics"].get<std::string>().find(elementId), std::string::npos) << issue.dump();
  }
  httplib::Client c_ = client();
};

TEST_F(ProfileValidation, ClaimedProfilesAreEnforcedOnCreateUpdateAndPatch) {
  const std::string inst = instanceWith("claimed", "claimed");
  ASSERT_EQ(post(inst, "Patient", usCorePatient())->status, 201);
  ASSERT_EQ(post(inst, "Patient", usCorePatient(kUsCore + "us-core-patient|6.1.0"))->status, 201);
  ASSERT_EQ(post(inst, "Observation", heartRate())->status, 201);

  json noIdentifier = usCorePatient();
  noIdentifier.erase("identifier");
  expectRejected(post(inst, "Patient", noIdentifier), "Patient.identifier", "Patient.identifier");
  // The same resource claiming nothing is not held to US Core on this instance.
  json unclaimed = noIdentifier;
  unclaimed.erase("meta");
  EXPECT_EQ(post(inst, "Patient", unclaimed)->status, 201);

  json wrongCode = heartRate();
  wrongCode["code"]["coding"][0]["code"] = "9279-1";
  expectRejected(post(inst, "Observation", wrongCode), "Observation.code", "Observation.code");
  json wrongUnit = heartRate();
  wrongUnit["valueQuantity"]["code"] = "/h";
  expectRejected(post(inst, "Observation", wrongUnit), "Observation.valueQuantity.code", "Observation.value[x]:valueQuantity.code");
  json wrongStatus = heartRate();
  wrongStatus["status"] = "done";
  auto badStatus = post(inst, "Observation", wrongStatus);
  ASSERT_TRUE(badStatus);
  EXPECT_EQ(badStatus->status, 400) << "a code outside R4's own required value set is a structural error first";
  json wrongTarget = heartRate();
  wrongTarget["subject"]["reference"] = "Group/g1";
  expectRejected(post(inst, "Observation", wrongTarget), "Observation.subject.reference", "Observation.subject");
  json missingCategory = heartRate();
  missingCategory["category"][0]["coding"][0]["code"] = "laboratory";
  expectRejected(post(inst, "Observation", missingCategory), "Observation.category", "Observation.category:VSCat");
  json wrongProfileType = usCorePatient(kUsCore + "us-core-observation-lab");
  expectRejected(post(inst, "Patient", wrongProfileType), "Patient.meta.profile[0]", "constrains Observation");

  auto created = post(inst, "Patient", usCorePatient());
  const std::string id = parseJson(created->body)["id"];
  json updated = noIdentifier;
  updated["id"] = id;
  expectRejected(put(inst, "Patient/" + id, updated), "Patient.identifier", "Patient.identifier");
  auto patch = c_.Patch("/" + inst + "/fhir/Patient/" + id, R"([{"op":"remove","path":"/name"}])",
                        "application/json-patch+json");
  expectRejected(patch, "Patient.name", "Patient.name");
  auto read = c_.Get("/" + inst + "/fhir/Patient/" + id);
  EXPECT_EQ(parseJson(read->body)["meta"]["versionId"], "1") << "nothing is stored from a rejected write";
}

TEST_F(ProfileValidation, TransactionsAndBatchesValidateEachEntry) {
  const std::string inst = instanceWith("bundle", "claimed");
  json bad = heartRate();
  bad.erase("subject");
  json transaction = {{"resourceType", "Bundle"},
                      {"type", "transaction"},
                      {"entry", {{{"resource", usCorePatient()}, {"request", {{"method", "POST"}, {"url", "Patient"}}}},
                                 {{"resource", bad}, {"request", {{"method", "POST"}, {"url", "Observation"}}}}}}};
  auto res = post(inst, "", transaction);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 422) << res->body;
  EXPECT_NE(res->body.find("Observation.subject"), std::string::npos) << res->body;
  auto count = c_.Get("/" + inst + "/fhir/Patient?_summary=count");
  EXPECT_EQ(parseJson(count->body)["total"], 0) << "a failed transaction writes nothing";

  transaction["type"] = "batch";
  res = post(inst, "", transaction);
  ASSERT_EQ(res->status, 200) << res->body;
  auto response = parseJson(res->body);
  EXPECT_EQ(response["entry"][0]["response"]["status"].get<std::string>().substr(0, 3), "201");
  EXPECT_EQ(response["entry"][1]["response"]["status"].get<std::string>().substr(0, 3), "422");
}

TEST_F(ProfileValidation, RequiredHoldsEveryUsCoreTypeToItsProfile) {
  const std::string inst = instanceWith("required", "required");
  json plain = usCorePatient();
  plain.erase("meta");
  EXPECT_EQ(post(inst, "Patient", plain)->status, 201) << "a conforming Patient need not claim its only profile";
  json noName = plain;
  noName.erase("name");
  expectRejected(post(inst, "Patient", noName), "Patient.name", "USCorePatientProfile");
  json unclaimed = heartRate();
  unclaimed.erase("meta");
  expectRejected(post(inst, "Observation", unclaimed), "Observation.meta.profile", "must claim one of its profiles");
  EXPECT_EQ(post(inst, "Observation", heartRate())->status, 201);
  EXPECT_EQ(post(inst, "Basic", {{"resourceType", "Basic"}, {"code", {{"text", "note"}}}})->status, 201)
      << "types US Core does not profile are not affected";
}

TEST_F(ProfileValidation, OffChecksOnlyTheR4Structure) {
  const std::string inst = instanceWith("off", "off");
  json noIdentifier = usCorePatient();
  noIdentifier.erase("identifier");
  EXPECT_EQ(post(inst, "Patient", noIdentifier)->status, 201);
  json unknown = usCorePatient();
  unknown["nickname"] = "x";
  EXPECT_EQ(post(inst, "Patient", unknown)->status, 400);
}

TEST_F(ProfileValidation, TheSettingChangesByAdminApiAndCli) {
  const std::string inst = instanceWith("switch", "off");
  json noIdentifier = usCorePatient();
  noIdentifier.erase("identifier");
  ASSERT_EQ(post(inst, "Patient", noIdentifier)->status, 201);
  const httplib::Headers admin = {{"Authorization", std::string("Bearer ") + kAdminKey}};
  auto bad = c_.Patch("/admin/instances/" + inst, admin, R"({"profileValidation":"strict"})", "application/json");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400) << bad->body;
  auto patched = c_.Patch("/admin/instances/" + inst, admin, R"({"profileValidation":"claimed"})", "application/json");
  ASSERT_EQ(patched->status, 200) << patched->body;
  EXPECT_EQ(parseJson(patched->body)["profileValidation"], "claimed");
  // Every process sees the change within its instance cache's second.
  int status = 0;
  for (int i = 0; i < 30 && status != 422; ++i) {
    status = post(inst, "Patient", noIdentifier)->status;
    if (status != 422) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(status, 422);

  std::string out;
  EXPECT_EQ(runFlint({"instance", "set", inst, "--profile-validation", "sometimes"}, &out), 1) << out;
  EXPECT_NE(out.find("off, claimed or required"), std::string::npos) << out;
  EXPECT_EQ(runFlint({"instance", "set", inst, "--profile-validation", "off"}, &out), 0) << out;
  for (int i = 0; i < 30 && status != 201; ++i) {
    status = post(inst, "Patient", noIdentifier)->status;
    if (status != 201) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(status, 201);
  EXPECT_EQ(runFlint({"instance", "create", uniqueInstanceName("cli"), "--org-name", "X", "--profile-validation", "no"}, &out), 1);
}

TEST_F(ProfileValidation, ValidateAnswersWithAnOutcomeWhateverTheResult) {
  // $validate reports claimed profiles even where the instance does not enforce them.
  const std::string inst = instanceWith("validate", "off");
  auto ok = post(inst, "Patient/$validate", usCorePatient());
  ASSERT_EQ(ok->status, 200) << ok->body;
  auto okOutcome = parseJson(ok->body);
  EXPECT_EQ(okOutcome["resourceType"], "OperationOutcome");
  for (const auto& issue : okOutcome["issue"]) EXPECT_NE(issue["severity"], "error") << issue.dump();

  json noIdentifier = usCorePatient();
  noIdentifier.erase("identifier");
  auto bad = post(inst, "Patient/$validate", noIdentifier);
  ASSERT_EQ(bad->status, 200) << bad->body;
  EXPECT_FALSE(issueAt(parseJson(bad->body), "Patient.identifier").is_null()) << bad->body;

  // A Parameters body, a profile named explicitly, structure errors reported as issues.
  json plain = usCorePatient();
  plain.erase("meta");
  plain.erase("gender");
  json parameters = {{"resourceType", "Parameters"},
                     {"parameter", {{{"name", "resource"}, {"resource", plain}},
                                    {{"name", "profile"}, {"valueUri", kUsCore + "us-core-patient|6.1.0"}}}}};
  auto named = post(inst, "Patient/$validate", parameters);
  ASSERT_EQ(named->status, 200) << named->body;
  EXPECT_FALSE(issueAt(parseJson(named->body), "Patient.gender").is_null()) << named->body;
  json malformed = usCorePatient();
  malformed["birthDate"] = "yesterday";
  auto structural = post(inst, "Patient/$validate", malformed);
  ASSERT_EQ(structural->status, 200);
  EXPECT_FALSE(issueAt(parseJson(structural->body), "Patient.birthDate").is_null()) << structural->body;

  // Modes: update needs the id (and the URL's), delete needs an existing resource.
  auto update = post(inst, "Patient/$validate?mode=update", usCorePatient());
  EXPECT_FALSE(issueAt(parseJson(update->body), "Patient.id").is_null()) << update->body;
  json withId = usCorePatient();
  withId["id"] = "other";
  auto mismatch = post(inst, "Patient/some-id/$validate?mode=update", withId);
  ASSERT_EQ(mismatch->status, 200);
  EXPECT_FALSE(issueAt(parseJson(mismatch->body), "Patient.id").is_null()) << mismatch->body;
  auto created = post(inst, "Patient", usCorePatient());
  const std::string id = parseJson(created->body)["id"];
  auto deletable = c_.Post("/" + inst + "/fhir/Patient/" + id + "/$validate?mode=delete", "", "application/fhir+json");
  ASSERT_EQ(deletable->status, 200) << deletable->body;
  EXPECT_EQ(parseJson(deletable->body)["issue"][0]["severity"], "information");
  auto unknown = c_.Post("/" + inst + "/fhir/Patient/nope/$validate?mode=delete", "", "application/fhir+json");
  ASSERT_EQ(unknown->status, 200);
  EXPECT_EQ(parseJson(unknown->body)["issue"][0]["code"], "not-found");

  // A version Flint does not have is said to be unchecked, not silently passed.
  auto oldVersion = post(inst, "Patient/$validate", usCorePatient(kUsCore + "us-core-patient|3.1.1"));
  ASSERT_EQ(oldVersion->status, 200);
  auto oldIssue = issueAt(parseJson(oldVersion->body), "Patient.meta.profile[0]");
  ASSERT_FALSE(oldIssue.is_null()) << oldVersion->body;
  EXPECT_EQ(oldIssue["severity"], "information");

  // What the request itself gets wrong is a 4xx.
  EXPECT_EQ(post(inst, "Patient/$validate?mode=replace", usCorePatient())->status, 400);
  EXPECT_EQ(post(inst, "Patient/$validate?profile=http://example.org/nope", usCorePatient())->status, 400);
  EXPECT_EQ(post(inst, "Patient/$validate?profile=" + kUsCore + "us-core-goal", usCorePatient())->status, 400);
  EXPECT_EQ(c_.Post("/" + inst + "/fhir/Patient/$validate", "{not json", "application/fhir+json")->status, 400);
  EXPECT_EQ(post(inst, "Patient/$validate", {{"resourceType", "Parameters"}, {"parameter", {{{"name", "mode"}, {"valueCode", "create"}}}}})
                ->status,
            400)
      << "Parameters without a resource";
  EXPECT_EQ(c_.Post("/" + inst + "/fhir/Patient/$validate", usCorePatient().dump(), "text/plain")->status, 415);
  EXPECT_EQ(post("no-such-instance", "Patient/$validate", usCorePatient())->status, 404);
  EXPECT_EQ(c_.Get("/" + inst + "/fhir/Patient/$validate")->status, 405);
  auto mismatchType = post(inst, "Observation/$validate", usCorePatient());
  ASSERT_EQ(mismatchType->status, 200);
  EXPECT_NE(mismatchType->body.find("\"error\""), std::string::npos) << mismatchType->body;
}

}  // namespace
