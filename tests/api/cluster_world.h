// The databases of a multi-cluster test binary: a control database of its own and a database on
// each data cluster that scripts/test starts (A with a streaming standby, and B), registered as
// clusters 'a' and 'b'.
#pragma once

#include <httplib.h>

#include <nlohmann/json.hpp>
#include <string>

namespace flint::testing {

struct World {
  std::string control, a, aReplica, b;
};

// Creates the databases once per binary and points FLINT_DATABASE_URL at the control one.
const World& world();
// Registers clusters a (with its standby) and b once; every test starts here, before anything
// starts a server.
void registerClusters();

std::string requiredEnv(const char* name);
std::string schemaOf(const std::string& instance);
std::string clusterOf(const std::string& instance);
bool hasSchema(const std::string& url, const std::string& schema);
// A new instance with a patient portal on `cluster`.
std::string createOn(const std::string& cluster, const std::string& prefix);
// Kicks off an export of `instance`'s Patients; returns the path of its status URL (empty when
// not accepted).
std::string kickOffPatientExport(const std::string& instance, const std::string& token);
// The versionId a read (or a search's first entry) answered, or what was answered instead.
std::string versionOf(const httplib::Result& res);
// Polls an export's status until it completes (for about 20 s); its manifest, or null.
nlohmann::json exportManifest(const std::string& statusPath, const std::string& token);

}  // namespace flint::testing
