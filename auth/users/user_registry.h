// Creating the people who sign in to an instance's authorization server: patients (linked to
// their Patient record, and to others they may act for) and staff (linked to a Practitioner).
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include "auth/storage/user_repository.h"

namespace flint::auth {

struct NewUser {
  std::string username;
  std::string password;
  std::string fhirUser;  // Patient/<id> or Practitioner/<id>
  std::string displayName;
  std::vector<std::string> patients;  // further patients the user may act for
  bool practiceAdmin = false;          // staff only
};

class UserError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Throws UserError for a bad name, a weak password, a bad fhirUser or a name already taken.
UserRecord createUser(UserRepository& repository, const NewUser& request);

}  // namespace flint::auth
