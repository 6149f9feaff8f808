// An instance: one customer practice with its own base URL, data (a schema of its own) and its
// own authorization server.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace flint::instances {

// The dictionaries an instance's stored resource JSON is compressed with
// (fhir_resources/storage/stored_content.h), by the number zstd gives each, and the one new
// versions are compressed with (0: none). A dictionary, once made, never changes or goes.
struct ContentDictionaries {
  std::map<uint32_t, std::shared_ptr<const std::string>> byNumber;
  uint32_t forWrites = 0;
};

struct Instance {
  long long id = 0;
  std::string name;
  std::string organizationName;
  std::string organizationNpi;
  std::string organizationAddress;  // FHIR Address as JSON text, or empty
  std::string organizationLocations = "[]";  // JSON array of {"name", "address"}
  std::string organizationPartOf;  // the instance whose organisation this one's is part of, or empty
  bool patientPortal = false;
  // No authorization at all: only for public test servers holding synthetic data.
  bool openAccess = false;
  // How long a refresh token lives after its last use (ONC (g)(10): at least three months).
  int refreshTokenDays = 90;
  bool disabled = false;
  // A developer's sandbox (sandbox-<name>): synthetic data, never in the directory, never a
  // production app's.
  bool sandbox = false;
  std::string schema;
  // What the search index entries were last written as (fhir_resources kSearchIndexVersion):
  // searches use no entries an older version did not write.
  int searchIndexVersion = 0;
  // The data cluster holding the schema, its primary's connection string (for 'main', the control
  // database's, as the process reading the instance reached it) and its streaming replicas.
  std::string cluster = "main";
  std::string databaseUrl;
  std::vector<std::string> replicaUrls;
  // The WAL position of that primary from which the instance's data is whole there (set when a
  // move switched it to this cluster; 0 for one created here): no replica short of it serves it.
  uint64_t readFloorLsn = 0;
  // A move to another cluster under way (core/instances/move): where to and its state (copying,
  // streaming, frozen, switched, rollback), or empty.
  std::string moveTarget;
  std::string moveState;
  // During the short freeze of a move the instance refuses writes, and its audit trail goes to
  // the cluster it is moving to.
  bool writesFrozen() const { return moveState == "frozen"; }
  std::string auditDatabaseUrl;
  // Past its copy and not yet done: every process re-reads the instance often (InstanceCache), so a
  // freeze or switch reaches them all within a fraction of a second.
  bool moving() const { return !moveState.empty() && moveState != "copying"; }
  // Which US Core profiles a written resource must conform to: off, claimed (those in its
  // meta.profile) or required (resources of US Core types must conform to a US Core profile).
  std::string profileValidation = "claimed";
  std::shared_ptr<const ContentDictionaries> contentDictionaries = std::make_shared<const ContentDictionaries>();
};

struct NewInstance {
  std::string name;
  std::string organizationName;
  std::string organizationNpi;
  std::string organizationAddress;
  bool patientPortal = false;
  bool openAccess = false;
  int refreshTokenDays = 90;
  int searchIndexVersion = 0;  // the extraction a new, empty instance is indexed by
  std::string profileValidation = "claimed";
  bool sandbox = false;  // only the developer programme creates sandboxes, and only they are named sandbox-*
  std::string cluster;   // empty: the cluster with the fewest resources
};

// An edit of an instance's practice as the directory publishes it, or of its profile validation;
// what is absent stays as it is, and an empty string removes the NPI, address or parent.
struct InstanceChanges {
  std::optional<std::string> organizationName;
  std::optional<std::string> organizationNpi;
  std::optional<std::string> organizationAddress;    // FHIR Address, JSON
  std::optional<std::string> organizationLocations;  // JSON array of {"name", "address"}
  std::optional<std::string> organizationPartOf;
  std::optional<bool> patientPortal;
  std::optional<std::string> profileValidation;
};

// A request about instances that cannot be carried out; `conflict` for a name already taken.
class InstanceError : public std::runtime_error {
 public:
  InstanceError(const std::string& what, bool conflict = false) : std::runtime_error(what), conflict_(conflict) {}
  bool conflict() const { return conflict_; }

 private:
  bool conflict_;
};

// Throws InstanceError unless `mode` is off, claimed or required.
void validateProfileValidation(const std::string& mode);

// Names are URL path segments: lowercase letters, digits and '-', at most 40, not a reserved word.
void validateName(const std::string& name);

}  // namespace flint::instances
