// /metrics as Prometheus reads it, and the log as a machine reads it (--log-format json).
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <sstream>

#include "tests/support/flint_server.h"
#include "tests/support/prometheus_text.h"

using namespace flint::testing;
using json = nlohmann::json;

namespace {

const httplib::Headers kAdmin = {{"Authorization", std::string("Bearer ") + kAdminKey}};

std::map<std::string, PromFamily> scrape(const FlintServer& server = sharedServer()) {
  auto res = client(server).Get("/metrics", kAdmin);
  if (!res || res->status != 200) throw std::runtime_error("no metrics");
  EXPECT_EQ(res->get_header_value("Content-Type"), "text/plain; version=0.0.4");
  return parsePrometheusText(res->body);
}

}  // namespace

TEST(Metrics, ParseAsPrometheusTextAndCountEveryAnswerByRouteAndStatusClass) {
  const std::string instance = createInstance("metrics");
  auto c = client();
  const std::string patient = R"({"resourceType":"Patient","id":"pm1","gender":"female"})";
  ASSERT_EQ(c.Put("/" + instance + "/fhir/Patient/pm1", patient, "application/fhir+json")->status, 201);
  const auto before = scrape();
  const std::map<std::string, std::string> search = {{"method", "GET"}, {"route", "/{instance}/fhir/Patient"}};
  const std::map<std::string, std::string> read = {{"method", "GET"}, {"route", "/{instance}/fhir/Patient/{id}"}};
  auto count = [](const std::map<std::string, PromFamily>& m, std::map<std::string, std::string> labels,
                  const std::string& statusClass) {
    labels["status"] = statusClass;
    return promValue(m, "flint_http_requests_total", labels);
  };
  for (int i = 0; i < 3; ++i) EXPECT_EQ(c.Get("/" + instance + "/fhir/Patient?gender=female")->status, 200);
  EXPECT_EQ(c.Get("/" + instance + "/fhir/Patient?birthdate=notadate")->status, 400);
  EXPECT_EQ(c.Get("/" + instance + "/fhir/Patient/pm1")->status, 200);  // answered on the reactor
  EXPECT_EQ(c.Get("/" + instance + "/fhir/Patient/secret-id-77")->status, 404);
  EXPECT_EQ(c.Get("/" + instance + "/fhir/NoSuchType/secret-id-78")->status, 404);

  const auto after = scrape();
  EXPECT_EQ(count(after, search, "2xx") - count(before, search, "2xx"), 3);
  EXPECT_EQ(count(after, search, "4xx") - count(before, search, "4xx"), 1);
  EXPECT_EQ(count(after, read, "2xx") - count(before, read, "2xx"), 1);
  EXPECT_EQ(count(after, read, "4xx") - count(before, read, "4xx"), 1);
  EXPECT_EQ(count(after, {{"method", "GET"}, {"route", "/{instance}/fhir/.../{id}"}}, "4xx") -
                count(before, {{"method", "GET"}, {"route", "/{instance}/fhir/.../{id}"}}, "4xx"),
            1)
      << "a type FHIR does not define is not a label";
  const double searched = promValue(after, "flint_http_request_duration_seconds", search,
                                    "flint_http_request_duration_seconds_count") -
                          promValue(before, "flint_http_request_duration_seconds", search,
                                    "flint_http_request_duration_seconds_count");
  EXPECT_EQ(searched, 4);
  auto slowest = search;
  slowest["le"] = "10";
  EXPECT_EQ(promValue(after, "flint_http_request_duration_seconds", slowest, "flint_http_request_duration_seconds_bucket"),
            promValue(after, "flint_http_request_duration_seconds", search, "flint_http_request_duration_seconds_count"));

  // Labels carry route patterns, never instance names, ids or values.
  for (const auto& [name, family] : after)
    for (const auto& sample : family.samples)
      for (const auto& [label, value] : sample.labels) {
        EXPECT_EQ(value.find("secret-id"), std::string::npos) << name;
        EXPECT_EQ(value.find("notadate"), std::string::npos) << name;
        if (label != "instance") EXPECT_EQ(value.find(instance), std::string::npos) << name << " " << label;
      }

  EXPECT_EQ(after.at("flint_http_worker_queue_depth").type, "gauge");
  EXPECT_EQ(after.at("flint_http_shed_total").type, "counter");
  EXPECT_EQ(after.at("flint_audit_queue_depth").type, "gauge");
  EXPECT_EQ(after.at("flint_db_sessions_in_use").type, "gauge");
  EXPECT_EQ(after.at("flint_http_request_duration_seconds").type, "histogram");
  const double lag = promValue(after, "flint_revocation_follower_lag_seconds", {});
  EXPECT_GE(lag, 0);
  EXPECT_LT(lag, 2) << "the follower reads every 200 ms";
  std::set<std::string> states;
  for (const auto& s : after.at("flint_export_jobs").samples) states.insert(s.labels.at("state"));
  EXPECT_EQ(states, (std::set<std::string>{"completed", "failed", "queued", "running"}));
  EXPECT_EQ(client().Get("/metrics")->status, 401);
}

