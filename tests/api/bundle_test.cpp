// batch and transaction Bundles: all-or-nothing transactions in FHIR order with urn:uuid
// references resolved, independent batch entries, and the response Bundle's shape.
#include <gtest/gtest.h>

#include <chrono>

#include "tests/support/flint_server.h"

using namespace flint::testing;
using nlohmann::json;

namespace {

class Bundles : public ::testing::Test {
 protected:
  void SetUp() override { instance_ = createInstance("bundle"); }
  httplib::Result post(const json& bundle, httplib::Headers headers = {}) {
    return c_.Post("/" + instance_ + "/fhir", headers, bundle.dump(), "application/fhir+json");
  }
  httplib::Result get(const std::string& p) { return c_.Get("/" + instance_ + "/fhir/" + p); }
  size_t historySize() {
    return parseJson(get("_history?_count=1000")->body).value("entry", json::array()).size();
  }
  static json entry(const std::string& method, const std::string& url, json resource = nullptr,
                    const std::string& fullUrl = "") {
    json e = {{"request", {{"method", method}, {"url", url}}}};
    if (!resource.is_null()) e["resource"] = resource;
    if (!fullUrl.empty()) e["fullUrl"] = fullUrl;
    return e;
  }
  std::string instance_;
  httplib::Client c_ = client();
};

}  // namespace

TEST_F(Bundles, TransactionResolvesUrnUuidReferencesAndCommitsTogether) {
  std::string patientUrn = "urn:uuid:61ebe359-bfdc-4613-8bf2-c5e300945f0a";
  json bundle = {{"resourceType", "Bundle"},
                 {"type", "transaction"},
                 {"entry",
                  {entry("POST", "Observation",
                         {{"resourceType", "Observation"}, {"status", "final"}, {"code", {{"text", "hr"}}},
                          {"subject", {{"reference", patientUrn}}}}),
                   entry("POST", "Patient", {{"resourceType", "Patient"}, {"name", {{{"family", "Urn"}}}}}, patientUrn),
                   entry("PUT", "Practitioner/prac-1", {{"resourceType", "Practitioner"}, {"id", "prac-1"}})}}};
  auto res = post(bundle);
  ASSERT_EQ(res->status, 200) << res->body;
  auto out = parseJson(res->body);
  EXPECT_EQ(out["type"], "transaction-response");
  ASSERT_EQ(out["entry"].size(), 3u);
  EXPECT_EQ(out["entry"][0]["response"]["status"], "201");
  EXPECT_EQ(out["entry"][1]["response"]["status"], "201");
  EXPECT_EQ(out["entry"][2]["response"]["status"], "201");
  EXPECT_EQ(out["entry"][2]["response"]["etag"], "W/\"1\"");
  EXPECT_FALSE(out["entry"][0]["response"]["lastModified"].get<std::string>().empty());
  std::string location = out["entry"][1]["response"]["location"];
  std::string patientId = out["entry"][1]["resource"]["id"];
  EXPECT_NE(location.find("/Patient/" + patientId + "/_history/1"), std::string::npos);
  // The observation (earlier in the Bundle) points at the patient's real id.
  EXPECT_EQ(out["entry"][0]["resource"]["subject"]["reference"], "Patient/" + patientId);
  std::string obsId = out["entry"][0]["resource"]["id"];
  EXPECT_EQ(parseJson(get("Observation/" + obsId)->body)["subject"]["reference"], "Patient/" + patientId);
  EXPECT_EQ(get("Practitioner/prac-1")->status, 200);
}

