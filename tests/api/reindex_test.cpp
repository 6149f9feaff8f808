// flint reindex: rebuilds an instance's search entries while it keeps serving, a whole instance
// or one type, and --outdated finds the instances an older index extraction built.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "tests/support/flint_server.h"

using namespace flint::testing;
using nlohmann::json;

TEST(Reindex, RebuildsLostEntriesOnlineAndMarksTheInstanceCurrent) {
  const std::string instance = createInstance("reidx");
  const std::string base = "/" + instance + "/fhir/";
  auto c = client();
  json entries = json::array();
  entries.push_back({{"request", {{"method", "PUT"}, {"url", "Patient/pat"}}},
                     {"resource", {{"resourceType", "Patient"}, {"id", "pat"}, {"gender", "female"}}}});
  for (int i = 0; i < 300; ++i)
    entries.push_back({{"request", {{"method", "POST"}, {"url", "Observation"}}},
                       {"resource", {{"resourceType", "Observation"}, {"status", "final"}, {"subject", {{"reference", "Patient/pat"}}},
                                     {"code", {{"coding", {{{"system", "http://loinc.org"}, {"code", "2345-7"}}}}}},
                                     {"valueQuantity", {{"value", 90 + i % 10}, {"system", "http://unitsofmeasure.org"}, {"code", "mg/dL"}}}}}});
  auto posted = c.Post(base, json({{"resourceType", "Bundle"}, {"type", "transaction"}, {"entry", entries}}).dump(),
                       "application/fhir+json");
  ASSERT_EQ(posted->status, 200) << posted->body.substr(0, 300);
  // "Observation/{id}/_history/1", perhaps absolute.
  std::string location = parseJson(posted->body)["entry"][1]["response"]["location"];
  location = location.substr(location.find("Observation/"));
  const std::string anObservation = base + location.substr(0, location.find("/_history"));
  ASSERT_EQ(c.Get(anObservation)->status, 200) << anObservation;

  const std::string url = databaseUrl();
  const std::string schema = trimmed(psql(url, "SELECT schema_name FROM flint.instances WHERE name = '" + instance + "'"));
  const std::string version = "SELECT search_index_version FROM flint.instances WHERE name = '" + instance + "'";
  const std::string current = trimmed(psql(url, version));
  EXPECT_NE(current, "0");  // created by this Flint: indexed by its extraction
  // Rows are keyed as migration 11 keyed the rows of older instances, in SQL.
  EXPECT_EQ(trimmed(psql(url, "SELECT count(*) FROM " + schema + ".search_token WHERE code = 'female'"
                              " AND param_key = ('x' || left(md5('Patient.gender'), 8))::bit(32)::int")),
            "1");
  auto total = [&](const std::string& query) {
    return parseJson(c.Get(base + query + "&_total=accurate&_count=0")->body).value("total", -1);
  };
  const std::string composite = "Observation?code-value-quantity=http://loinc.org%7C2345-7$ge0.9%7Chttp://unitsofmeasure.org%7Cg/L";
  EXPECT_EQ(total(composite), 300);

  // The index as an older Flint left it: no composite entries, the patient's tokens gone.
  psql(url, "DELETE FROM " + schema + ".search_composite; DELETE FROM " + schema + ".search_token WHERE rid IN"
                " (SELECT rid FROM " + schema + ".resources WHERE resource_type = 'Patient');"
                " UPDATE flint.instances SET search_index_version = 0 WHERE name = '" + instance + "'");
  EXPECT_EQ(total(composite), 0);
  EXPECT_EQ(total("Patient?gender=female"), 0);

  // One type only: that type is back, the instance is still behind.
  ASSERT_EQ(runFlint({"reindex", "--instance", instance, "--type", "Patient"}), 0);
  EXPECT_EQ(total("Patient?gender=female"), 1);
  EXPECT_EQ(total(composite), 0);
  EXPECT_EQ(trimmed(psql(url, version)), "0");

  // --outdated finds it; reads carry on meanwhile.
  std::atomic<bool> done{false};
  std::atomic<int> reads{0}, failures{0};
  std::thread reader([&] {
    auto rc = client();
    while (!done) {
      auto r = rc.Get(anObservation);
      ++reads;
      if (!r || r->status != 200) ++failures;
    }
  });
  std::string out;
  const int status = runFlint({"reindex", "--outdated"}, &out);
  done = true;
  reader.join();
  ASSERT_EQ(status, 0) << out;
  EXPECT_NE(out.find("reindexed 301 resources in " + instance), std::string::npos) << out;
  EXPECT_GT(reads.load(), 0);
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(total(composite), 300);
  EXPECT_EQ(total("Patient?gender=female"), 1);
  EXPECT_EQ(trimmed(psql(url, version)), current);

  // Now current, it is left alone.
  ASSERT_EQ(runFlint({"reindex", "--outdated"}, &out), 0);
  EXPECT_EQ(out.find(instance), std::string::npos) << out;
}

TEST(Reindex, RejectsBadArguments) {
  EXPECT_EQ(runFlint({"reindex", "--instance", "no-such-instance"}), 1);
  EXPECT_EQ(runFlint({"reindex", "--bogus"}), 2);
  EXPECT_EQ(runFlint({"reindex", "--outdated", "--instance", "x"}), 2);
}

