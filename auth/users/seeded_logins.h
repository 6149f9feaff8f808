// Sign-ins for an instance of synthetic data: a patient (the seeded patient with the fullest
// record) and a clinician (the first Practitioner by id), for the demo instance and sandboxes.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "core/db/session.h"
#include "core/instances/instance.h"

namespace flint::auth {

struct SeededLogin {
  std::string username;
  std::string password;
  std::string fhirUser;
};

// `<prefix>patient` and `<prefix>clinician`, each with `passwordOf(username)`; logins already
// there are left be and not returned. Runs in the session's ambient transaction when there is one.
std::vector<SeededLogin> createSeededLogins(db::Session& session, const instances::Instance& instance,
                                            const std::string& patientId, const std::string& prefix,
                                            const std::function<std::string(const std::string&)>& passwordOf);
// New passwords for the logins createSeededLogins made (one that is gone is skipped).
std::vector<SeededLogin> resetSeededLogins(db::Session& session, const instances::Instance& instance,
                                           const std::string& prefix,
                                           const std::function<std::string(const std::string&)>& passwordOf);

}  // namespace flint::auth