TEST_F(Bundles, AFailingTransactionLeavesNoTrace) {
  c_.Put("/" + instance_ + "/fhir/Patient/keep", R"({"resourceType":"Patient","id":"keep","active":true})",
         "application/fhir+json");
  size_t before = historySize();
  json bundle = {{"resourceType", "Bundle"},
                 {"type", "transaction"},
                 {"entry",
                  {entry("POST", "Patient", {{"resourceType", "Patient"}}),
                   entry("DELETE", "Patient/keep"),
                   entry("PUT", "Patient/p2", {{"resourceType", "Patient"}, {"id", "p2"}}),
                   entry("PUT", "Patient/p3", {{"resourceType", "Patient"}, {"id", "p3"}, {"gender", "bogus"}})}}};
  auto res = post(bundle);
  ASSERT_EQ(res->status, 400) << res->body;
  auto outcome = parseJson(res->body);
  EXPECT_EQ(outcome["resourceType"], "OperationOutcome");
  EXPECT_NE(outcome["issue"][0]["diagnostics"].get<std::string>().find("Bundle.entry[3] (PUT)"), std::string::npos);
  EXPECT_EQ(outcome["issue"][0]["expression"][0], "Patient.gender");
  EXPECT_EQ(historySize(), before);
  EXPECT_EQ(get("Patient/keep")->status, 200);
  EXPECT_EQ(get("Patient/p2")->status, 404);

  // A failing read (404) or precondition (412) inside a transaction also rolls it back.
  json withMissing = {{"resourceType", "Bundle"},
                      {"type", "transaction"},
                      {"entry", {entry("PUT", "Patient/p4", {{"resourceType", "Patient"}, {"id", "p4"}}),
                                 entry("GET", "Patient/does-not-exist")}}};
  EXPECT_EQ(post(withMissing)->status, 404);
  json stale = {{"resourceType", "Bundle"},
                {"type", "transaction"},
                {"entry", {entry("PUT", "Patient/p5", {{"resourceType", "Patient"}, {"id", "p5"}}),
                           {{"request", {{"method", "PUT"}, {"url", "Patient/keep"}, {"ifMatch", "W/\"9\""}}},
                            {"resource", {{"resourceType", "Patient"}, {"id", "keep"}}}}}}};
  EXPECT_EQ(post(stale)->status, 412);
  EXPECT_EQ(get("Patient/p4")->status, 404);
  EXPECT_EQ(get("Patient/p5")->status, 404);
  EXPECT_EQ(historySize(), before);
}

TEST_F(Bundles, TransactionRunsInFhirOrder) {
  c_.Put("/" + instance_ + "/fhir/Patient/ord", R"({"resourceType":"Patient","id":"ord","active":true})",
         "application/fhir+json");
  // Listed GET first, PUT second, DELETE last: processed DELETE, PUT, GET.
  json bundle = {{"resourceType", "Bundle"},
                 {"type", "transaction"},
                 {"entry", {entry("GET", "Patient/ord2"), entry("PUT", "Patient/ord2", {{"resourceType", "Patient"}, {"id", "ord2"}}),
                            entry("DELETE", "Patient/ord")}}};
  auto res = post(bundle);
  ASSERT_EQ(res->status, 200) << res->body;
  auto out = parseJson(res->body);
  EXPECT_EQ(out["entry"][0]["response"]["status"], "200");
  EXPECT_EQ(out["entry"][0]["resource"]["id"], "ord2");
  EXPECT_EQ(out["entry"][2]["response"]["status"], "204");
  EXPECT_EQ(get("Patient/ord")->status, 410);
}

