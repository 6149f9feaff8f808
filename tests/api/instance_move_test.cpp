// Moving an instance between clusters while it serves: nothing acknowledged is lost or
// duplicated, writes get 503 + Retry-After only during the short freeze, a move killed at any
// point leaves the instance served from exactly one place and is resumed or rolled back.
// Runs against a control database of its own and data clusters A and B (cluster_world.h).
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "tests/api/cluster_world.h"
#include "tests/support/flint_server.h"
#include "tests/support/smart_helpers.h"

namespace flint::testing {
namespace {

using nlohmann::json;

// Writers that keep creating and updating a few patients of one instance, remembering what the
// server acknowledged: how many writes of each id and the last family name written.
class Writers {
 public:
  Writers(const std::string& instance, const std::string& token, int threads) : instance_(instance), token_(token) {
    for (int t = 0; t < threads; ++t) threads_.emplace_back([this, t] { run(t); });
  }
  ~Writers() { stop(); }

  void stop() {
    stopping_ = true;
    for (auto& t : threads_)
      if (t.joinable()) t.join();
  }

  struct Written {
    int writes = 0;
    std::string family;
  };
  std::map<std::string, Written> acknowledged() {
    std::lock_guard lock(mutex_);
    return acknowledged_;
  }
  int frozen() const { return frozen_; }
  int total() const { return total_; }
  std::vector<std::string> unexpected() {
    std::lock_guard lock(mutex_);
    return unexpected_;
  }

 private:
  void run(int thread) {
    auto c = client();
    std::string lsn = "0/0";  // of this thread's last write: its reads see it, replica or not
    for (int k = 0; !stopping_; ++k) {
      const std::string id = "w" + std::to_string(thread) + "-" + std::to_string(k % 4);
      const std::string family = "Fam" + std::to_string(thread) + "x" + std::to_string(k);
      const json patient = {{"resourceType", "Patient"}, {"id", id}, {"name", {{{"family", family}}}}};
      auto res = c.Put("/" + instance_ + "/fhir/Patient/" + id, bearer(token_), patient.dump(), "application/fhir+json");
      const int expected = record(res, id, family, lsn);
      auto read = c.Get("/" + instance_ + "/fhir/Patient/" + id, {{"Authorization", "Bearer " + token_}, {"X-Flint-LSN", lsn}});
      if (!read || read->status != expected) {
        std::lock_guard lock(mutex_);
        unexpected_.push_back("read: " + (read ? std::to_string(read->status) + " " + read->body : "none") + " for " + id);
      }
    }
  }

  // Notes the answer to a write of `id`; returns what a read of it must answer now.
  int record(const httplib::Result& res, const std::string& id, const std::string& family, std::string& lsn) {
    std::lock_guard lock(mutex_);
    if (res && (res->status == 200 || res->status == 201)) {
      lsn = res->get_header_value("X-Flint-LSN");
      auto& w = acknowledged_[id];
      ++w.writes;
      w.family = family;
      ++total_;
    } else if (res && res->status == 503 && res->get_header_value("Retry-After") == "1" &&
               res->body.find("OperationOutcome") != std::string::npos) {
      ++frozen_;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    } else {
      unexpected_.push_back(res ? std::to_string(res->status) + " " + res->body : "no response");
    }
    return acknowledged_.count(id) != 0 ? 200 : 404;
  }

