// The SMART clients of enabled apps on instances, one client id per app everywhere: a
// patient-directed app on every enabled, non-sandbox instance with a patient portal (registered
// by the platform, now and on instances that gain a portal later); a population app only on the
// instances whose practice authorised it, with the system/ scopes that practice chose.
#pragma once

#include <string>
#include <vector>

#include "core/db/session.h"
#include "core/instances/instance.h"
#include "developer/requests/request_store.h"

namespace flint::developer {

// A client disabled on an instance: its tokens are revoked once the change commits.
struct RemovedClient {
  instances::Instance instance;
  std::string clientId;
};

// The scope ceiling of a patient-directed app: the patient's own data, SMART v1 and v2.
inline constexpr const char* kPatientAppScope =
    "openid fhirUser launch launch/patient offline_access online_access patient/*.rs patient/*.read";

// What a population app may read in its developer's sandbox (synthetic data): everything.
inline constexpr const char* kSandboxBackendScope = "system/*.rs system/*.read";

class AppClients {
 public:
  // Runs in the session's ambient transaction (db::Transaction), which the caller commits.
  explicit AppClients(db::Session& session) : session_(session) {}

  void registerOnPortals(const RequestRow& app);
  // DeveloperError 422 for a scope that is not a backend service's (system/ scopes only).
  void authorizeOn(const RequestRow& app, const instances::Instance& instance, const std::string& scope,
                   const std::string& actor);
  // The app's client on the instance disabled, and its placement there forgotten.
  std::vector<RemovedClient> deauthorizeOn(const RequestRow& app, const instances::Instance& instance);
  std::vector<RemovedClient> removeEverywhere(const RequestRow& app);
  // The instance's patient-directed app clients in line with it: present and enabled when it is an
  // enabled production instance with a portal, disabled otherwise.
  std::vector<RemovedClient> syncInstance(const instances::Instance& instance);

  // The app's client on its developer's sandbox, under the sandbox-only `clientId`: a patient-
  // directed app as on the portals, a population app with kSandboxBackendScope. No placement is
  // recorded: placements are production's.
  void registerOnSandbox(const RequestRow& app, const instances::Instance& sandbox, const std::string& clientId);

  struct Placement {
    std::string instance;
    std::string scope;
    std::string authorizedBy;
    int64_t authorizedAt = 0;
  };
  // Where the app has a client now, by instance name.
  std::vector<Placement> placements(long long requestId);

 private:
  void upsertClient(const RequestRow& app, const instances::Instance& instance, const std::string& clientId,
                    const std::string& kind, const std::string& scope);
  void place(const RequestRow& app, const instances::Instance& instance, const std::string& kind,
             const std::string& scope, const std::string& actor);
  pqxx::transaction_base& tx();

  db::Session& session_;
};

}  // namespace flint::developer