TEST_F(Bundles, BatchEntriesSucceedOrFailOnTheirOwn) {
  json bundle = {{"resourceType", "Bundle"},
                 {"type", "batch"},
                 {"entry",
                  {entry("POST", "Patient", {{"resourceType", "Patient"}, {"active", true}}),
                   entry("POST", "Patient", {{"resourceType", "Patient"}, {"gender", "nope"}}),
                   entry("GET", "Patient/missing"),
                   entry("PUT", "Patient/b1", {{"resourceType", "Patient"}, {"id", "b1"}}),
                   entry("GET", "NotAType/1"),
                   {{"request", {{"method", "POST"}, {"url", "http://elsewhere.example/fhir/Patient"}}}},
                   {{"resource", {{"resourceType", "Patient"}}}}}}};
  auto res = post(bundle);
  ASSERT_EQ(res->status, 200) << res->body;
  auto out = parseJson(res->body);
  EXPECT_EQ(out["type"], "batch-response");
  ASSERT_EQ(out["entry"].size(), 7u);
  std::vector<std::string> statuses;
  for (const auto& e : out["entry"]) statuses.push_back(e["response"]["status"]);
  EXPECT_EQ(statuses, (std::vector<std::string>{"201", "400", "404", "201", "404", "400", "400"}));
  EXPECT_EQ(out["entry"][1]["response"]["outcome"]["resourceType"], "OperationOutcome");
  EXPECT_EQ(get("Patient/b1")->status, 200);
}

TEST_F(Bundles, PatchEntriesCarryABinary) {
  c_.Put("/" + instance_ + "/fhir/Patient/pt", R"({"resourceType":"Patient","id":"pt","active":true})",
         "application/fhir+json");
  // [{"op":"replace","path":"/active","value":false}]
  std::string patch = "W3sib3AiOiJyZXBsYWNlIiwicGF0aCI6Ii9hY3RpdmUiLCJ2YWx1ZSI6ZmFsc2V9XQ==";
  json bundle = {{"resourceType", "Bundle"},
                 {"type", "transaction"},
                 {"entry", {entry("PATCH", "Patient/pt",
                                  {{"resourceType", "Binary"}, {"contentType", "application/json-patch+json"}, {"data", patch}})}}};
  auto res = post(bundle);
  ASSERT_EQ(res->status, 200) << res->body;
  EXPECT_EQ(parseJson(get("Patient/pt")->body)["active"], false);
}

TEST_F(Bundles, MalformedBundlesAreRejected) {
  EXPECT_EQ(post({{"resourceType", "Bundle"}, {"type", "collection"}})->status, 400);
  EXPECT_EQ(post({{"resourceType", "Patient"}})->status, 400);
  EXPECT_EQ(post({{"resourceType", "Bundle"}, {"type", "transaction"}, {"entry", {{{"resource", {{"resourceType", "Patient"}}}}}}})->status,
            400);
  EXPECT_EQ(post({{"resourceType", "Bundle"}, {"type", "transaction"}, {"entry", {entry("FETCH", "Patient")}}})->status, 400);
  EXPECT_EQ(post({{"resourceType", "Bundle"}, {"type", "transaction"}, {"entry", {entry("POST", "")}}})->status, 400);
  EXPECT_EQ(post({{"resourceType", "Bundle"}, {"type", "transaction"}, {"entry", {{"request", 1}}}})->status, 400);
  EXPECT_EQ(post({{"resourceType", "Bundle"}, {"type", "transaction"}, {"entry", {1, 2}}})->status, 400);
  EXPECT_EQ(post({{"resourceType", "Bundle"}, {"type", "transaction"}, {"entry", {{"a", 1}}}})->status, 400);
  EXPECT_EQ(post({{"resourceType", "Bundle"}, {"type", "batch"}, {"bogus", true}})->status, 400);
  EXPECT_EQ(c_.Post("/" + instance_ + "/fhir", "{nope", "application/fhir+json")->status, 400);
  auto empty = post({{"resourceType", "Bundle"}, {"type", "transaction"}});
  EXPECT_EQ(empty->status, 200);
  EXPECT_EQ(parseJson(empty->body)["type"], "transaction-response");
}