  std::string instance_, token_;
  std::vector<std::thread> threads_;
  std::atomic<bool> stopping_{false};
  std::atomic<int> frozen_{0}, total_{0};
  std::mutex mutex_;
  std::map<std::string, Written> acknowledged_;
  std::vector<std::string> unexpected_;
};

// The number of versions a history lists, over all its pages.
int historyLength(httplib::Client& c, const std::string& path, const std::string& token) {
  int versions = 0;
  std::string next = "/" + path;
  while (!next.empty()) {
    auto page = c.Get(next, bearer(token));
    if (!page || page->status != 200) return -1;
    const json bundle = json::parse(page->body);
    versions += static_cast<int>(bundle.value("entry", json::array()).size());
    next.clear();
    for (const auto& link : bundle["link"])
      if (link["relation"] == "next") next = link["url"].get<std::string>().substr(sharedServer().baseUrl().size());
  }
  return versions;
}

// Every acknowledged write is there exactly once: the version counts the writes, the content is
// the last one, the history has every version, and searching by the last name finds it (the
// search index moved along).
void expectAllWrites(const std::string& instance, const std::string& token, Writers& writers) {
  auto c = client();
  const auto written = writers.acknowledged();
  ASSERT_FALSE(written.empty());
  for (const auto& [id, w] : written) {
    SCOPED_TRACE(id);
    auto read = c.Get("/" + instance + "/fhir/Patient/" + id, bearer(token));
    ASSERT_EQ(read->status, 200) << read->body;
    const json body = json::parse(read->body);
    EXPECT_EQ(body["meta"]["versionId"], std::to_string(w.writes));
    EXPECT_EQ(body["name"][0]["family"], w.family);
    EXPECT_EQ(historyLength(c, instance + "/fhir/Patient/" + id + "/_history?_count=500", token), w.writes);
    auto found = c.Get("/" + instance + "/fhir/Patient?family=" + w.family, bearer(token));
    const json bundle = json::parse(found->body);
    ASSERT_EQ(bundle["entry"].size(), 1u) << found->body;
    EXPECT_EQ(bundle["entry"][0]["resource"]["id"], id);
  }
}

// What a move leaves behind on a side: no subscription, slot, publication or helper schema.
std::string moveLeftovers(const std::string& url) {
  return trimmed(psql(url,
                      "SELECT (SELECT count(*) FROM pg_subscription) || ' ' || (SELECT count(*) FROM pg_replication_slots"
                      " WHERE slot_name LIKE 'flint_move_%') || ' ' || (SELECT count(*) FROM pg_publication) || ' ' ||"
                      " (SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'flint_move_%')"));
}

std::string moveState(const std::string& instance) {
  return trimmed(psql(world().control, "SELECT coalesce((SELECT m.state FROM flint.instance_moves m JOIN flint.instances i"
                                       " ON i.id = m.instance_id WHERE i.name = '" + instance + "'), 'none')"));
}

long long instanceId(const std::string& instance) {
  return std::stoll(trimmed(psql(world().control, "SELECT id FROM flint.instances WHERE name = '" + instance + "'")));
}

// Starts `flint instance move` in the background and kills it (SIGKILL) once the move reaches
// `state`; returns what it printed. Each state is held for the kill by a lock the move waits for:
// copying, by the transaction locking a search index table its slot waits for; streaming, by the
// source's marker table; frozen, by the target's copy of a table its comparison reads; switched,
// by a source table that dropping the old copy needs (killed once the stream is gone).
std::string killMoveAt(const std::string& instance, const std::string& source, const std::string& target,
                       const std::string& state) {
  const std::string schema = schemaOf(instance);
  const std::string helper = "flint_move_" + std::to_string(instanceId(instance));
  const std::string targetUrl = target == "a" ? world().a : world().b;
  std::unique_ptr<HeldLock> hold;
  if (state == "copying") hold = std::make_unique<HeldLock>(source, schema + ".search_token", "ACCESS EXCLUSIVE");
  if (state == "switched") hold = std::make_unique<HeldLock>(source, schema + ".auth_clients", "ACCESS SHARE");
  std::string out;
  std::thread move([&] { runFlint({"instance", "move", instance, "--to", target}, &out); });
  if (state == "streaming") {
    for (int i = 0; i < 2000 && trimmed(psql(source, "SELECT count(*) FROM pg_publication WHERE pubname = '" + helper + "'")) != "1"; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    hold = std::make_unique<HeldLock>(source, helper + ".marker", "EXCLUSIVE");
  }
  if (state == "frozen") {
    // Streaming lasts over a second: time to lock the copy before the freeze compares it.
    for (int i = 0; i < 3000 && moveState(instance) != "streaming"; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(2));
    hold = std::make_unique<HeldLock>(targetUrl, schema + ".auth_clients", "ACCESS EXCLUSIVE");
  }
  for (int i = 0; i < 3000 && moveState(instance) != state; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  const bool reached = moveState(instance) == state;
  if (state == "switched") {
    // Killed where the hold stops it: the stream already dropped, the old copy not yet.
    for (int i = 0; i < 3000 && trimmed(psql(targetUrl, "SELECT count(*) FROM pg_subscription WHERE subname = '" + helper + "'")) != "0"; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  std::system(("pkill -9 -f 'instance move " + instance + " '").c_str());
  move.join();
  hold.reset();
  if (!reached) throw std::runtime_error("the move never reached " + state + ": " + out);
  return out;
}

TEST(InstanceMove, AnInstanceMovesUnderConcurrentWritesWithNothingLostOrDuplicated) {
  registerClusters();
  Backend backend("system/*.cruds", "a");
  std::string out;
  ASSERT_EQ(runFlint({"seed", "--instance", backend.instance, "--patients", "20", "--seed", "3"}, &out), 0) << out;
  const std::string token = backend.token("system/*.cruds");
  const std::string schema = schemaOf(backend.instance);
  const std::string seeded = trimmed(psql(world().a, "SELECT count(*) FROM " + schema + ".resources"));
  // The search index rows the seed wrote (derived, copied without replication) arrive intact.
  const std::string tokenRows = trimmed(psql(world().a, "SELECT count(*) FROM " + schema + ".search_token"));

  // A plugin's custom data (in a schema of its namespace's own) moves along, keys included.
  auto c = client();
  const json manifest = {{"sdk_version", "0.203.0"}, {"plugin_version", "1.0.0"}, {"name", "rooms"},
                         {"description", "Rooms"}, {"tags", json::object()}, {"license", ""}, {"readme", false},
                         {"components", {{"handlers", {{{"class", "rooms.handlers:Handler"}, {"description", "handles"}}}}}},
                         {"custom_data", {{"namespace", "acme__rooms"}, {"access", "read_write"}}}};
  const json models = json::parse(R"({"models":[{"name":"Room","fields":[{"name":"name","type":"text"}]}]})");
  auto installed = c.Post("/admin/instances/" + backend.instance + "/plugins", admin(),
                          json({{"manifest", manifest}, {"models", models}}).dump(), "application/json");
  ASSERT_EQ(installed->status, 201) << installed->body;
  const httplib::Headers roomsKey = {
      {"Authorization", "Namespace " + json::parse(installed->body)["keys"]["namespace_read_write_access_key"].get<std::string>()}};
  const std::string rooms = "/" + backend.instance + "/custom-data/acme__rooms/models/Room";
  auto blue = c.Post(rooms, roomsKey, R"({"name":"Blue"})", "application/json");
  ASSERT_EQ(blue->status, 201) << blue->body;
  const long long blueId = json::parse(blue->body)["dbid"];
  const std::string roomsSchema =
      trimmed(psql(world().a, "SELECT schema_name FROM " + schema + ".custom_data_namespaces WHERE name = 'acme__rooms'"));

  Writers writers(backend.instance, token, 3);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const int rc = runFlint({"instance", "move", backend.instance, "--to", "b"}, &out);
  const int beforeSwitchDone = writers.total();
  std::this_thread::sleep_for(std::chrono::milliseconds(700));
  writers.stop();
  ASSERT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("switched: " + backend.instance + " is served from 'b'"), std::string::npos) << out;
  EXPECT_NE(out.find("writes frozen for"), std::string::npos) << out;
  EXPECT_TRUE(writers.unexpected().empty()) << writers.unexpected().front();
  EXPECT_GT(writers.frozen(), 0) << "writers met the freeze";
  EXPECT_GT(writers.total(), beforeSwitchDone) << "writes go on after the move, on b";

  EXPECT_EQ(clusterOf(backend.instance), "b");
  EXPECT_EQ(moveState(backend.instance), "none");
  EXPECT_FALSE(hasSchema(world().a, schema));
  EXPECT_TRUE(hasSchema(world().b, schema));
  EXPECT_EQ(moveLeftovers(world().a), "0 0 0 0");
  EXPECT_EQ(moveLeftovers(world().b), "0 0 0 0");
  expectAllWrites(backend.instance, token, writers);
  const auto written = writers.acknowledged();
  EXPECT_EQ(trimmed(psql(world().b, "SELECT count(*) FROM " + schema + ".resources")),
            std::to_string(std::stoll(seeded) + static_cast<long long>(written.size())));
  EXPECT_GE(std::stoll(trimmed(psql(world().b, "SELECT count(*) FROM " + schema + ".search_token"))), std::stoll(tokenRows));
  EXPECT_FALSE(hasSchema(world().a, roomsSchema));
  EXPECT_TRUE(hasSchema(world().b, roomsSchema));
  auto blueAgain = c.Get(rooms + "/" + std::to_string(blueId), roomsKey);
  ASSERT_EQ(blueAgain->status, 200) << blueAgain->body;
  EXPECT_EQ(json::parse(blueAgain->body)["name"], "Blue");
  auto green = c.Post(rooms, roomsKey, R"({"name":"Green"})", "application/json");
  ASSERT_EQ(green->status, 201) << green->body;
  EXPECT_GT(json::parse(green->body)["dbid"].get<long long>(), blueId) << "sequences continue where they were";
  // The seeded data searches as before, and the audit trail holds each acknowledged write once.
  auto all = c.Get("/" + backend.instance + "/fhir/Observation?_summary=count", bearer(token));
  ASSERT_EQ(all->status, 200) << all->body;
  EXPECT_GT(json::parse(all->body)["total"].get<int>(), 0);
  std::string audited;
  for (int i = 0; i < 50; ++i) {
    audited = trimmed(psql(world().b, "SELECT count(*) FROM " + schema + ".audit_events WHERE action = 'PUT Patient'"
                                      " AND outcome IN (200, 201)"));
    if (audited == std::to_string(writers.total())) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(audited, std::to_string(writers.total()));
  EXPECT_EQ(trimmed(psql(world().b, "SELECT count(*) - count(DISTINCT id) FROM " + schema + ".audit_events")), "0");
}

TEST(InstanceMove, AMoveKilledMidwayIsResumedOrRolledBackAndTheInstanceIsServedFromOnePlace) {
  registerClusters();
  Backend backend("system/*.cruds", "a");
  const std::string token = backend.token("system/*.cruds");
  const std::string schema = schemaOf(backend.instance);
  auto c = client();
  auto write = [&](const std::string& id, const std::string& family) {
    const json patient = {{"resourceType", "Patient"}, {"id", id}, {"name", {{{"family", family}}}}};
    return c.Put("/" + backend.instance + "/fhir/Patient/" + id, bearer(token), patient.dump(), "application/fhir+json");
  };
  ASSERT_EQ(write("k1", "Before")->status, 201);
  std::string out;
  const auto wait = [] { std::this_thread::sleep_for(std::chrono::milliseconds(1100)); };  // the instance cache

  // Killed while copying (publication made, slot under way): still served from A; resuming
  // starts the copy over.
  killMoveAt(backend.instance, world().a, "b", "copying");
  EXPECT_EQ(clusterOf(backend.instance), "a");
  EXPECT_EQ(moveLeftovers(world().a), "0 0 1 1");
  ASSERT_EQ(runFlint({"instance", "move", backend.instance, "--resume"}, &out), 0) << out;
  EXPECT_EQ(clusterOf(backend.instance), "b");
  EXPECT_FALSE(hasSchema(world().a, schema));
  EXPECT_EQ(moveLeftovers(world().a), "0 0 0 0");
  EXPECT_EQ(moveLeftovers(world().b), "0 0 0 0");
  wait();
  EXPECT_EQ(c.Get("/" + backend.instance + "/fhir/Patient/k1", bearer(token))->status, 200);

  // Killed while streaming: still served from B, writes accepted there; rolled back cleanly.
  killMoveAt(backend.instance, world().b, "a", "streaming");
  EXPECT_EQ(clusterOf(backend.instance), "b");
  ASSERT_EQ(write("k2", "Streaming")->status, 201);
  EXPECT_EQ(trimmed(psql(world().b, "SELECT count(*) FROM " + schema + ".resources WHERE id = 'k2'")), "1");
  EXPECT_EQ(runFlint({"instance", "move", backend.instance, "--to", "a"}, &out), 1);
  EXPECT_NE(out.find("already being moved"), std::string::npos) << out;
  // The move shows in the listings.
  ASSERT_EQ(runFlint({"instance", "list"}, &out), 0) << out;
  EXPECT_NE(out.find(backend.instance + "\t"), std::string::npos) << out;
  EXPECT_NE(out.find("cluster=b\tmoving to a (streaming)"), std::string::npos) << out;
  const json listed = json::parse(client().Get("/admin/instances/" + backend.instance, admin())->body);
  EXPECT_EQ(listed["move"], json({{"to", "a"}, {"state", "streaming"}})) << listed.dump();
  // Commands that write an instance's data directly (not through the freeze) wait for the move.
  for (const std::vector<std::string>& command :
       {std::vector<std::string>{"seed", "--instance", backend.instance, "--patients", "1"},
        {"reindex", "--instance", backend.instance}, {"keys", "rotate", "--instance", backend.instance},
        {"client", "disable", "--instance", backend.instance, backend.clientId}}) {
    EXPECT_NE(runFlint(command, &out), 0) << command[0];
    EXPECT_NE(out.find("is being moved to another cluster (streaming)"), std::string::npos) << out;
  }
  ASSERT_EQ(runFlint({"instance", "move", backend.instance, "--rollback"}, &out), 0) << out;
  EXPECT_EQ(moveState(backend.instance), "none");
  EXPECT_FALSE(json::parse(client().Get("/admin/instances/" + backend.instance, admin())->body).contains("move"));
  EXPECT_FALSE(hasSchema(world().a, schema));
  EXPECT_EQ(moveLeftovers(world().a), "0 0 0 0");
  EXPECT_EQ(moveLeftovers(world().b), "0 0 0 0");
  EXPECT_EQ(runFlint({"instance", "move", backend.instance, "--rollback"}, &out), 1);
  EXPECT_NE(out.find("is not being moved"), std::string::npos) << out;

  // Killed while frozen and rolled back: the audit events written to the target meanwhile come
  // back to the source.
  killMoveAt(backend.instance, world().b, "a", "frozen");
  wait();
  EXPECT_EQ(c.Get("/" + backend.instance + "/fhir/Patient/k2", bearer(token))->status, 200);
  ASSERT_EQ(runFlint({"instance", "move", backend.instance, "--rollback"}, &out), 0) << out;
  EXPECT_EQ(clusterOf(backend.instance), "b");
  EXPECT_FALSE(hasSchema(world().a, schema));
  EXPECT_EQ(trimmed(psql(world().b, "SELECT count(*) FROM " + schema + ".audit_events WHERE action = 'GET Patient'"
                                    " AND target = 'Patient/k2' AND id >= 1000000000")),
            "1");
  wait();
  ASSERT_EQ(write("k2", "Unfrozen")->status, 200);

  // Killed while frozen: writes stay refused (the source is the one copy, and the target may be
  // about to take over), reads are served; resuming finishes the move.
  killMoveAt(backend.instance, world().b, "a", "frozen");
  wait();
  auto refused = write("k3", "Frozen");
  EXPECT_EQ(refused->status, 503);
  EXPECT_EQ(refused->get_header_value("Retry-After"), "1");
  auto tokenRefused = requestToken(backend.instance, clientAssertion(backend.rsa, "RS384", backend.clientId,
                                                                     tokenUrl(backend.instance)),
                                   "system/*.rs");
  EXPECT_EQ(tokenRefused->status, 503);
  EXPECT_EQ(json::parse(tokenRefused->body)["error"], "temporarily_unavailable");
  EXPECT_EQ(c.Get("/" + backend.instance + "/fhir/Patient/k2", bearer(token))->status, 200);
  EXPECT_EQ(clusterOf(backend.instance), "b");
  ASSERT_EQ(runFlint({"instance", "move", backend.instance, "--resume"}, &out), 0) << out;
  EXPECT_EQ(clusterOf(backend.instance), "a");
  EXPECT_FALSE(hasSchema(world().b, schema));
  wait();
  ASSERT_EQ(write("k3", "Moved")->status, 201);
  EXPECT_EQ(trimmed(psql(world().a, "SELECT count(*) FROM " + schema + ".resources WHERE id LIKE 'k_'")), "3");
  EXPECT_EQ(moveLeftovers(world().a), "0 0 0 0");
  EXPECT_EQ(moveLeftovers(world().b), "0 0 0 0");

  // Killed after the switch: served from the target; resuming only cleans up, rolling back is refused.
  killMoveAt(backend.instance, world().a, "b", "switched");
  EXPECT_EQ(clusterOf(backend.instance), "b");
  EXPECT_EQ(runFlint({"instance", "move", backend.instance, "--rollback"}, &out), 1);
  EXPECT_NE(out.find("already served from 'b'"), std::string::npos) << out;
  ASSERT_EQ(runFlint({"instance", "move", backend.instance, "--resume"}, &out), 0) << out;
  EXPECT_FALSE(hasSchema(world().a, schema));
  EXPECT_TRUE(hasSchema(world().b, schema));
  wait();
  for (const char* id : {"k1", "k2", "k3"}) {
    auto read = c.Get("/" + backend.instance + "/fhir/Patient/" + id, bearer(token));
    EXPECT_EQ(read->status, 200) << id;
  }
  EXPECT_EQ(json::parse(c.Get("/" + backend.instance + "/fhir/Patient/k2", bearer(token))->body)["meta"]["versionId"], "2");
}

// An export waits while its instance is frozen and is written where the instance ends up.
TEST(InstanceMove, AnExportWaitsOutTheFreezeAndIsWrittenOnTheNewCluster) {
  registerClusters();
  FlintServer runner({"--export-workers", "1"});
  Backend backend("system/*.cruds", "a");
  std::string out;
  ASSERT_EQ(runFlint({"seed", "--instance", backend.instance, "--patients", "3", "--seed", "5"}, &out), 0) << out;
  const std::string token = backend.token("system/*.rs");
  const std::string schema = schemaOf(backend.instance);
  killMoveAt(backend.instance, world().a, "b", "frozen");
  auto c = client();
  const std::string path = kickOffPatientExport(backend.instance, token);
  ASSERT_FALSE(path.empty());
  const std::string job = path.substr(path.rfind('/') + 1);
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  EXPECT_EQ(c.Get(path, bearer(token))->status, 202) << "nothing is written while frozen";
  EXPECT_EQ(trimmed(psql(world().a, "SELECT count(*) FROM " + schema + ".export_files")), "0");

  ASSERT_EQ(runFlint({"instance", "move", backend.instance, "--resume"}, &out), 0) << out;
  const json manifest = exportManifest(path, token);
  ASSERT_EQ(manifest["output"].size(), 1u) << manifest.dump();
  auto download = c.Get(manifest["output"][0]["url"].get<std::string>().substr(sharedServer().baseUrl().size()), bearer(token));
  ASSERT_EQ(download->status, 200);
  EXPECT_EQ(std::count(download->body.begin(), download->body.end(), '\n'), 3);
  EXPECT_EQ(trimmed(psql(world().b, "SELECT lines FROM " + schema + ".export_files WHERE job_id = '" + job + "'")), "3");
}

// A target that differs from the source when the freeze compares them (here a row changed
// behind the move's back) is not switched to: the move rolls back and the instance stays,
// writable, where it was.
TEST(InstanceMove, ACopyThatDiffersIsNeverSwitchedToAndTheMoveRollsBack) {
  registerClusters();
  Backend backend("system/*.cruds", "a");
  const std::string token = backend.token("system/*.cruds");
  const std::string schema = schemaOf(backend.instance);
  const std::string helper = "flint_move_" + std::to_string(instanceId(backend.instance));
  std::string out;
  int rc = -1;
  std::thread hold([&] {
    for (int i = 0; i < 2000 && trimmed(psql(world().a, "SELECT count(*) FROM pg_publication WHERE pubname = '" + helper + "'")) != "1"; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    psql(world().a, "BEGIN; LOCK TABLE " + helper + ".marker IN EXCLUSIVE MODE; SELECT pg_sleep(2); COMMIT");
  });
  std::thread move([&] { rc = runFlint({"instance", "move", backend.instance, "--to", "b"}, &out); });
  for (int i = 0; i < 1000 && moveState(backend.instance) != "streaming"; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_EQ(trimmed(psql(world().b, "UPDATE " + schema + ".auth_clients SET name = 'tampered' RETURNING 1")), "1");
  hold.join();
  move.join();
  EXPECT_EQ(rc, 1) << out;
  EXPECT_NE(out.find("auth_clients\": 1 rows on the source, 1 on the target (contents differ)"), std::string::npos) << out;
  EXPECT_NE(out.find("rolled back"), std::string::npos) << out;
  EXPECT_EQ(clusterOf(backend.instance), "a");
  EXPECT_EQ(moveState(backend.instance), "none");
  EXPECT_FALSE(hasSchema(world().b, schema));
  EXPECT_EQ(moveLeftovers(world().a), "0 0 0 0");
  EXPECT_EQ(moveLeftovers(world().b), "0 0 0 0");
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  const json patient = {{"resourceType", "Patient"}, {"id", "after"}};
  EXPECT_EQ(client().Put("/" + backend.instance + "/fhir/Patient/after", bearer(token), patient.dump(), "application/fhir+json")->status,
            201);
}

TEST(InstanceMove, AMoveThatCannotBeMadeIsRefusedWithTheReasonAndChangesNothing) {
  registerClusters();
  const std::string onA = createOn("a", "mv-refused");
  const std::string onMain = createOn("main", "mv-main");
  std::string out;
  EXPECT_EQ(runFlint({"instance", "move", onA, "--to", "nowhere"}, &out), 1);
  EXPECT_NE(out.find("no cluster named 'nowhere'"), std::string::npos) << out;
  EXPECT_EQ(runFlint({"instance", "move", onA, "--to", "a"}, &out), 1);
  EXPECT_NE(out.find("already on 'a'"), std::string::npos) << out;
  EXPECT_EQ(runFlint({"instance", "move", "no-such-instance", "--to", "b"}, &out), 1);
  EXPECT_NE(out.find("no instance named"), std::string::npos) << out;
  EXPECT_EQ(runFlint({"instance", "move", onA, "--sideways"}, &out), 2);
  // The test's control database lives on a cluster with wal_level = minimal.
  EXPECT_EQ(runFlint({"instance", "move", onMain, "--to", "b"}, &out), 1);
  EXPECT_NE(out.find("wal_level = logical"), std::string::npos) << out;
  // A schema of that name already on the target is not Flint's to overwrite.
  const std::string schema = schemaOf(onA);
  psql(world().b, "CREATE SCHEMA " + schema);
  EXPECT_EQ(runFlint({"instance", "move", onA, "--to", "b"}, &out), 1);
  EXPECT_NE(out.find("already has a schema named"), std::string::npos) << out;
  psql(world().b, "DROP SCHEMA " + schema);
  ASSERT_EQ(runFlint({"cluster", "drain", "b"}, &out), 0) << out;
  EXPECT_EQ(runFlint({"instance", "move", onA, "--to", "b"}, &out), 1);
  EXPECT_NE(out.find("draining"), std::string::npos) << out;
  ASSERT_EQ(runFlint({"cluster", "undrain", "b"}, &out), 0) << out;
  for (const auto& name : {onA, onMain}) EXPECT_EQ(moveState(name), "none");
  EXPECT_EQ(clusterOf(onA), "a");
  EXPECT_EQ(moveLeftovers(world().a), "0 0 0 0");
}

// Once moved, an instance is read from its new cluster's replicas only when they have replayed the
// position of the switch: a replica that stopped replaying after the copy never serves a version
// older than the one written before the move, whether a read presents no position or one from
// the cluster the instance left.
TEST(InstanceMove, AMovedInstanceIsReadFromAReplicaOnlyOnceItHasReplayedTheSwitch) {
  registerClusters();
  Backend backend("system/*.cruds", "b");
  const std::string token = backend.token("system/*.cruds");
  const std::string schema = schemaOf(backend.instance);
  const std::string path = "/" + backend.instance + "/fhir/Patient/floor";
  json patient = {{"resourceType", "Patient"}, {"id", "floor"}, {"name", {{{"family", "Before"}}}}};
  ASSERT_EQ(client().Put(path, bearer(token), patient.dump(), "application/fhir+json")->status, 201);
  // A lag bound this wide keeps the paused standby eligible: only the floor can rule it out.
  FlintServer server({"--replica-max-lag-ms", "600000"});

  const std::string helper = "flint_move_" + std::to_string(instanceId(backend.instance));
  std::string out;
  int rc = -1;
  std::thread move([&] { rc = runFlint({"instance", "move", backend.instance, "--to", "a"}, &out); });
  for (int i = 0; i < 2000 && trimmed(psql(world().b, "SELECT count(*) FROM pg_publication WHERE pubname = '" + helper + "'")) != "1"; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  HeldLock streaming(world().b, helper + ".marker", "EXCLUSIVE");
  for (int i = 0; i < 2000 && moveState(backend.instance) != "streaming"; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  // A's standby has replayed the copy; from here it replays nothing.
  const std::string copied = "SELECT count(*) FROM pg_namespace n WHERE n.nspname = '" + schema +
                             "' AND (SELECT count(*) FROM " + schema + ".resources WHERE id = 'floor') = 1";
  for (int i = 0; i < 500 && trimmed(psql(world().aReplica, "SELECT count(*) FROM pg_namespace WHERE nspname = '" + schema + "'")) != "1"; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  for (int i = 0; i < 500 && trimmed(psql(world().aReplica, copied)) != "1"; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  psql(world().aReplica, "SELECT pg_wal_replay_pause()");
  struct Resume {
    ~Resume() { psql(world().aReplica, "SELECT pg_wal_replay_resume()"); }
  } resume;
  patient["name"][0]["family"] = "During";
  ASSERT_EQ(client().Put(path, bearer(token), patient.dump(), "application/fhir+json")->status, 200)
      << "written while the move streams";
  streaming.release();
  move.join();
  ASSERT_EQ(rc, 0) << out;
  ASSERT_EQ(clusterOf(backend.instance), "a");
  EXPECT_NE(trimmed(psql(world().control, "SELECT read_floor_lsn FROM flint.instances WHERE name = '" + backend.instance + "'")),
            "");

  auto c = client(server);
  auto fromB = bearer(token);
  fromB.emplace("X-Flint-LSN", "b:0/1");
  // The process meets cluster A here; its poller then finds the standby up within the lag bound.
  EXPECT_EQ(versionOf(c.Get(path, bearer(token))), "2");
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(versionOf(c.Get(path, bearer(token))), "2") << "read by id";
    EXPECT_EQ(versionOf(c.Get("/" + backend.instance + "/fhir/Patient?_id=floor", bearer(token))), "2") << "search";
    EXPECT_EQ(versionOf(c.Get(path, fromB)), "2") << "a position from the cluster it left";
  }
  // Written on A, the position names A and reads presenting it see the write.
  patient["name"][0]["family"] = "After";
  auto put = c.Put(path, bearer(token), patient.dump(), "application/fhir+json");
  ASSERT_EQ(put->status, 200);
  const std::string position = put->get_header_value("X-Flint-LSN");
  EXPECT_EQ(position.rfind("a:", 0), 0u) << position;
  auto fromA = bearer(token);
  fromA.emplace("X-Flint-LSN", position);
  EXPECT_EQ(versionOf(c.Get(path, fromA)), "3");
}

}  // namespace
}  // namespace flint::testing
