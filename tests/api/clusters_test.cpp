// Instances placed across PostgreSQL clusters: registration, placement, and every request,
// export and audit event reaching the instance's own cluster and no other. Runs against a control
// database of its own and data clusters A (with a streaming standby) and B that scripts/test
// starts (FLINT_TEST_CLUSTER_*).
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "tests/api/cluster_world.h"
#include "tests/support/flint_server.h"
#include "tests/support/smart_helpers.h"

namespace flint::testing {
namespace {

using nlohmann::json;

TEST(Clusters, ARegisteredClusterIsCheckedAndListedWithoutItsPassword) {
  registerClusters();
  std::string out;
  // The same database twice, the control database, a standby as a primary, a replica that is
  // not the primary's standby, a bad name and an unreachable server are each refused.
  EXPECT_EQ(runFlint({"cluster", "add", "again", "--database-url", world().a}, &out), 1);
  EXPECT_NE(out.find("already registered"), std::string::npos) << out;
  EXPECT_EQ(runFlint({"cluster", "add", "control", "--database-url", world().control}, &out), 1);
  EXPECT_NE(out.find("control database"), std::string::npos) << out;
  EXPECT_EQ(runFlint({"cluster", "add", "standby", "--database-url", world().aReplica}, &out), 1);
  EXPECT_NE(out.find("standby, not a primary"), std::string::npos) << out;
  EXPECT_EQ(runFlint({"cluster", "replicas", "a", "--replica-url", world().b}, &out), 1);
  EXPECT_NE(out.find("not a streaming standby"), std::string::npos) << out;
  EXPECT_EQ(runFlint({"cluster", "add", "Bad_Name", "--database-url", world().b}, &out), 1);
  EXPECT_NE(out.find("cluster name"), std::string::npos) << out;
  EXPECT_EQ(runFlint({"cluster", "add", "gone", "--database-url",
                      "host=127.0.0.1 port=1 user=flint password=hunter2secret dbname=x connect_timeout=2"},
                     &out),
            1);
  EXPECT_NE(out.find("cannot be reached"), std::string::npos) << out;
  EXPECT_EQ(out.find("hunter2secret"), std::string::npos) << out;
  EXPECT_EQ(runFlint({"cluster", "add", "nourl"}, &out), 1);
  EXPECT_EQ(runFlint({"cluster", "drain", "nope"}, &out), 1);

  ASSERT_EQ(runFlint({"cluster", "list"}, &out), 0) << out;
  EXPECT_NE(out.find("main\t(control database)"), std::string::npos) << out;
  EXPECT_NE(out.find("a\t" + world().a + "\t"), std::string::npos) << out;
  EXPECT_NE(out.find("1 replica(s)"), std::string::npos) << out;
  EXPECT_NE(out.find("  replica\t" + world().aReplica), std::string::npos) << out;
  EXPECT_NE(out.find("b\t" + world().b + "\t"), std::string::npos) << out;
  EXPECT_EQ(out.find("gone"), std::string::npos) << out;
  // A password in a listed URL is shown as ***.
  psql(world().control,
       "UPDATE flint.clusters SET replica_urls = ARRAY['" + world().aReplica + " password=topsecret'] WHERE name = 'a'");
  ASSERT_EQ(runFlint({"cluster", "list"}, &out), 0) << out;
  EXPECT_EQ(out.find("topsecret"), std::string::npos) << out;
  EXPECT_NE(out.find("password=***"), std::string::npos) << out;
  ASSERT_EQ(runFlint({"cluster", "replicas", "a", "--replica-url", world().aReplica}, &out), 0) << out;
}

TEST(Clusters, ANewInstanceGoesWhereAskedOrToTheClusterHoldingTheFewestResources) {
  registerClusters();
  std::string out;
  // Asked for: the CLI and the admin API.
  const std::string onA = uniqueInstanceName("place-a");
  ASSERT_EQ(runFlint({"instance", "create", onA, "--org-name", "On A", "--cluster", "a"}, &out), 0) << out;
  EXPECT_NE(out.find("on cluster a"), std::string::npos) << out;
  const std::string onB = createOn("b", "place-b");
  EXPECT_EQ(clusterOf(onA), "a");
  EXPECT_EQ(clusterOf(onB), "b");
  EXPECT_TRUE(hasSchema(world().a, schemaOf(onA)));
  EXPECT_FALSE(hasSchema(world().control, schemaOf(onA)));
  EXPECT_FALSE(hasSchema(world().b, schemaOf(onA)));
  auto shown = client().Get("/admin/instances/" + onB, admin());
  EXPECT_EQ(json::parse(shown->body)["cluster"], "b");
  // Unknown and draining clusters are refused, and nothing is created.
  auto unknown = client().Post("/admin/instances", admin(),
                               json{{"name", uniqueInstanceName("x")}, {"organization", {{"name", "X"}}}, {"cluster", "zz"}}.dump(),
                               "application/json");
  EXPECT_EQ(unknown->status, 400);
  EXPECT_NE(unknown->body.find("no cluster named"), std::string::npos) << unknown->body;
  auto notText = client().Post("/admin/instances", admin(),
                               json{{"name", uniqueInstanceName("x")}, {"organization", {{"name", "X"}}}, {"cluster", 3}}.dump(),
                               "application/json");
  EXPECT_EQ(notText->status, 400);

  // Unasked: the cluster with the fewest resources among those not draining. A holds more than B
  // once both are seeded; main is drained.
  ASSERT_EQ(runFlint({"seed", "--instance", onA, "--patients", "6", "--seed", "3"}, &out), 0) << out;
  ASSERT_EQ(runFlint({"seed", "--instance", onB, "--patients", "2", "--seed", "3"}, &out), 0) << out;
  ASSERT_EQ(runFlint({"cluster", "drain", "main"}, &out), 0) << out;
  EXPECT_EQ(clusterOf(createOn("", "placed")), "b");
  ASSERT_EQ(runFlint({"cluster", "drain", "b"}, &out), 0) << out;
  EXPECT_EQ(clusterOf(createOn("", "placed")), "a");
  const std::string refused = uniqueInstanceName("drained");
  EXPECT_EQ(runFlint({"instance", "create", refused, "--org-name", "D", "--cluster", "b"}, &out), 1);
  EXPECT_NE(out.find("draining"), std::string::npos) << out;
  ASSERT_EQ(runFlint({"cluster", "drain", "a"}, &out), 0) << out;
  EXPECT_EQ(runFlint({"instance", "create", refused, "--org-name", "D"}, &out), 1);
  EXPECT_NE(out.find("no cluster takes new instances"), std::string::npos) << out;
  EXPECT_EQ(trimmed(psql(world().control, "SELECT count(*) FROM flint.instances WHERE name = '" + refused + "'")), "0");
  for (const char* name : {"main", "a", "b"}) ASSERT_EQ(runFlint({"cluster", "undrain", name}, &out), 0) << out;
  EXPECT_EQ(clusterOf(createOn("", "placed")), "main");
}

TEST(Clusters, EveryRequestOfAnInstanceIsServedFromItsClusterAndNoOther) {
  registerClusters();
  Backend onA("system/*.cruds", "a");
  Backend onB("system/*.cruds", "b");
  const std::string tokenA = onA.token("system/*.cruds"), tokenB = onB.token("system/*.cruds");
  auto c = client();
  const json patient = {{"resourceType", "Patient"}, {"id", "only-on-b"}, {"name", {{{"family", "Bwriter"}}}}};
  auto put = c.Put("/" + onB.instance + "/fhir/Patient/only-on-b", bearer(tokenB), patient.dump(), "application/fhir+json");
  ASSERT_EQ(put->status, 201) << put->body;
  // The row lives in B's database, in the instance's schema, and nowhere else.
  const std::string schemaB = schemaOf(onB.instance);
  EXPECT_EQ(trimmed(psql(world().b, "SELECT count(*) FROM " + schemaB + ".resources WHERE id = 'only-on-b'")), "1");
  EXPECT_FALSE(hasSchema(world().control, schemaB));
  EXPECT_FALSE(hasSchema(world().a, schemaB));
  // Reads (the reactor's pipelined path), searches and history come from B.
  EXPECT_EQ(c.Get("/" + onB.instance + "/fhir/Patient/only-on-b", bearer(tokenB))->status, 200);
  auto found = c.Get("/" + onB.instance + "/fhir/Patient?family=Bwriter", bearer(tokenB));
  EXPECT_EQ(json::parse(found->body)["entry"].size(), 1u) << found->body;
  EXPECT_EQ(c.Get("/" + onB.instance + "/fhir/Patient/only-on-b/_history", bearer(tokenB))->status, 200);
  // The instance on A never sees it, by id or by search; nor does B's token work on A.
  EXPECT_EQ(c.Get("/" + onA.instance + "/fhir/Patient/only-on-b", bearer(tokenA))->status, 404);
  auto none = c.Get("/" + onA.instance + "/fhir/Patient?family=Bwriter", bearer(tokenA));
  EXPECT_FALSE(json::parse(none->body).contains("entry")) << none->body;
  EXPECT_EQ(c.Get("/" + onA.instance + "/fhir/Patient/only-on-b", bearer(tokenB))->status, 401);

  // The audit trail of each instance is written on its cluster.
  const std::string schemaA = schemaOf(onA.instance);
  for (int i = 0; i < 50 && trimmed(psql(world().b, "SELECT count(*) > 0 FROM " + schemaB +
                                                         ".audit_events WHERE target = 'Patient/only-on-b'")) != "t";
       ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(trimmed(psql(world().b, "SELECT count(*) > 0 FROM " + schemaB + ".audit_events WHERE target = 'Patient/only-on-b'")),
            "t");
  auto trail = c.Get("/admin/instances/" + onA.instance + "/audit?limit=1000", admin());
  ASSERT_EQ(trail->status, 200);
  EXPECT_NE(trail->body.find("only-on-b"), std::string::npos) << "A's trail records its own 404";
  EXPECT_NE(trimmed(psql(world().a, "SELECT count(*) FROM " + schemaA + ".audit_events WHERE kind = 'fhir'")), "0");

  // Disabling a client revokes its tokens on every process, whatever cluster holds the client.
  ASSERT_EQ(c.Post("/admin/instances/" + onA.instance + "/clients/" + onA.clientId + "/disable", admin(), "",
                   "application/json")
                ->status,
            200);
  int status = 0;
  for (int i = 0; i < 30 && status != 401; ++i) {
    status = c.Get("/" + onA.instance + "/fhir/Patient", bearer(tokenA))->status;
    if (status != 401) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(status, 401);
  EXPECT_EQ(trimmed(psql(world().control, "SELECT count(*) FROM flint.revocations WHERE subject = '" + onA.clientId + "'")),
            "1");
}

// A cluster whose trail cannot be written holds back only its own events: the other cluster's
// are written at once and exactly once, and the held ones arrive once it recovers.
TEST(Clusters, AnAuditTrailThatCannotBeWrittenHoldsBackOnlyItsOwnCluster) {
  registerClusters();
  const std::string onA = createOn("a", "trail-a"), onB = createOn("b", "trail-b");
  const std::string schemaA = schemaOf(onA), schemaB = schemaOf(onB);
  psql(world().b, "ALTER TABLE " + schemaB + ".audit_events RENAME TO audit_events_away");
  auto c = client();
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(c.Get("/" + onA + "/fhir/Patient/trail-" + std::to_string(i), fhirHeaders())->status, 401);
    EXPECT_EQ(c.Get("/" + onB + "/fhir/Patient/trail-" + std::to_string(i), fhirHeaders())->status, 401);
  }
  const std::string countA = "SELECT count(*) FROM " + schemaA + ".audit_events WHERE target LIKE 'Patient/trail-%'";
  for (int i = 0; i < 50 && trimmed(psql(world().a, countA)) != "5"; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(trimmed(psql(world().a, countA)), "5");
  std::this_thread::sleep_for(std::chrono::milliseconds(1000));  // several retries of B's events
  EXPECT_EQ(trimmed(psql(world().a, countA)), "5") << "A's events were written again with B's retries";
  psql(world().b, "ALTER TABLE " + schemaB + ".audit_events_away RENAME TO audit_events");
  const std::string countB = "SELECT count(*) FROM " + schemaB + ".audit_events WHERE target LIKE 'Patient/trail-%'";
  for (int i = 0; i < 50 && trimmed(psql(world().b, countB)) != "5"; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(trimmed(psql(world().b, countB)), "5");
  EXPECT_EQ(trimmed(psql(world().a, countA)), "5");
}

TEST(Clusters, MigrationsReachInstanceSchemasOnEveryCluster) {
  const std::string onB = createOn("b", "migrated");
  const std::string schema = schemaOf(onB);
  // As if the instance had been created before the last migration.
  unmigrateResourceNumbers(world().b, schema);
  psql(world().control, "UPDATE flint.instances SET schema_version = 23 WHERE name = '" + onB + "'");
  std::string out;
  ASSERT_EQ(runFlint({"migrate"}, &out), 0) << out;
  EXPECT_EQ(trimmed(psql(world().b, "SELECT to_regclass('" + schema + ".resource_rid') IS NOT NULL")), "t");
  EXPECT_EQ(trimmed(psql(world().b, "SELECT version FROM " + schema + ".schema_version")),
            trimmed(psql(world().control, "SELECT schema_version FROM flint.instances WHERE name = '" + onB + "'")));
  EXPECT_NE(trimmed(psql(world().control, "SELECT schema_version FROM flint.instances WHERE name = '" + onB + "'")), "23");
}

// Export reads go where the instance's reads go (A: its standby, once it has replayed the
// kick-off's position), its files to the instance's primary.
TEST(Clusters, AnExportOfAnInstanceOnAnotherClusterIsWrittenThere) {
  registerClusters();
  FlintServer runner({"--export-workers", "1"});
  for (const char* cluster : {"a", "b"}) {
    SCOPED_TRACE(cluster);
    Backend backend("system/*.cruds", cluster);
    std::string out;
    ASSERT_EQ(runFlint({"seed", "--instance", backend.instance, "--patients", "3", "--seed", "5"}, &out), 0) << out;
    const std::string token = backend.token("system/*.rs");
    const std::string path = kickOffPatientExport(backend.instance, token);
    ASSERT_FALSE(path.empty());
    const json manifest = exportManifest(path, token);
    ASSERT_EQ(manifest["output"].size(), 1u) << manifest.dump();
    const std::string file = manifest["output"][0]["url"];
    auto download = client().Get(file.substr(sharedServer().baseUrl().size()), bearer(token));
    ASSERT_EQ(download->status, 200);
    EXPECT_EQ(std::count(download->body.begin(), download->body.end(), '\n'), 3);
    const std::string schema = schemaOf(backend.instance);
    const std::string job = path.substr(path.rfind('/') + 1);
    const std::string primary = std::string(cluster) == "a" ? world().a : world().b;
    EXPECT_EQ(trimmed(psql(primary, "SELECT lines FROM " + schema + ".export_files WHERE job_id = '" + job + "'")), "3");
    EXPECT_EQ(trimmed(psql(world().control, "SELECT state || ' ' || exported FROM flint.export_jobs WHERE id = '" + job + "'")),
              "completed 3");
  }
}

// pg_ctl on the standby (as the postgres user when the tests run as root).
void standbyControl(const std::string& action) {
  const std::string data = requiredEnv("FLINT_TEST_CLUSTER_A_REPLICA_DATA");
  std::string command = "/usr/lib/postgresql/15/bin/pg_ctl -D '" + data + "' -l '" + data + "/server.log' -w -m fast " +
                        action + " >/dev/null 2>&1";
  if (geteuid() == 0) command = "cd / && runuser -u postgres -- " + command;
  if (std::system(command.c_str()) != 0) throw std::runtime_error("pg_ctl " + action + " failed on the standby");
}

// Reads go to A's streaming standby; a read presenting the LSN of the caller's last write waits for
// the standby to replay it or is served by the primary; a standby too far behind, or stopped, is
// skipped at once.
TEST(Clusters, ReadsGoToAReplicaInBoundsAndAWriterReadsItsOwnWrites) {
  registerClusters();
  Backend backend("system/*.cruds", "a");
  FlintServer server({"--replica-max-lag-ms", "2500", "--replica-wait-ms", "300"});
  const std::string token = backend.token("system/*.cruds");
  auto c = client(server);
  const std::string path = "/" + backend.instance + "/fhir/Patient/rw";
  json patient = {{"resourceType", "Patient"}, {"id", "rw"}, {"name", {{{"family", "Replay"}}}}};
  auto put = c.Put(path, bearer(token), patient.dump(), "application/fhir+json");
  ASSERT_EQ(put->status, 201) << put->body;
  const std::string first = put->get_header_value("X-Flint-LSN");
  ASSERT_EQ(first.rfind("a:", 0), 0u) << "a write on a cluster with replicas names the cluster and its commit position: "
                                      << first;
  auto withLsn = [&](const std::string& lsn) {
    auto headers = bearer(token);
    headers.emplace("X-Flint-LSN", lsn);
    return headers;
  };
  // Presenting the position reads the write back, from whichever server has it.
  EXPECT_EQ(versionOf(c.Get(path, withLsn(first))), "1");
  // Wait until the standby serves reads (the poller has seen it replay the write).
  const std::string replica = world().aReplica;
  const std::string replayed = "SELECT pg_last_wal_replay_lsn() >= '" + first.substr(2) + "'::pg_lsn";
  for (int i = 0; i < 100 && trimmed(psql(replica, replayed)) != "t"; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));

  // With replay paused, a second write reaches only the primary: what answers without the
  // position is the standby (version 1), what answers with it is the primary (version 2).
  psql(replica, "SELECT pg_wal_replay_pause()");
  for (int i = 0; i < 100 && trimmed(psql(replica, "SELECT pg_get_wal_replay_pause_state()")) != "paused"; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  patient["gender"] = "female";
  put = c.Put(path, bearer(token), patient.dump(), "application/fhir+json");
  ASSERT_EQ(put->status, 200) << put->body;
  const std::string second = put->get_header_value("X-Flint-LSN");
  ASSERT_FALSE(second.empty());
  EXPECT_EQ(versionOf(c.Get(path, bearer(token))), "1") << "a plain read goes to the standby";
  EXPECT_EQ(versionOf(c.Get("/" + backend.instance + "/fhir/Patient?_id=rw", bearer(token))), "1")
      << "a search goes to the standby";
  EXPECT_EQ(versionOf(c.Get(path, withLsn(second))), "2") << "the writer's read waits or goes to the primary";
  EXPECT_EQ(versionOf(c.Get("/" + backend.instance + "/fhir/Patient?_id=rw", withLsn(second))), "2");
  auto post = c.Post("/" + backend.instance + "/fhir/Patient/_search", withLsn(second), "_id=rw",
                     "application/x-www-form-urlencoded");
  EXPECT_EQ(versionOf(post), "2");
  auto bad = withLsn("not-a-position");
  EXPECT_EQ(c.Get(path, bad)->status, 200) << "a malformed position is ignored";

  // Once it lags beyond --replica-max-lag-ms, the standby serves nothing.
  std::this_thread::sleep_for(std::chrono::milliseconds(3000));
  EXPECT_EQ(versionOf(c.Get(path, bearer(token))), "2");
  EXPECT_EQ(versionOf(c.Get("/" + backend.instance + "/fhir/Patient?_id=rw", bearer(token))), "2");
  psql(replica, "SELECT pg_wal_replay_resume()");
  for (int i = 0; i < 100 && trimmed(psql(replica, "SELECT pg_last_wal_replay_lsn() >= '" + second.substr(2) + "'::pg_lsn")) != "t";
       ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));

  // A stopped standby: every read is still answered, by the primary, from the first on.
  standbyControl("stop");
  int failures = 0;
  for (int i = 0; i < 20; ++i) {
    if (versionOf(c.Get(path, bearer(token))) != "2") ++failures;
    if (versionOf(c.Get("/" + backend.instance + "/fhir/Patient?_id=rw", bearer(token))) != "2") ++failures;
  }
  standbyControl("start");
  EXPECT_EQ(failures, 0);
  // Writes never go to a replica, whatever position they present.
  patient["gender"] = "male";
  EXPECT_EQ(c.Put(path, withLsn(second), patient.dump(), "application/fhir+json")->status, 200);
}

// PostgreSQL connections `pid` has open at this moment: its unix-domain sockets (every database
// here is reached over a unix socket; HTTP clients come over TCP).
int databaseConnectionsOf(int pid) {
  std::set<std::string> unixInodes;
  std::ifstream table("/proc/net/unix");
  std::string line;
  std::getline(table, line);
  while (std::getline(table, line)) {
    std::istringstream fields(line);
    std::string field;
    for (int i = 0; i < 7 && fields >> field; ++i) {
    }
    unixInodes.insert(field);
  }
  int count = 0;
  const std::string fds = "/proc/" + std::to_string(pid) + "/fd";
  for (const auto& fd : std::filesystem::directory_iterator(fds)) {
    std::error_code error;
    const std::string target = std::filesystem::read_symlink(fd.path(), error).string();
    if (!error && target.rfind("socket:[", 0) == 0 && unixInodes.count(target.substr(8, target.size() - 9))) ++count;
  }
  return count;
}

// The value of a sample without labels in Prometheus text, parsed line by line.
std::optional<double> metricValue(const std::string& text, const std::string& name) {
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty() || line[0] == '#') continue;
    const size_t space = line.find(' ');
    if (space != std::string::npos && line.substr(0, space) == name) return std::stod(line.substr(space + 1));
  }
  return std::nullopt;
}

// However many clusters and replicas a process serves and however many clients it has, its
// connections stay within --max-db-connections: threads borrow sessions and give them back, each
// reactor keeps at most its share of read connections, and nothing is refused for it.
TEST(Clusters, AProcessStaysWithinItsConnectionBudgetAcrossClusters) {
  registerClusters();
  std::string out;
  EXPECT_EQ(runFlint({"serve", "--workers", "3", "--reactor-threads", "2", "--export-workers", "0",
                      "--max-db-connections", "14"},
                     &out),
            2);
  EXPECT_NE(out.find("--max-db-connections 14 is below the 15 this configuration needs"), std::string::npos) << out;

  std::vector<std::unique_ptr<Backend>> backends;
  std::vector<std::string> tokens;
  for (const char* cluster : {"main", "a", "b"}) {
    backends.push_back(std::make_unique<Backend>("system/*.cruds", cluster));
    tokens.push_back(backends.back()->token("system/*.cruds"));
  }
  FlintServer server({"--workers", "3", "--reactor-threads", "2", "--export-workers", "0", "--max-db-connections", "16"});
  const json patient = {{"resourceType", "Patient"}, {"id", "budget"}, {"name", {{{"family", "Budget"}}}}};
  for (size_t i = 0; i < backends.size(); ++i)
    ASSERT_EQ(client(server)
                  .Put("/" + backends[i]->instance + "/fhir/Patient/budget", bearer(tokens[i]), patient.dump(),
                       "application/fhir+json")
                  ->status,
              201);

  std::atomic<bool> done{false};
  std::atomic<int> peak{0};
  std::thread sampler([&] {
    while (!done) {
      peak = std::max(peak.load(), databaseConnectionsOf(server.pid()));
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  });
  std::mutex mutex;
  std::map<int, int> statuses;
  std::vector<std::thread> clients;
  for (int t = 0; t < 8; ++t)
    clients.emplace_back([&, t] {
      auto c = client(server);
      const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(4);
      for (int i = t; std::chrono::steady_clock::now() < until; ++i) {
        const size_t k = i % backends.size();
        const std::string base = "/" + backends[k]->instance + "/fhir/Patient";
        auto res = i % 3 == 0   ? c.Get(base + "/budget", bearer(tokens[k]))
                   : i % 3 == 1 ? c.Get(base + "?family=Budget", bearer(tokens[k]))
                                : c.Post(base, bearer(tokens[k]), R"({"resourceType":"Patient","active":true})",
                                         "application/fhir+json");
        std::lock_guard lock(mutex);
        ++statuses[res ? res->status : 0];
      }
    });
  for (auto& t : clients) t.join();
  done = true;
  sampler.join();

  int answered = 0;
  for (const auto& [status, count] : statuses) {
    EXPECT_TRUE(status == 200 || status == 201) << count << " requests answered " << status;
    answered += count;
  }
  EXPECT_GT(answered, 300);
  EXPECT_LE(peak.load(), 16);
  // The process did reach its databases through the sockets counted (the count is not blind).
  EXPECT_GE(peak.load(), 8);

  auto metrics = client(server).Get("/metrics", admin());
  ASSERT_EQ(metrics->status, 200);
  EXPECT_EQ(metricValue(metrics->body, "flint_db_connections_max"), 16.0) << metrics->body;
  EXPECT_EQ(metricValue(metrics->body, "flint_db_sessions_max"), 14.0) << metrics->body;
  EXPECT_EQ(metricValue(metrics->body, "flint_db_session_exhausted_total"), 0.0) << metrics->body;
  EXPECT_LE(metricValue(metrics->body, "flint_db_read_connections_open").value_or(99), 2.0) << metrics->body;
}

}  // namespace
}  // namespace flint::testing