TEST_F(Bundles, ThousandEntryTransaction) {
  json entries = json::array();
  for (int i = 0; i < 1000; ++i) {
    std::string urn = "urn:uuid:00000000-0000-4000-8000-" + std::string(12 - std::to_string(i).size(), '0') + std::to_string(i);
    if (i % 2 == 0)
      entries.push_back(entry("POST", "Patient", {{"resourceType", "Patient"}, {"name", {{{"family", "P" + std::to_string(i)}}}}}, urn));
    else
      entries.push_back(entry("POST", "Observation",
                              {{"resourceType", "Observation"}, {"status", "final"}, {"code", {{"text", "x"}}},
                               {"subject", {{"reference", "urn:uuid:00000000-0000-4000-8000-" +
                                                              std::string(12 - std::to_string(i - 1).size(), '0') +
                                                              std::to_string(i - 1)}}}}));
  }
  auto started = std::chrono::steady_clock::now();
  auto res = post({{"resourceType", "Bundle"}, {"type", "transaction"}, {"entry", entries}}, {{"Prefer", "return=minimal"}});
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  ASSERT_EQ(res->status, 200) << res->body.substr(0, 500);
  auto out = parseJson(res->body);
  ASSERT_EQ(out["entry"].size(), 1000u);
  EXPECT_EQ(historySize(), 1000u);
  std::cout << "1000-entry transaction: " << seconds << " s\n";
  // Every observation's subject was rewritten to a real patient id that resolves.
  auto obs = parseJson(get("Observation?_count=1")->body);
  std::string subject = obs["entry"][0]["resource"]["subject"]["reference"];
  EXPECT_EQ(subject.rfind("Patient/", 0), 0u);
  EXPECT_EQ(get(subject)->status, 200);
  // Written together, they are indexed like any other write.
  auto bySubject = parseJson(get("Observation?subject=" + subject)->body);
  ASSERT_EQ(bySubject["entry"].size(), 1u);
  EXPECT_EQ(bySubject["entry"][0]["resource"]["id"], obs["entry"][0]["resource"]["id"]);
  auto byName = parseJson(get("Patient?family=P998&_total=accurate")->body);
  EXPECT_EQ(byName["total"], 1);
  EXPECT_EQ(parseJson(get("Patient?_total=accurate&_count=0")->body)["total"], 500);
}

// A transaction's creates travel as COPY text, where backslashes, tabs and newlines must be
// escaped wherever they fall: each comes back as sent, in the resource and in its index.
TEST_F(Bundles, TransactionCreatesKeepEveryCharacter) {
  const std::vector<std::string> families = {"back\\slash", "tab\there", "new\nline", "cr\rlf", "\\\\\\\\\\\\\\\\\\",
                                             "quote\"d and \xC3\xA9 \\n literal", "long plain text then\ta tab"};
  json entries = json::array();
  for (const auto& family : families)
    entries.push_back(entry("POST", "Patient", {{"resourceType", "Patient"}, {"name", {{{"family", family}}}}}));
  auto res = post({{"resourceType", "Bundle"}, {"type", "transaction"}, {"entry", entries}});
  ASSERT_EQ(res->status, 200) << res->body.substr(0, 500);
  auto out = parseJson(res->body);
  for (size_t i = 0; i < families.size(); ++i) {
    const std::string location = out["entry"][i]["response"]["location"];
    const size_t type = location.find("/Patient/");
    ASSERT_NE(type, std::string::npos) << location;
    auto read = get(location.substr(type + 1, location.find("/_history") - type - 1));
    ASSERT_EQ(read->status, 200);
    EXPECT_EQ(parseJson(read->body)["name"][0]["family"], families[i]);
    std::string searched;  // a backslash escapes in search values
    for (char c : families[i]) searched += c == '\\' ? std::string("\\\\") : std::string(1, c);
    auto found = parseJson(get("Patient?family:exact=" + httplib::detail::encode_query_param(searched))->body);
    ASSERT_EQ(found.value("entry", json::array()).size(), 1u) << families[i];
    EXPECT_EQ(found["entry"][0]["resource"]["name"][0]["family"], families[i]);
  }
}