// Instance migration 24 keys index rows by resource number: an instance from before keeps its
// entries through `flint migrate`, except those of an id two types share (which no row can tell
// apart), and is marked for reindexing, which brings those back; writes go on numbering after it.
TEST(Reindex, AnInstanceFromBeforeResourceNumbersKeepsItsEntriesAndReindexingRestoresTheRest) {
  const std::string instance = createInstance("renum");
  const std::string base = "/" + instance + "/fhir/";
  auto c = client();
  auto put = [&](const std::string& path, const json& body) {
    auto r = c.Put(base + path, body.dump(), "application/fhir+json");
    ASSERT_TRUE(r->status == 200 || r->status == 201) << path << ": " << r->body;
  };
  auto observation = [](const std::string& category) {
    return json{{"resourceType", "Observation"}, {"status", "final"}, {"subject", {{"reference", "Patient/p1"}}},
                {"category", {{{"coding", {{{"system", "http://terminology.hl7.org/CodeSystem/observation-category"},
                                            {"code", category}}}}}}},
                {"code", {{"text", "x"}}}};
  };
  put("Patient/p1", {{"resourceType", "Patient"}, {"id", "p1"}, {"gender", "female"}});
  for (const char* id : {"o1", "o2", "o3"}) {
    json o = observation("vital-signs");
    o["id"] = id;
    put(std::string("Observation/") + id, o);
  }
  put("Patient/shared", {{"resourceType", "Patient"}, {"id", "shared"}, {"gender", "male"}});
  json sharedObservation = observation("laboratory");
  sharedObservation["id"] = "shared";
  put("Observation/shared", sharedObservation);
  auto total = [&](const std::string& query) {
    return parseJson(c.Get(base + query + "&_total=accurate&_count=0")->body).value("total", -1);
  };
  ASSERT_EQ(total("Observation?patient=p1"), 4);

  const std::string url = databaseUrl();
  const std::string schema = trimmed(psql(url, "SELECT schema_name FROM flint.instances WHERE name = '" + instance + "'"));
  unmigrateResourceNumbers(url, schema);
  psql(url, "UPDATE flint.instances SET schema_version = 23, search_index_version = 3 WHERE name = '" + instance + "'");
  std::string out;
  ASSERT_EQ(runFlint({"migrate"}, &out), 0) << out;

  EXPECT_EQ(total("Observation?patient=p1&category=vital-signs"), 3);
  EXPECT_EQ(total("Patient?gender=female"), 1);
  EXPECT_EQ(total("Patient?gender=male"), 0);
  EXPECT_EQ(total("Observation?category=laboratory"), 0);
  auto created = c.Post(base + "Observation", observation("vital-signs").dump(), "application/fhir+json");
  ASSERT_EQ(created->status, 201) << created->body;
  EXPECT_EQ(total("Observation?patient=p1&category=vital-signs"), 4);

  ASSERT_EQ(runFlint({"reindex", "--outdated"}, &out), 0) << out;
  EXPECT_EQ(total("Patient?gender=male"), 1);
  EXPECT_EQ(total("Observation?category=laboratory"), 1);
  EXPECT_EQ(total("Observation?patient=p1"), 5);
  EXPECT_NE(trimmed(psql(url, "SELECT search_index_version FROM flint.instances WHERE name = '" + instance + "'")), "3");
}

// Entries of dated tokens (search index version 5) exist only for resources indexed since: an
// instance indexed before sorts its searches without them, and uses them once reindexing wrote
// them for every resource.
TEST(Reindex, DatedEntriesAreReadOnlyOnceReindexingWroteThemAll) {
  const std::string instance = createInstance("dated");
  const std::string base = "/" + instance + "/fhir/";
  auto c = client();
  for (const auto& [id, when] : std::vector<std::pair<std::string, std::string>>{
           {"o1", "2024-01-01"}, {"o2", "2024-02-01"}, {"o3", "2024-03-01"}}) {
    json o = {{"resourceType", "Observation"}, {"id", id}, {"status", "final"}, {"effectiveDateTime", when},
              {"category", {{{"coding", {{{"code", "laboratory"}}}}}}}, {"code", {{"text", "x"}}}};
    ASSERT_EQ(c.Put(base + "Observation/" + id, o.dump(), "application/fhir+json")->status, 201);
  }
  const std::string url = databaseUrl();
  const std::string schema = trimmed(psql(url, "SELECT schema_name FROM flint.instances WHERE name = '" + instance + "'"));
  const std::string dated = "('x' || left(md5('Observation.category@date'), 8))::bit(32)::int";
  const std::string count = "SELECT count(*) FROM " + schema + ".search_composite WHERE param_key = " + dated;
  ASSERT_EQ(trimmed(psql(url, count)), "3");
  // As an older Flint left it: the newest written before its entries existed.
  psql(url, "DELETE FROM " + schema + ".search_composite WHERE param_key = " + dated + " AND rid = (SELECT rid FROM " +
                schema + ".resources WHERE id = 'o3')");
  psql(url, "UPDATE flint.instances SET search_index_version = 4 WHERE name = '" + instance + "'");
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // the servers' instance cache lives a second
  auto newestFirst = [&] {
    std::vector<std::string> ids;
    for (const auto& e : entriesOf(followPages(c, base + "Observation?category=laboratory&_sort=-date&_count=1", 10)))
      ids.push_back(e["resource"]["id"]);
    return ids;
  };
  const std::vector<std::string> expected = {"o3", "o2", "o1"};
  EXPECT_EQ(newestFirst(), expected);

  std::string out;
  ASSERT_EQ(runFlint({"reindex", "--outdated"}, &out), 0) << out;
  EXPECT_EQ(trimmed(psql(url, count)), "3");
  EXPECT_EQ(trimmed(psql(url, "SELECT search_index_version FROM flint.instances WHERE name = '" + instance + "'")), "5");
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  EXPECT_EQ(newestFirst(), expected);
}
