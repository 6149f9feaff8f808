// The audit trail under faults: one instance's trail that cannot be written refuses that instance
// alone (fail closed) until it is written again, nothing queued is lost, not even at shutdown, and
// a batch's entries are audited one by one.
#include <gtest/gtest.h>

#include <signal.h>

#include <chrono>
#include <thread>

#include "tests/support/flint_server.h"
#include "tests/support/prometheus_text.h"

using namespace flint::testing;
using json = nlohmann::json;

namespace {

const httplib::Headers kAdmin = {{"Authorization", std::string("Bearer ") + kAdminKey}};

std::string schemaOf(const std::string& instance) {
  return trimmed(psql(databaseUrl(), "SELECT schema_name FROM flint.instances WHERE name = '" + instance + "'"));
}

void breakTrail(const std::string& instance) {
  ASSERT_EQ(psql(databaseUrl(), "ALTER TABLE " + schemaOf(instance) + ".audit_events RENAME TO audit_events_gone"), "");
}

void mendTrail(const std::string& instance) {
  ASSERT_EQ(psql(databaseUrl(), "ALTER TABLE " + schemaOf(instance) + ".audit_events_gone RENAME TO audit_events"), "");
}

// The status `path` gets once it is `wanted`, asking every 50 ms for up to 10 s.
int eventually(httplib::Client& c, const std::string& path, int wanted) {
  int status = 0;
  for (int i = 0; i < 200 && status != wanted; ++i) {
    if (i > 0) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    status = c.Get(path, {{"Accept", "application/fhir+json"}})->status;
  }
  return status;
}

json trailOf(const std::string& instance, const FlintServer& server = sharedServer()) {
  auto res = client(server).Get("/admin/instances/" + instance + "/audit?kind=fhir&limit=1000", kAdmin);
  if (!res || res->status != 200) return json::array();
  return json::parse(res->body);
}

// Whether `trail` holds that event (any outcome for 0).
bool hasEvent(const json& trail, const std::string& action, const std::string& target, int outcome) {
  for (const auto& e : trail)
    if (e.value("action", "") == action && e.value("target", "") == target &&
        (outcome == 0 || e.value("outcome", 0) == outcome))
      return true;
  return false;
}

// Waits (up to 10 s) until `instance`'s trail holds that event: what was queued before a fault is
// written before it.
bool written(const std::string& instance, const std::string& action, const std::string& target) {
  for (int i = 0; i < 200; ++i) {
    if (hasEvent(trailOf(instance), action, target, 0)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

}  // namespace

TEST(AuditTrail, AnInstanceWhoseTrailCannotBeWrittenIsRefusedAloneUntilItIsWrittenAgain) {
  const std::string a = createInstance("trail-a"), b = createInstance("trail-b");
  auto c = client();
  ASSERT_EQ(c.Put("/" + a + "/fhir/Patient/pa", R"({"resourceType":"Patient","id":"pa"})", "application/fhir+json")->status,
            201);
  ASSERT_EQ(c.Put("/" + b + "/fhir/Patient/pb", R"({"resourceType":"Patient","id":"pb"})", "application/fhir+json")->status,
            201);
  // On a busy machine the write's event could otherwise meet the broken trail, refusing a before
  // the read below.
  ASSERT_TRUE(written(a, "PUT Patient", "Patient/pa"));
  breakTrail(a);
  // This read happens and is recorded; writing its event fails, and from then on a is refused.
  EXPECT_EQ(c.Get("/" + a + "/fhir/Patient/pa?_format=json")->status, 200);
  ASSERT_EQ(eventually(c, "/" + a + "/fhir/Patient?_id=pa", 503), 503);
  auto refused = c.Get("/" + a + "/fhir/Patient/pa", {{"Accept", "application/fhir+json"}});
  EXPECT_EQ(refused->status, 503) << "reads the network threads answer are refused too";
  EXPECT_EQ(refused->get_header_value("Retry-After"), "1");
  EXPECT_EQ(json::parse(refused->body)["issue"][0]["code"], "transient");
  auto token = c.Post("/" + a + "/auth/token", "grant_type=client_credentials", "application/x-www-form-urlencoded");
  EXPECT_EQ(token->status, 503);
  EXPECT_EQ(json::parse(token->body)["error"], "temporarily_unavailable");

  // The other instance serves, and its trail is written.
  EXPECT_EQ(c.Get("/" + b + "/fhir/Patient/pb", {{"Accept", "application/fhir+json"}})->status, 200);
  EXPECT_TRUE(hasEvent(trailOf(b), "GET Patient", "Patient/pb", 200));
  auto metrics = parsePrometheusText(client().Get("/metrics", kAdmin)->body);
  EXPECT_EQ(promValue(metrics, "flint_audit_failing", {{"instance", a}}), 1);
  EXPECT_EQ(promValue(metrics, "flint_audit_failing", {{"instance", b}}), 0);

  mendTrail(a);
  EXPECT_EQ(eventually(c, "/" + a + "/fhir/Patient/pa", 200), 200);
  EXPECT_TRUE(hasEvent(trailOf(a), "GET Patient", "Patient/pa", 200)) << "the event queued during the fault was kept";
  EXPECT_TRUE(sharedServer().alive());
}

TEST(AuditTrail, EventsQueuedAtShutdownAreWrittenEvenIfTheirTrailRecoversOnlyThen) {
  FlintServer server;
  const std::string instance = createInstance("trail-stop", server);
  auto c = client(server);
  breakTrail(instance);
  EXPECT_EQ(c.Get("/" + instance + "/fhir/Patient/at-shutdown", {{"Accept", "application/fhir+json"}})->status, 404);
  ASSERT_EQ(eventually(c, "/" + instance + "/fhir/Patient/refused", 503), 503);
  kill(server.pid(), SIGTERM);
  std::this_thread::sleep_for(std::chrono::seconds(1));
  mendTrail(instance);
  EXPECT_EQ(server.stop(), 0);
  EXPECT_EQ(trimmed(psql(databaseUrl(), "SELECT count(*) FROM " + schemaOf(instance) +
                                            ".audit_events WHERE target = 'Patient/at-shutdown' AND outcome = 404")),
            "1");
}

TEST(AuditTrail, EveryEntryOfABatchOrTransactionIsAuditedAsItsOwnAccess) {
  const std::string instance = createInstance("trail-batch");
  auto c = client();
  ASSERT_EQ(c.Put("/" + instance + "/fhir/Patient/kept", R"({"resourceType":"Patient","id":"kept","gender":"male"})",
                  "application/fhir+json")
                ->status,
            201);
  const json batch = {
      {"resourceType", "Bundle"},
      {"type", "batch"},
      {"entry",
       {{{"resource", {{"resourceType", "Patient"}, {"gender", "female"}}}, {"request", {{"method", "POST"}, {"url", "Patient"}}}},
        {{"request", {{"method", "GET"}, {"url", "Patient/kept"}}}},
        {{"request", {{"method", "GET"}, {"url", "Patient?gender=male"}}}},
        {{"request", {{"method", "GET"}, {"url", "Patient/missing"}}}}}}};
  auto res = c.Post("/" + instance + "/fhir", batch.dump(), "application/fhir+json");
  ASSERT_EQ(res->status, 200) << res->body;
  const std::string created = json::parse(res->body)["entry"][0]["response"]["location"];
  const std::string createdTarget = created.substr(0, created.find("/_history/"));

  const json transaction = {
      {"resourceType", "Bundle"},
      {"type", "transaction"},
      {"entry", {{{"request", {{"method", "DELETE"}, {"url", "Patient/kept"}}}}}}};
  ASSERT_EQ(c.Post("/" + instance + "/fhir", transaction.dump(), "application/fhir+json")->status, 200);
  const json failed = {
      {"resourceType", "Bundle"},
      {"type", "transaction"},
      {"entry",
       {{{"resource", {{"resourceType", "Patient"}, {"id", "never"}}}, {"request", {{"method", "PUT"}, {"url", "Patient/never"}}}},
        {{"request", {{"method", "GET"}, {"url", "Nonsense/x"}}}}}}};
  EXPECT_GE(c.Post("/" + instance + "/fhir", failed.dump(), "application/fhir+json")->status, 400);

  const json trail = trailOf(instance);
  EXPECT_TRUE(hasEvent(trail, "POST /", "", 200)) << trail.dump(1);
  EXPECT_TRUE(hasEvent(trail, "POST Patient", createdTarget.substr(createdTarget.find("Patient/")), 201)) << trail.dump(1);
  EXPECT_TRUE(hasEvent(trail, "GET Patient", "Patient/kept", 200)) << trail.dump(1);
  EXPECT_TRUE(hasEvent(trail, "GET Patient", "Patient", 200)) << trail.dump(1);
  EXPECT_TRUE(hasEvent(trail, "GET Patient", "Patient/missing", 404)) << trail.dump(1);
  EXPECT_TRUE(hasEvent(trail, "DELETE Patient", "Patient/kept", 0)) << trail.dump(1);
  EXPECT_FALSE(hasEvent(trail, "PUT Patient", "Patient/never", 0)) << "a transaction that failed did nothing";
  for (const auto& e : trail)
    if (e.value("target", "") == "Patient" && e.value("action", "") == "GET Patient")
      EXPECT_EQ(e.value("detail", ""), "bundle entry;gender");
}