// Transaction creates go to PostgreSQL in binary COPY, single creates as text: a decimal must be
// stored as the same numeric (value and scale) either way, and as numeric_in reads its text.
TEST_F(Bundles, TransactionCreatesStoreDecimalsAsSingleCreatesDo) {
  const std::vector<std::string> decimals = {"12.50", "-0.001", "1.0e3", "1.50E1", "25e-5", "0", "-0.000", "-7",
                                             "123456789012345678901234567890.123456789", "0.000000000000000000001",
                                             "9999.9999", "10000", "3.14159265358979323846264338327950288"};
  // Built as text: a JSON library would rewrite the numbers.
  auto observation = [](const std::string& tag, const std::string& decimal) {
    return R"({"resourceType":"Observation","status":"final","identifier":[{"value":")" + tag +
           R"("}],"code":{"coding":[{"system":"http://loinc.org","code":"2345-7"}]},"valueQuantity":{"value":)" +
           decimal + R"(,"system":"http://unitsofmeasure.org","code":"mg"}})";
  };
  std::string entries;
  for (size_t i = 0; i < decimals.size(); ++i) {
    entries += std::string(i == 0 ? "" : ",") + R"({"request":{"method":"POST","url":"Observation"},"resource":)" +
               observation("bulk", decimals[i]) + "}";
    auto single = c_.Post("/" + instance_ + "/fhir/Observation", observation("single", decimals[i]),
                          "application/fhir+json");
    ASSERT_EQ(single->status, 201) << decimals[i] << ": " << single->body;
  }
  auto res = c_.Post("/" + instance_ + "/fhir", R"({"resourceType":"Bundle","type":"transaction","entry":[)" + entries + "]}",
                     "application/fhir+json");
  ASSERT_EQ(res->status, 200) << res->body.substr(0, 500);

  const std::string url = databaseUrl();
  std::string schema = psql(url, "SELECT schema_name FROM flint.instances WHERE name = '" + instance_ + "'");
  schema.erase(schema.find_last_not_of("\n ") + 1);
  // Every numeric index column of the resources tagged `tag`: parameter, value and scale.
  auto stored = [&](const std::string& table, const std::string& tag) {
    return psql(url, "SELECT string_agg(v.param_key || '=' || v.value::text, ' ' ORDER BY v.param_key, v.value::text) FROM " +
                         schema + "." + table + " v JOIN " + schema +
                         ".search_token t ON t.rid = v.rid AND t.code = '" + tag + "' WHERE v.value IS NOT NULL");
  };
  for (const char* table : {"search_number", "search_composite"}) {
    const std::string bulk = stored(table, "bulk");
    EXPECT_EQ(bulk, stored(table, "single")) << table;
    EXPECT_GE(std::count(bulk.begin(), bulk.end(), '='), static_cast<long>(decimals.size())) << table << ": " << bulk;
  }
  std::string list;
  for (const auto& d : decimals) list += (list.empty() ? "'" : ", '") + d + "'";
  EXPECT_EQ(psql(url, "SELECT string_agg(v.value::text, ' ' ORDER BY v.value::text) FROM " + schema +
                          ".search_number v JOIN " + schema + ".search_token t ON t.rid = v.rid AND t.code = 'bulk'"
                          " WHERE v.param_key = ('x' || left(md5('Observation.value-quantity'), 8))::bit(32)::int"),
            psql(url, "SELECT string_agg(d::numeric::text, ' ' ORDER BY d::numeric::text) FROM unnest(ARRAY[" + list +
                          "]) d"));
}

