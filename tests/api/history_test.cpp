// History at the instance, type and system level: order, entry shapes, _since, _count paging.
#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "tests/support/flint_server.h"

using namespace flint::testing;
using nlohmann::json;

namespace {

std::string fhir(const std::string& instance, const std::string& p) { return "/" + instance + "/fhir/" + p; }

}  // namespace

TEST(History, InstanceHistoryListsEveryVersionNewestFirst) {
  std::string inst = createInstance("hist");
  auto c = client();
  auto created = c.Post(fhir(inst, "Patient"), R"({"resourceType":"Patient","active":true})", "application/fhir+json");
  std::string id = parseJson(created->body)["id"];
  c.Put(fhir(inst, "Patient/" + id), R"({"resourceType":"Patient","id":")" + id + R"(","active":false})",
        "application/fhir+json");
  c.Delete(fhir(inst, "Patient/" + id));
  auto res = c.Get(fhir(inst, "Patient/" + id + "/_history"));
  ASSERT_EQ(res->status, 200);
  auto bundle = parseJson(res->body);
  EXPECT_EQ(bundle["resourceType"], "Bundle");
  EXPECT_EQ(bundle["type"], "history");
  ASSERT_EQ(bundle["entry"].size(), 3u);
  const auto& e = bundle["entry"];
  EXPECT_EQ(e[0]["request"]["method"], "DELETE");
  EXPECT_FALSE(e[0].contains("resource"));
  EXPECT_EQ(e[0]["response"]["status"], "204");
  EXPECT_EQ(e[1]["request"]["method"], "PUT");
  EXPECT_EQ(e[1]["resource"]["active"], false);
  EXPECT_EQ(e[1]["response"]["etag"], "W/\"2\"");
  EXPECT_EQ(e[2]["request"]["method"], "POST");
  EXPECT_EQ(e[2]["request"]["url"], "Patient");
  EXPECT_EQ(e[2]["response"]["status"], "201");
  EXPECT_EQ(e[2]["resource"]["meta"]["versionId"], "1");
  EXPECT_EQ(e[2]["fullUrl"], sharedServer().baseUrl() + "/" + inst + "/fhir/Patient/" + id);
  EXPECT_EQ(c.Get(fhir(inst, "Patient/unknown/_history"))->status, 404);
}

TEST(History, TypeAndSystemHistoryPageThroughEverything) {
  std::string inst = createInstance("histpage");
  auto c = client();
  std::set<std::string> written;
  for (int i = 0; i < 7; ++i) {
    auto res = c.Post(fhir(inst, "Observation"),
                      R"({"resourceType":"Observation","status":"final","code":{"text":"n"}})", "application/fhir+json");
    written.insert(parseJson(res->body)["id"].get<std::string>());
  }
  c.Post(fhir(inst, "Patient"), R"({"resourceType":"Patient"})", "application/fhir+json");

  std::set<std::string> seen;
  auto pages = followPages(c, fhir(inst, "Observation/_history?_count=3"));
  for (const auto& e : entriesOf(pages)) {
    EXPECT_EQ(e["resource"]["resourceType"], "Observation");
    EXPECT_TRUE(seen.insert(e["resource"]["id"].get<std::string>()).second);
  }
  EXPECT_EQ(seen, written);
  EXPECT_EQ(pages.size(), 3u);

  auto system = parseJson(c.Get(fhir(inst, "_history?_count=100"))->body);
  EXPECT_EQ(system["entry"].size(), 8u);
  EXPECT_EQ(system["entry"][0]["resource"]["resourceType"], "Patient");
}

TEST(History, SinceFiltersByTime) {
  std::string inst = createInstance("since");
  auto c = client();
  c.Post(fhir(inst, "Patient"), R"({"resourceType":"Patient"})", "application/fhir+json");
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  auto later = c.Post(fhir(inst, "Patient"), R"({"resourceType":"Patient"})", "application/fhir+json");
  std::string since = parseJson(later->body)["meta"]["lastUpdated"];
  auto bundle = parseJson(c.Get(fhir(inst, "Patient/_history?_since=" + since))->body);
  ASSERT_EQ(bundle["entry"].size(), 1u);
  EXPECT_EQ(bundle["entry"][0]["resource"]["id"], parseJson(later->body)["id"]);
  EXPECT_EQ(parseJson(c.Get(fhir(inst, "Patient/_history?_since=2000-01-01"))->body)["entry"].size(), 2u);
  EXPECT_EQ(c.Get(fhir(inst, "Patient/_history?_since=yesterday"))->status, 400);
  EXPECT_EQ(c.Get(fhir(inst, "Patient/_history?_count=-1"))->status, 400);
  EXPECT_EQ(c.Get(fhir(inst, "Patient/_history?_page_before=garbage"))->status, 400);
  EXPECT_EQ(c.Get(fhir(inst, "Patient/_history?_at=2020"), {{"Prefer", "handling=strict"}})->status, 400);
}
