// History at the instance, type and system level: order, entry shapes, _since, _count paging.
#include <gtest/gtest.h>

#include <atomic>
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

// Current versions live in one table and superseded ones in another (docs/storage.md): pages of
// the system history must interleave them in time order, and every version must read back.
TEST(History, VersionsOfEveryKindInterleaveAcrossPages) {
  std::string inst = createInstance("histmix");
  auto c = client();
  auto put = [&](const std::string& id, bool active) {
    auto res = c.Put(fhir(inst, "Patient/" + id),
                     R"({"resourceType":"Patient","id":")" + id + R"(","active":)" + (active ? "true" : "false") + "}",
                     "application/fhir+json");
    ASSERT_TRUE(res->status == 200 || res->status == 201) << res->body;
  };
  // Newest first, as the history lists them: (id, version, method). Writes a few milliseconds
  // apart, since versions of one millisecond are listed by type and id.
  std::vector<std::string> expected;
  auto wrote = [&](const std::string& entry) {
    expected.insert(expected.begin(), entry);
    std::this_thread::sleep_for(std::chrono::milliseconds(3));
  };
  put("a", true);
  wrote("a 1 PUT");
  put("b", true);
  wrote("b 1 PUT");
  put("a", false);
  wrote("a 2 PUT");
  ASSERT_EQ(c.Delete(fhir(inst, "Patient/b"))->status, 204);
  wrote("b 2 DELETE");
  auto posted = c.Post(fhir(inst, "Patient"), R"({"resourceType":"Patient"})", "application/fhir+json");
  const std::string p = parseJson(posted->body)["id"];
  wrote(p + " 1 POST");
  put("b", false);
  wrote("b 3 PUT");
  ASSERT_EQ(c.Patch(fhir(inst, "Patient/a"), R"([{"op":"replace","path":"/active","value":true}])",
                    "application/json-patch+json")->status, 200);
  wrote("a 3 PATCH");

  std::vector<std::string> listed;
  for (const auto& e : entriesOf(followPages(c, fhir(inst, "_history?_count=2"))))
    listed.push_back(e["fullUrl"].get<std::string>().substr(e["fullUrl"].get<std::string>().rfind('/') + 1) + " " +
                     (e.contains("resource") ? e["resource"]["meta"]["versionId"].get<std::string>()
                                             : e["response"]["etag"].get<std::string>().substr(3, 1)) +
                     " " + e["request"]["method"].get<std::string>());
  EXPECT_EQ(listed, expected);
  auto instance = parseJson(c.Get(fhir(inst, "Patient/a/_history"))->body);
  ASSERT_EQ(instance["entry"].size(), 3u);
  EXPECT_EQ(instance["entry"][0]["resource"]["active"], true);
  EXPECT_EQ(instance["entry"][1]["resource"]["active"], false);
  EXPECT_EQ(instance["entry"][2]["resource"]["active"], true);

  EXPECT_EQ(parseJson(c.Get(fhir(inst, "Patient/a/_history/1"))->body)["active"], true);
  EXPECT_EQ(parseJson(c.Get(fhir(inst, "Patient/a/_history/2"))->body)["active"], false);
  EXPECT_EQ(parseJson(c.Get(fhir(inst, "Patient/a/_history/3"))->body)["meta"]["versionId"], "3");
  EXPECT_EQ(c.Get(fhir(inst, "Patient/a/_history/4"))->status, 404);
  EXPECT_EQ(c.Get(fhir(inst, "Patient/b/_history/2"))->status, 410);
  EXPECT_EQ(parseJson(c.Get(fhir(inst, "Patient/b/_history/1"))->body)["active"], true);
  EXPECT_EQ(parseJson(c.Get(fhir(inst, "Patient/b"))->body)["active"], false);
}

// Racing first writes of one id: each lands as its own version, none is lost or duplicated.
TEST(History, ConcurrentFirstWritesOfAnIdBecomeSuccessiveVersions) {
  std::string inst = createInstance("histrace");
  constexpr int kWriters = 8;
  std::vector<std::thread> writers;
  std::atomic<int> ok{0};
  for (int i = 0; i < kWriters; ++i)
    writers.emplace_back([&, i] {
      auto c = client();
      auto res = c.Put(fhir(inst, "Patient/race"),
                       R"({"resourceType":"Patient","id":"race","birthDate":"20)" + std::to_string(10 + i) + R"(-01-01"})",
                       "application/fhir+json");
      if (res && (res->status == 200 || res->status == 201)) ++ok;
    });
  for (auto& t : writers) t.join();
  auto c = client();
  auto history = parseJson(c.Get(fhir(inst, "Patient/race/_history?_count=100"))->body);
  std::set<std::string> versions;
  for (const auto& e : history["entry"]) versions.insert(e["resource"]["meta"]["versionId"].get<std::string>());
  EXPECT_EQ(static_cast<int>(history["entry"].size()), ok.load());
  EXPECT_EQ(static_cast<int>(versions.size()), ok.load());
  EXPECT_GE(ok.load(), 1);
  EXPECT_EQ(parseJson(c.Get(fhir(inst, "Patient/race"))->body)["meta"]["versionId"], std::to_string(ok.load()));
}
