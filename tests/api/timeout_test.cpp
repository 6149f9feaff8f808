// A statement that runs past the configured timeout ends in a 503 OperationOutcome, and the
// worker carries on serving.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "tests/support/flint_server.h"

using namespace flint::testing;

namespace {

std::string psqlValue(const std::string& sql) {
  std::string out;
  FILE* p = popen(("psql '" + databaseUrl() + "' -qtAX -c \"" + sql + "\"").c_str(), "r");
  char buf[256];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  pclose(p);
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

}  // namespace

TEST(StatementTimeout, BecomesA503AndTheServerCarriesOn) {
  FlintServer server({"--statement-timeout-ms", "300", "--workers", "1"});
  std::string inst = createInstance("timeout", server);
  auto c = client(server);
  ASSERT_EQ(c.Put("/" + inst + "/fhir/Patient/locked", R"({"resourceType":"Patient","id":"locked"})",
                  "application/fhir+json")->status, 201);
  std::string schema = psqlValue("SELECT schema_name FROM flint.instances WHERE name = '" + inst + "'");
  // Another session holds the row lock for two seconds; the update must wait for it.
  std::string hold = "psql '" + databaseUrl() + "' -qtAX -c \"BEGIN; SELECT 1 FROM \\\"" + schema +
                     "\\\".resources WHERE id = 'locked' FOR UPDATE; SELECT pg_sleep(2); COMMIT;\" >/dev/null 2>&1 &";
  ASSERT_EQ(system(hold.c_str()), 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  auto started = std::chrono::steady_clock::now();
  auto res = c.Put("/" + inst + "/fhir/Patient/locked", R"({"resourceType":"Patient","id":"locked","active":true})",
                   "application/fhir+json");
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  ASSERT_EQ(res->status, 503) << res->body;
  EXPECT_EQ(parseJson(res->body)["issue"][0]["code"], "timeout");
  EXPECT_LT(seconds, 1.5);
  std::this_thread::sleep_for(std::chrono::seconds(2));
  EXPECT_EQ(c.Get("/" + inst + "/fhir/Patient/locked")->status, 200);
  EXPECT_EQ(parseJson(c.Get("/" + inst + "/fhir/Patient/locked")->body)["meta"]["versionId"], "1");
}
