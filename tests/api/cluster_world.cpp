#include "tests/api/cluster_world.h"

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <stdexcept>
#include <thread>

#include "tests/support/flint_server.h"
#include "tests/support/smart_helpers.h"

namespace flint::testing {

std::string requiredEnv(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr) throw std::runtime_error(std::string(name) + " is not set (run the tests through scripts/test)");
  return value;
}

// Fresh databases, so no other suite's instances take part in placement (the standby follows A's).
const World& world() {
  static const World w = [] {
    const std::string db = "flint_clusters_" + std::to_string(getpid());
    const std::string a = requiredEnv("FLINT_TEST_CLUSTER_A_URL"), b = requiredEnv("FLINT_TEST_CLUSTER_B_URL");
    for (const auto& server : {databaseUrl(), a, b}) {
      psql(server, "DROP DATABASE IF EXISTS " + db);
      psql(server, "CREATE DATABASE " + db);
    }
    // The standby has the database only once it has replayed its creation, which on a busy machine
    // can come after `cluster add` looks for it there.
    const std::string replica = requiredEnv("FLINT_TEST_CLUSTER_A_REPLICA_URL");
    const std::string created = trimmed(psql(a, "SELECT pg_current_wal_lsn()"));
    const std::string replayed = "SELECT pg_last_wal_replay_lsn() >= '" + created + "'::pg_lsn";
    for (int i = 0; i < 300 && trimmed(psql(replica, replayed)) != "t"; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    World made{withDatabase(databaseUrl(), db), withDatabase(a, db), withDatabase(replica, db), withDatabase(b, db)};
    // Every server and command of this binary uses the control database of its own.
    setenv("FLINT_DATABASE_URL", made.control.c_str(), 1);
    return made;
  }();
  return w;
}

std::string schemaOf(const std::string& instance) {
  return trimmed(psql(world().control, "SELECT schema_name FROM flint.instances WHERE name = '" + instance + "'"));
}

std::string clusterOf(const std::string& instance) {
  return trimmed(psql(world().control, "SELECT cluster FROM flint.instances WHERE name = '" + instance + "'"));
}

bool hasSchema(const std::string& url, const std::string& schema) {
  return trimmed(psql(url, "SELECT count(*) FROM pg_namespace WHERE nspname = '" + schema + "'")) == "1";
}

void registerClusters() {
  world();
  static const bool done = [] {
    std::string out;
    if (runFlint({"cluster", "add", "a", "--database-url", world().a, "--replica-url", world().aReplica}, &out) != 0)
      throw std::runtime_error("cluster add a: " + out);
    if (runFlint({"cluster", "add", "b", "--database-url", world().b}, &out) != 0)
      throw std::runtime_error("cluster add b: " + out);
    return true;
  }();
  (void)done;
}

std::string createOn(const std::string& cluster, const std::string& prefix) {
  registerClusters();
  return securedInstance(prefix, true, cluster);
}

std::string kickOffPatientExport(const std::string& instance, const std::string& token) {
  auto kick = client().Get("/" + instance + "/fhir/Patient/$export?_type=Patient",
                           {{"Authorization", "Bearer " + token}, {"Accept", "application/fhir+json"},
                            {"Prefer", "respond-async"}});
  if (!kick || kick->status != 202) return "";
  return kick->get_header_value("Content-Location").substr(sharedServer().baseUrl().size());
}

nlohmann::json exportManifest(const std::string& statusPath, const std::string& token) {
  auto c = client();
  for (int i = 0; i < 100; ++i) {
    auto poll = c.Get(statusPath, bearer(token));
    if (poll && poll->status == 200) return nlohmann::json::parse(poll->body);
    std::this_thread::sleep_for(std::chrono::milliseconds(poll && poll->status == 429 ? 1100 : 200));
  }
  return nullptr;
}

std::string versionOf(const httplib::Result& res) {
  if (!res || res->status != 200) return "status " + (res ? std::to_string(res->status) : std::string("none"));
  const nlohmann::json body = nlohmann::json::parse(res->body);
  if (body["resourceType"] == "Bundle")
    return body.contains("entry") ? body["entry"][0]["resource"]["meta"]["versionId"].get<std::string>() : "none";
  return body["meta"]["versionId"];
}

}  // namespace flint::testing
