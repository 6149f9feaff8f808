// `flint seed`: deterministic synthetic data that the FHIR API serves.
#include <gtest/gtest.h>

#include <map>
#include <regex>

#include "tests/support/flint_server.h"

using namespace flint::testing;
using nlohmann::json;

namespace {

// All resources of an instance by type/id, with meta.lastUpdated removed (the only field that
// depends on when the seed ran).
std::map<std::string, json> snapshot(const std::string& inst) {
  auto c = client();
  std::map<std::string, json> out;
  for (const char* type : {"Patient", "Practitioner", "Organization", "Encounter", "Condition", "Observation"}) {
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
  size_t patients = 0, observations = 0;
  for (const auto& [key, resource] : sa) {
    if (key.rfind("Patient/", 0) == 0) {
      ++patients;
      EXPECT_TRUE(resource["gender"] == "male" || resource["gender"] == "female");
      EXPECT_TRUE(std::regex_match(resource["birthDate"].get<std::string>(), std::regex(R"(\d{4}-\d\d-\d\d)")));
    }
    if (key.rfind("Observation/", 0) == 0) {
      ++observations;
      EXPECT_EQ(resource["code"]["coding"][0]["system"], "http://loinc.org");
      EXPECT_EQ(resource["category"][0]["coding"][0]["code"], "vital-signs");
      std::string subject = resource["subject"]["reference"];
      EXPECT_TRUE(sa.count(subject)) << "dangling reference " << subject;
    }
  }
  EXPECT_EQ(patients, 12u);
  EXPECT_GT(observations, 12u);

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
