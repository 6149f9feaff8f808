// PATCH with JSON Patch: applied, versioned, validated like any write, guarded by If-Match,
// and leaving the resource unchanged when it fails.
#include <gtest/gtest.h>

#include "tests/support/flint_server.h"

using namespace flint::testing;
using nlohmann::json;

namespace {

class Patch : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { instance_ = createInstance("patch"); }
  std::string path(const std::string& p) const { return "/" + instance_ + "/fhir/" + p; }
  std::string createPatient() {
    auto res = c_.Post(path("Patient"), R"({"resourceType":"Patient","active":true,"name":[{"family":"Old","given":["A"]}]})",
                       "application/fhir+json");
    return parseJson(res->body)["id"];
  }
  httplib::Result patch(const std::string& id, const std::string& body, httplib::Headers headers = {}) {
    return c_.Patch(path("Patient/" + id), headers, body, "application/json-patch+json");
  }
  static std::string instance_;
  httplib::Client c_ = client();
};
std::string Patch::instance_;

}  // namespace

TEST_F(Patch, AppliesAndCreatesANewVersion) {
  std::string id = createPatient();
  auto res = patch(id, R"([{"op":"replace","path":"/name/0/family","value":"New"},
                          {"op":"add","path":"/name/0/given/-","value":"B"},
                          {"op":"remove","path":"/active"},
                          {"op":"add","path":"/birthDate","value":"1980-01-02"}])");
  ASSERT_EQ(res->status, 200) << res->body;
  auto body = parseJson(res->body);
  EXPECT_EQ(body["name"][0]["family"], "New");
  EXPECT_EQ(body["name"][0]["given"], json::array({"A", "B"}));
  EXPECT_FALSE(body.contains("active"));
  EXPECT_EQ(body["meta"]["versionId"], "2");
  EXPECT_EQ(res->get_header_value("ETag"), "W/\"2\"");
  EXPECT_EQ(parseJson(c_.Get(path("Patient/" + id))->body), body);
  auto history = parseJson(c_.Get(path("Patient/" + id + "/_history"))->body);
  EXPECT_EQ(history["entry"][0]["request"]["method"], "PATCH");
}

TEST_F(Patch, IfMatchGuardsIt) {
  std::string id = createPatient();
  const std::string ops = R"([{"op":"replace","path":"/active","value":false}])";
  EXPECT_EQ(patch(id, ops, {{"If-Match", "W/\"2\""}})->status, 412);
  EXPECT_EQ(patch(id, ops, {{"If-Match", "W/\"1\""}})->status, 200);
  EXPECT_EQ(patch(id, ops, {{"If-Match", "W/\"1\""}})->status, 412);
}

TEST_F(Patch, FailuresLeaveTheResourceUnchanged) {
  std::string id = createPatient();
  auto original = c_.Get(path("Patient/" + id))->body;
  // The result must be valid FHIR.
  auto invalid = patch(id, R"([{"op":"replace","path":"/active","value":"yes"}])");
  EXPECT_EQ(invalid->status, 400);
  EXPECT_EQ(parseJson(invalid->body)["issue"][0]["expression"][0], "Patient.active");
  EXPECT_EQ(patch(id, R"([{"op":"add","path":"/gender","value":"mail"}])")->status, 400);
  // Operations that cannot apply, and a failed test, change nothing (even the ones before them).
  EXPECT_EQ(patch(id, R"([{"op":"replace","path":"/active","value":false},{"op":"remove","path":"/nope"}])")->status, 422);
  EXPECT_EQ(patch(id, R"([{"op":"test","path":"/active","value":false},{"op":"remove","path":"/active"}])")->status, 422);
  EXPECT_EQ(patch(id, R"([{"op":"replace","path":"/id","value":"other"}])")->status, 422);
  EXPECT_EQ(patch(id, R"([{"op":"replace","path":"/resourceType","value":"Observation"}])")->status, 400);
  EXPECT_EQ(patch(id, R"([{"op":"remove","path":""}])")->status, 422);
  // Malformed patch documents.
  EXPECT_EQ(patch(id, R"({"op":"add"})")->status, 400);
  EXPECT_EQ(patch(id, R"([{"op":"jump","path":"/active"}])")->status, 400);
  EXPECT_EQ(patch(id, "not json")->status, 400);
  EXPECT_EQ(c_.Patch(path("Patient/" + id), R"([])", "application/fhir+json")->status, 415);
  EXPECT_EQ(c_.Get(path("Patient/" + id))->body, original);
}

TEST_F(Patch, UnknownOrDeletedResources) {
  EXPECT_EQ(patch("nobody", R"([{"op":"add","path":"/active","value":true}])")->status, 404);
  std::string id = createPatient();
  c_.Delete(path("Patient/" + id));
  EXPECT_EQ(patch(id, R"([{"op":"add","path":"/active","value":true}])")->status, 410);
}
