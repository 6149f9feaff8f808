// Conditional create, update, patch and delete — including ten parallel identical conditional
// creates, which must leave exactly one resource.
#include <gtest/gtest.h>

#include <future>

#include "tests/support/flint_server.h"

using namespace flint::testing;
using nlohmann::json;

namespace {

class Conditional : public ::testing::Test {
 protected:
  void SetUp() override { instance_ = createInstance("cond"); }
  std::string path(const std::string& p) const { return "/" + instance_ + "/fhir/" + p; }
  httplib::Result createIfNoneExist(const std::string& criteria, const std::string& value) {
    auto c = client();
    json body = {{"resourceType", "Patient"}, {"identifier", {{{"system", "urn:mrn"}, {"value", value}}}}};
    return c.Post(path("Patient"), {{"If-None-Exist", criteria}}, body.dump(), "application/fhir+json");
  }
  size_t count(const std::string& query) {
    return parseJson(c_.Get(path(query + "&_count=1000"))->body).value("entry", json::array()).size();
  }
  std::string instance_;
  httplib::Client c_ = client();
};

}  // namespace

TEST_F(Conditional, CreateIfNoneExist) {
  auto first = createIfNoneExist("identifier=urn:mrn|1", "1");
  ASSERT_EQ(first->status, 201) << first->body;
  std::string id = parseJson(first->body)["id"];
  auto again = createIfNoneExist("identifier=urn:mrn|1", "1");
  EXPECT_EQ(again->status, 200);
  EXPECT_EQ(parseJson(again->body)["id"], id);
  EXPECT_EQ(again->get_header_value("ETag"), "W/\"1\"");
  createIfNoneExist("identifier=urn:mrn|2", "2");
  EXPECT_EQ(createIfNoneExist("identifier=urn:mrn|", "3")->status, 412);
  EXPECT_EQ(createIfNoneExist("unknown-param=1", "4")->status, 400);
  EXPECT_EQ(createIfNoneExist("identifier=%zz", "5")->status, 400);
  EXPECT_EQ(count("Patient?identifier=urn:mrn|"), 2u);
}

TEST_F(Conditional, ParallelIdenticalCreatesMakeExactlyOne) {
  std::vector<std::future<int>> runs;
  for (int i = 0; i < 10; ++i)
    runs.push_back(std::async(std::launch::async, [&] { return createIfNoneExist("identifier=urn:mrn|race", "race")->status; }));
  int created = 0, found = 0;
  for (auto& r : runs) {
    int status = r.get();
    if (status == 201) ++created;
    else if (status == 200) ++found;
    else ADD_FAILURE() << "status " << status;
  }
  EXPECT_EQ(created, 1);
  EXPECT_EQ(found, 9);
  EXPECT_EQ(count("Patient?identifier=urn:mrn|race"), 1u);
}

TEST_F(Conditional, UpdateByCriteria) {
  auto none = c_.Put(path("Patient?identifier=urn:mrn|u1"),
                     R"({"resourceType":"Patient","identifier":[{"system":"urn:mrn","value":"u1"}],"active":true})",
                     "application/fhir+json");
  ASSERT_EQ(none->status, 201) << none->body;
  std::string id = parseJson(none->body)["id"];
  auto one = c_.Put(path("Patient?identifier=urn:mrn|u1"),
                    R"({"resourceType":"Patient","identifier":[{"system":"urn:mrn","value":"u1"}],"active":false})",
                    "application/fhir+json");
  EXPECT_EQ(one->status, 200);
  EXPECT_EQ(parseJson(one->body)["id"], id);
  EXPECT_EQ(parseJson(one->body)["meta"]["versionId"], "2");
  EXPECT_EQ(c_.Put(path("Patient?identifier=urn:mrn|u1"), R"({"resourceType":"Patient","id":"other"})",
                   "application/fhir+json")->status, 400);
  auto withId = c_.Put(path("Patient?identifier=urn:mrn|nobody"), R"({"resourceType":"Patient","id":"chosen"})",
                       "application/fhir+json");
  EXPECT_EQ(withId->status, 201);
  EXPECT_EQ(parseJson(withId->body)["id"], "chosen");
  c_.Post(path("Patient"), R"({"resourceType":"Patient","gender":"male"})", "application/fhir+json");
  c_.Post(path("Patient"), R"({"resourceType":"Patient","gender":"male"})", "application/fhir+json");
  EXPECT_EQ(c_.Put(path("Patient?gender=male"), R"({"resourceType":"Patient"})", "application/fhir+json")->status, 412);
  EXPECT_EQ(c_.Put(path("Patient"), R"({"resourceType":"Patient"})", "application/fhir+json")->status, 400);
}

TEST_F(Conditional, PatchByCriteria) {
  createIfNoneExist("identifier=urn:mrn|p1", "p1");
  auto res = c_.Patch(path("Patient?identifier=urn:mrn|p1"), R"([{"op":"add","path":"/active","value":true}])",
                      "application/json-patch+json");
  ASSERT_EQ(res->status, 200) << res->body;
  EXPECT_EQ(parseJson(res->body)["active"], true);
  EXPECT_EQ(c_.Patch(path("Patient?identifier=urn:mrn|none"), R"([])", "application/json-patch+json")->status, 404);
}