// A Bundle beyond --max-bundle-entries is refused whole, before any entry runs; one at the limit
// runs.
TEST_F(Bundles, ABundleBeyondTheEntryLimitIsRefusedBeforeAnyEntryRuns) {
  FlintServer small({"--max-bundle-entries", "3"});
  auto c = client(small);
  for (const char* type : {"transaction", "batch"}) {
    SCOPED_TRACE(type);
    json bundle = {{"resourceType", "Bundle"}, {"type", type}, {"entry", json::array()}};
    for (int i = 0; i < 4; ++i)
      bundle["entry"].push_back(entry("PUT", "Patient/limit-" + std::string(type) + std::to_string(i),
                                      {{"resourceType", "Patient"}, {"id", "limit-" + std::string(type) + std::to_string(i)}}));
    auto refused = c.Post("/" + instance_ + "/fhir", bundle.dump(), "application/fhir+json");
    ASSERT_EQ(refused->status, 413) << refused->body;
    const json outcome = parseJson(refused->body);
    EXPECT_EQ(outcome["resourceType"], "OperationOutcome");
    EXPECT_EQ(outcome["issue"][0]["code"], "too-costly");
    EXPECT_NE(outcome["issue"][0]["diagnostics"].get<std::string>().find("at most 3 entries; this one has 4"),
              std::string::npos)
        << refused->body;
    EXPECT_EQ(c.Get("/" + instance_ + "/fhir/Patient/limit-" + std::string(type) + "0")->status, 404);
    bundle["entry"].erase(bundle["entry"].end() - 1);
    auto accepted = c.Post("/" + instance_ + "/fhir", bundle.dump(), "application/fhir+json");
    ASSERT_EQ(accepted->status, 200) << accepted->body;
    EXPECT_EQ(parseJson(accepted->body)["entry"].size(), 3u);
    EXPECT_EQ(c.Get("/" + instance_ + "/fhir/Patient/limit-" + std::string(type) + "2")->status, 200);
  }
}

// A Bundle that runs past --bundle-time-budget-ms: a transaction is rolled back whole with 503
// (timeout); a batch answers the entries it had no time to start 503 and keeps what ran.
TEST_F(Bundles, ABundlePastItsTimeBudgetStopsAndATransactionOfItLeavesNoTrace) {
  FlintServer hasty({"--bundle-time-budget-ms", "1"});
  auto c = client(hasty);
  json transaction = {{"resourceType", "Bundle"}, {"type", "transaction"}, {"entry", json::array()}};
  json batch = {{"resourceType", "Bundle"}, {"type", "batch"}, {"entry", json::array()}};
  for (int i = 0; i < 60; ++i) {
    const std::string id = "budget-" + std::to_string(i);
    transaction["entry"].push_back(entry("PUT", "Patient/" + id, {{"resourceType", "Patient"}, {"id", id}}));
    batch["entry"].push_back(entry("PUT", "Patient/batch-" + id, {{"resourceType", "Patient"}, {"id", "batch-" + id}}));
  }
  auto refused = c.Post("/" + instance_ + "/fhir", transaction.dump(), "application/fhir+json");
  ASSERT_EQ(refused->status, 503) << refused->body;
  const json outcome = parseJson(refused->body);
  EXPECT_EQ(outcome["issue"][0]["code"], "timeout");
  EXPECT_NE(outcome["issue"][0]["diagnostics"].get<std::string>().find("time budget of 1 ms"), std::string::npos);
  for (int i = 0; i < 60; i += 10)
    EXPECT_EQ(c.Get("/" + instance_ + "/fhir/Patient/budget-" + std::to_string(i))->status, 404) << i;

  auto partial = c.Post("/" + instance_ + "/fhir", batch.dump(), "application/fhir+json");
  ASSERT_EQ(partial->status, 200) << partial->body;
  const json entries = parseJson(partial->body)["entry"];
  ASSERT_EQ(entries.size(), 60u);
  EXPECT_EQ(entries[0]["response"]["status"], "201") << "an entry started within the budget runs";
  EXPECT_EQ(entries[59]["response"]["status"], "503");
  EXPECT_EQ(entries[59]["response"]["outcome"]["issue"][0]["code"], "timeout");
  EXPECT_EQ(c.Get("/" + instance_ + "/fhir/Patient/batch-budget-0")->status, 200);
  EXPECT_EQ(c.Get("/" + instance_ + "/fhir/Patient/batch-budget-59")->status, 404);
}
