#include "auth/users/seeded_logins.h"

#include "auth/users/user_registry.h"
#include "core/crypto/password_hash.h"
#include "fhir_resources/storage/resource_repository.h"

namespace flint::auth {
namespace {

constexpr std::pair<const char*, const char*> kLogins[] = {{"patient", "Patient"}, {"clinician", "Practitioner"}};

}  // namespace

std::vector<SeededLogin> createSeededLogins(db::Session& session, const instances::Instance& instance,
                                            const std::string& patientId, const std::string& prefix,
                                            const std::function<std::string(const std::string&)>& passwordOf) {
  fhir::ResourceRepository resources(session, instance);
  UserRepository users(session, instance);
  std::vector<SeededLogin> created;
  for (const auto& [role, type] : kLogins) {
    const std::string username = prefix + role;
    if (users.byUsername(username)) continue;
    std::string id = std::string(type) == "Patient" ? patientId : "";
    if (id.empty()) {
      fhir::ResourceQuery first;
      first.types = {type};
      first.limit = 1;
      auto rows = resources.list(first);
      if (rows.empty()) continue;
      id = rows[0].id;
    }
    const std::string display = std::string(type) == "Patient" ? "Test Patient" : "Test Clinician";
    NewUser user{username, passwordOf(username), std::string(type) + "/" + id, display, {}};
    createUser(users, user);
    created.push_back({username, user.password, user.fhirUser});
  }
  return created;
}

std::vector<SeededLogin> resetSeededLogins(db::Session& session, const instances::Instance& instance,
                                           const std::string& prefix,
                                           const std::function<std::string(const std::string&)>& passwordOf) {
  UserRepository users(session, instance);
  std::vector<SeededLogin> reset;
  for (const auto& [role, type] : kLogins) {
    const auto user = users.byUsername(prefix + role);
    if (!user) continue;
    const std::string password = passwordOf(user->username);
    users.setPasswordHash(user->id, crypto::hashPassword(password));
    reset.push_back({user->username, password, user->fhirUser});
  }
  return reset;
}

}  // namespace flint::auth