TEST_F(Conditional, DeleteSingleByDefault) {
  createIfNoneExist("identifier=urn:mrn|d1", "d1");
  createIfNoneExist("identifier=urn:mrn|d2", "d2");
  EXPECT_EQ(c_.Delete(path("Patient?identifier=urn:mrn|"))->status, 412);
  EXPECT_EQ(c_.Delete(path("Patient?identifier=urn:mrn|d1"))->status, 204);
  EXPECT_EQ(count("Patient?identifier=urn:mrn|"), 1u);
  EXPECT_EQ(c_.Delete(path("Patient?identifier=urn:mrn|d1"))->status, 204);
  EXPECT_EQ(c_.Delete(path("Patient"))->status, 400);
}

TEST(ConditionalMultiple, DeleteMultipleWhenConfigured) {
  FlintServer server({"--conditional-delete", "multiple"});
  std::string inst = createInstance("condm", server);
  auto c = client(server);
  for (int i = 0; i < 3; ++i)
    c.Post("/" + inst + "/fhir/Patient", R"({"resourceType":"Patient","gender":"female"})", "application/fhir+json");
  EXPECT_EQ(c.Delete("/" + inst + "/fhir/Patient?gender=female")->status, 204);
  EXPECT_FALSE(parseJson(c.Get("/" + inst + "/fhir/Patient?gender=female")->body).contains("entry"));
  auto cs = parseJson(c.Get("/" + inst + "/fhir/metadata")->body);
  EXPECT_EQ(cs["rest"][0]["resource"][0]["conditionalDelete"], "multiple");
}

TEST_F(Conditional, TransactionConditionalCreateResolvesReferencesToTheMatch) {
  auto existing = createIfNoneExist("identifier=urn:mrn|t1", "t1");
  std::string id = parseJson(existing->body)["id"];
  json bundle = {{"resourceType", "Bundle"}, {"type", "transaction"}};
  bundle["entry"] = json::array();
  bundle["entry"].push_back({{"fullUrl", "urn:uuid:9f0c5a0e-2f0a-4e43-9a1b-6f3f3f6f0001"},
                             {"resource", {{"resourceType", "Patient"}, {"identifier", {{{"system", "urn:mrn"}, {"value", "t1"}}}}}},
                             {"request", {{"method", "POST"}, {"url", "Patient"}, {"ifNoneExist", "identifier=urn:mrn|t1"}}}});
  bundle["entry"].push_back({{"resource", {{"resourceType", "Observation"}, {"status", "final"}, {"code", {{"text", "x"}}},
                                           {"subject", {{"reference", "urn:uuid:9f0c5a0e-2f0a-4e43-9a1b-6f3f3f6f0001"}}}}},
                             {"request", {{"method", "POST"}, {"url", "Observation"}}}});
  auto res = c_.Post(path(""), bundle.dump(), "application/fhir+json");
  ASSERT_EQ(res->status, 200) << res->body;
  auto out = parseJson(res->body);
  EXPECT_EQ(out["entry"][0]["response"]["status"], "200");
  EXPECT_EQ(out["entry"][1]["resource"]["subject"]["reference"], "Patient/" + id);
  EXPECT_EQ(count("Patient?identifier=urn:mrn|t1"), 1u);
}

TEST_F(Conditional, TransactionResolvesConditionalReferences) {
  auto existing = createIfNoneExist("identifier=urn:mrn|cr", "cr");
  std::string id = parseJson(existing->body)["id"];
  auto bundleWith = [&](const std::string& reference) {
    json bundle = {{"resourceType", "Bundle"}, {"type", "transaction"}};
    bundle["entry"] = json::array();
    bundle["entry"].push_back({{"resource", {{"resourceType", "Observation"}, {"status", "final"}, {"code", {{"text", "x"}}},
                                             {"subject", {{"reference", reference}}}}},
                               {"request", {{"method", "POST"}, {"url", "Observation"}}}});
    return c_.Post(path(""), bundle.dump(), "application/fhir+json");
  };
  auto ok = bundleWith("Patient?identifier=urn:mrn|cr");
  ASSERT_EQ(ok->status, 200) << ok->body;
  EXPECT_EQ(parseJson(ok->body)["entry"][0]["resource"]["subject"]["reference"], "Patient/" + id);
  EXPECT_EQ(bundleWith("Patient?identifier=urn:mrn|nobody")->status, 412);
  createIfNoneExist("identifier=urn:mrn|cr2", "cr2");
  EXPECT_EQ(bundleWith("Patient?identifier=urn:mrn|")->status, 412);
  EXPECT_EQ(bundleWith("Nope?x=1")->status, 400);
  EXPECT_EQ(bundleWith("Patient?bogus=1")->status, 400);
}
