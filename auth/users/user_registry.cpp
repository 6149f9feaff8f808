#include "auth/users/user_registry.h"

#include <regex>

#include "core/crypto/password_hash.h"
#include "core/db/session.h"

namespace flint::auth {
namespace {

const std::regex kFhirId("^[A-Za-z0-9.-]{1,64}$");

}  // namespace

UserRecord createUser(UserRepository& repository, const NewUser& request) {
  static const std::regex username("^[a-z0-9._@-]{3,64}$");
  if (!std::regex_match(request.username, username))
    throw UserError("a username is 3 to 64 characters of a-z, 0-9 and . _ @ -");
  if (request.password.size() < 8 || request.password.size() > 256)
    throw UserError("a password must have 8 to 256 characters");
  UserRecord user;
  size_t slash = request.fhirUser.find('/');
  std::string type = request.fhirUser.substr(0, slash);
  std::string id = slash == std::string::npos ? "" : request.fhirUser.substr(slash + 1);
  if ((type != "Patient" && type != "Practitioner") || !std::regex_match(id, kFhirId))
    throw UserError("a user is linked to Patient/<id> or Practitioner/<id>");
  for (const auto& p : request.patients)
    if (!std::regex_match(p, kFhirId)) throw UserError("'" + p + "' is not a Patient id");
  user.username = request.username;
  user.kind = type == "Patient" ? "patient" : "staff";
  user.fhirUser = request.fhirUser;
  user.displayName = request.displayName;
  if (request.practiceAdmin && user.kind != "staff") throw UserError("only staff (Practitioner users) can be practice admins");
  user.practiceAdmin = request.practiceAdmin;
  user.passwordHash = crypto::hashPassword(request.password);
  db::Transaction tx(repository.session());
  if (repository.byUsername(user.username)) throw UserError("username '" + user.username + "' is taken");
  try {
    user.id = repository.insert(user);
  } catch (const pqxx::unique_violation&) {
    throw UserError("username '" + user.username + "' is taken");
  }
  for (const auto& p : request.patients) repository.addPatient(user.id, p);
  tx.commit();
  return user;
}

}  // namespace flint::auth
