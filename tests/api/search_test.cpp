// Search basics: _id, _lastUpdated, _count and paging, and how unsupported parameters are reported.
#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "tests/support/flint_server.h"

using namespace flint::testing;
using nlohmann::json;

namespace {

class Search : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    instance_ = createInstance("search");
    auto c = client();
    for (int i = 0; i < 25; ++i) {
      auto res = c.Post("/" + instance_ + "/fhir/Patient", R"({"resourceType":"Patient"})", "application/fhir+json");
      ids_.push_back(parseJson(res->body)["id"]);
    }
    auto obs = c.Post("/" + instance_ + "/fhir/Observation",
                      R"({"resourceType":"Observation","status":"final","code":{"text":"x"}})", "application/fhir+json");
    observationId_ = parseJson(obs->body)["id"];
  }
  json search(const std::string& query, httplib::Headers headers = {}) {
    auto res = c_.Get("/" + instance_ + "/fhir/" + query, headers);
    EXPECT_EQ(res->status, 200) << res->body;
    return parseJson(res->body);
  }
  static std::set<std::string> matchIds(const json& bundle) {
    std::set<std::string> out;
    for (const auto& e : bundle.value("entry", json::array()))
      if (e["search"]["mode"] == "match") out.insert(e["resource"]["id"].get<std::string>());
    return out;
  }
  static std::string instance_;
  static std::vector<std::string> ids_;
  static std::string observationId_;
  httplib::Client c_ = client();
};
std::string Search::instance_;
std::vector<std::string> Search::ids_;
std::string Search::observationId_;

}  // namespace

TEST_F(Search, ByIdWithOrAndAnd) {
  EXPECT_EQ(matchIds(search("Patient?_id=" + ids_[0])), std::set<std::string>{ids_[0]});
  EXPECT_EQ(matchIds(search("Patient?_id=" + ids_[0] + "," + ids_[1] + ",nope")),
            (std::set<std::string>{ids_[0], ids_[1]}));
  EXPECT_EQ(matchIds(search("Patient?_id=" + ids_[0] + "," + ids_[1] + "&_id=" + ids_[1])),
            std::set<std::string>{ids_[1]});
  EXPECT_TRUE(matchIds(search("Patient?_id=" + observationId_)).empty());
  EXPECT_TRUE(matchIds(search("Patient?_id=bad!id")).empty());
  auto bundle = search("Patient?_id=" + ids_[2]);
  EXPECT_EQ(bundle["type"], "searchset");
  EXPECT_EQ(bundle["entry"][0]["fullUrl"], sharedServer().baseUrl() + "/" + instance_ + "/fhir/Patient/" + ids_[2]);
}

TEST_F(Search, PagingVisitsEveryResourceOnce) {
  std::set<std::string> seen;
  auto pages = followPages(c_, "/" + instance_ + "/fhir/Patient?_count=10");
  for (const auto& page : pages) {
    auto ids = matchIds(page);
    EXPECT_LE(ids.size(), 10u);
    for (const auto& id : ids) EXPECT_TRUE(seen.insert(id).second);
  }
  EXPECT_EQ(pages.size(), 3u);
  EXPECT_EQ(seen, std::set<std::string>(ids_.begin(), ids_.end()));
}

TEST_F(Search, CountZeroAndLimits) {
  auto none = search("Patient?_count=0");
  EXPECT_FALSE(none.contains("entry"));
  EXPECT_TRUE(linkOf(none, "next").empty());
  EXPECT_EQ(matchIds(search("Patient")).size(), 20u);
  EXPECT_EQ(matchIds(search("Patient?_count=1000000")).size(), 25u);
  EXPECT_EQ(c_.Get("/" + instance_ + "/fhir/Patient?_count=abc")->status, 400);
  EXPECT_EQ(c_.Get("/" + instance_ + "/fhir/Patient?_count=-5")->status, 400);
}