// The parser is what the test above rests on: it must refuse what Prometheus refuses.
TEST(Metrics, TheParserRefusesMalformedText) {
  EXPECT_NO_THROW(parsePrometheusText("# HELP a x\n# TYPE a counter\na{b=\"c\\\"d\"} 1\n"));
  for (const std::string bad : {
           std::string("a 1\n"),                                             // no TYPE
           std::string("# TYPE a counter\na{b=\"c} 1\n"),                    // unterminated value
           std::string("# TYPE a counter\na{b=\"c\"}1\n"),                   // no space
           std::string("# TYPE a counter\na 1\na 2\n"),                       // a series twice
           std::string("# TYPE a counter\na -1\n"),                           // negative counter
           std::string("# TYPE a gauge\na one\n"),                            // value
           std::string("# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_count 1\nh_sum 0\n"),
           std::string("# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 2\nh_count 3\nh_sum 0\n"),
           std::string("# TYPE a gauge\na 1"),                                // no final newline
       })
    EXPECT_THROW(parsePrometheusText(bad), std::runtime_error) << bad;
}

TEST(Logs, AFailedRequestIsOneJsonLineWithItsIdInstanceRouteStatusAndRedactedError) {
  const std::string logFile = ::testing::TempDir() + "flint-json-log-" + std::to_string(getpid()) + ".txt";
  FlintServer server({"--log-format", "json"}, logFile);
  const std::string instance = createInstance("jsonlog", server);
  const std::string schema =
      trimmed(psql(databaseUrl(), "SELECT schema_name FROM flint.instances WHERE name = '" + instance + "'"));
  // A fault of the database's making: the instance's string entries are gone.
  ASSERT_EQ(psql(databaseUrl(), "ALTER TABLE " + schema + ".search_string RENAME TO search_string_gone"), "");
  auto res = client(server).Get("/" + instance + "/fhir/Patient?name=secretvalue",
                                {{"X-Request-Id", "trace-500"}, {"Accept", "application/fhir+json"}});
  ASSERT_EQ(res->status, 500);
  EXPECT_EQ(json::parse(res->body)["resourceType"], "OperationOutcome");
  EXPECT_EQ(client(server).Get("/health")->status, 200);
  server.stop();

  std::ifstream in(logFile);
  std::stringstream all;
  all << in.rdbuf();
  const std::string text = all.str();
  EXPECT_EQ(text.find("secretvalue"), std::string::npos) << "no query values in the log";
  std::istringstream lines(text);
  std::string line;
  json failed;
  int parsed = 0;
  while (std::getline(lines, line)) {
    json entry;
    ASSERT_NO_THROW(entry = json::parse(line)) << line;
    ASSERT_TRUE(entry.is_object()) << line;
    for (const char* key : {"time", "level", "event"}) EXPECT_TRUE(entry[key].is_string()) << line;
    ++parsed;
    if (entry.value("request", "") == "trace-500") failed = entry;
  }
  EXPECT_GT(parsed, 0);
  ASSERT_TRUE(failed.is_object()) << text;
  EXPECT_EQ(failed["level"], "error");
  EXPECT_EQ(failed["instance"], instance);
  EXPECT_EQ(failed["route"], "GET /{instance}/fhir/Patient");
  EXPECT_EQ(failed["status"], "500");
  EXPECT_NE(failed["error"].get<std::string>().find("SQLSTATE 42P01"), std::string::npos) << failed.dump();
  EXPECT_EQ(failed["error"].get<std::string>().find(schema + ".search_string"), std::string::npos)
      << "quoted names are redacted";
  std::remove(logFile.c_str());
}