TEST_F(Search, LastUpdatedPrefixes) {
  auto first = parseJson(c_.Get("/" + instance_ + "/fhir/Patient/" + ids_[0])->body);
  std::string at = first["meta"]["lastUpdated"];
  EXPECT_EQ(matchIds(search("Patient?_count=100&_lastUpdated=" + at)).count(ids_[0]), 1u);
  EXPECT_EQ(matchIds(search("Patient?_count=100&_lastUpdated=ne" + at)).count(ids_[0]), 0u);
  EXPECT_EQ(matchIds(search("Patient?_count=100&_lastUpdated=gt" + at)).count(ids_[0]), 0u);
  EXPECT_EQ(matchIds(search("Patient?_count=100&_lastUpdated=ge" + at)).count(ids_[0]), 1u);
  EXPECT_EQ(matchIds(search("Patient?_count=100&_lastUpdated=lt" + at)).count(ids_[0]), 0u);
  EXPECT_EQ(matchIds(search("Patient?_count=100&_lastUpdated=le" + at)).count(ids_[0]), 1u);
  EXPECT_EQ(matchIds(search("Patient?_count=100&_lastUpdated=sa2000-01-01")).size(), 25u);
  EXPECT_TRUE(matchIds(search("Patient?_count=100&_lastUpdated=eb2000-01-01")).empty());
  EXPECT_TRUE(matchIds(search("Patient?_count=100&_lastUpdated=2000")).empty());
  EXPECT_EQ(matchIds(search("Patient?_count=100&_lastUpdated=ap" + at.substr(0, 10))).count(ids_[0]), 1u);
  EXPECT_EQ(c_.Get("/" + instance_ + "/fhir/Patient?_lastUpdated=xx2020")->status, 400);
  EXPECT_EQ(c_.Get("/" + instance_ + "/fhir/Patient?_lastUpdated=2020-13-01")->status, 400);
}

TEST_F(Search, UnsupportedParametersAreReportedNotSilentlyIgnored) {
  auto lenient = search("Patient?_count=1&deceased=true");
  bool warned = false;
  for (const auto& e : lenient["entry"])
    if (e["search"]["mode"] == "outcome") {
      warned = true;
      EXPECT_EQ(e["resource"]["resourceType"], "OperationOutcome");
      EXPECT_NE(e["resource"]["issue"][0]["diagnostics"].get<std::string>().find("deceased"), std::string::npos);
    }
  EXPECT_TRUE(warned);
  EXPECT_EQ(linkOf(lenient, "self").find("deceased"), std::string::npos);
  auto strict = c_.Get("/" + instance_ + "/fhir/Patient?no-such-param=x", {{"Prefer", "handling=strict"}});
  EXPECT_EQ(strict->status, 400);
  EXPECT_EQ(parseJson(strict->body)["resourceType"], "OperationOutcome");
  // A parameter of the specification whose expression Flint does not evaluate exactly is refused
  // the same way, never answered approximately.
  auto deceased = c_.Get("/" + instance_ + "/fhir/Patient?deceased=true", {{"Prefer", "handling=strict"}});
  EXPECT_EQ(deceased->status, 400);
  EXPECT_NE(deceased->body.find("deceased"), std::string::npos) << deceased->body;
}

TEST_F(Search, PostSearchTakesAFormBody) {
  auto res = c_.Post("/" + instance_ + "/fhir/Patient/_search", "_id=" + ids_[3], "application/x-www-form-urlencoded");
  ASSERT_EQ(res->status, 200);
  EXPECT_EQ(matchIds(parseJson(res->body)), std::set<std::string>{ids_[3]});
  EXPECT_EQ(c_.Post("/" + instance_ + "/fhir/Patient/_search", "{}", "application/fhir+json")->status, 415);
  EXPECT_EQ(c_.Get("/" + instance_ + "/fhir/Patient/_search")->status, 405);
}

TEST_F(Search, DeletedResourcesDropOut) {
  auto res = c_.Post("/" + instance_ + "/fhir/Observation",
                     R"({"resourceType":"Observation","status":"final","code":{"text":"y"}})", "application/fhir+json");
  std::string id = parseJson(res->body)["id"];
  EXPECT_EQ(matchIds(search("Observation?_id=" + id)).size(), 1u);
  c_.Delete("/" + instance_ + "/fhir/Observation/" + id);
  EXPECT_TRUE(matchIds(search("Observation?_id=" + id)).empty());
}
