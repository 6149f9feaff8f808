#include "companion/staff/staff_session.h"

#include "auth/endpoints/user_login.h"
#include "core/clock.h"
#include "core/crypto/digest.h"
#include "core/crypto/encoding.h"

namespace flint::companion {
namespace {

std::string hashOf(const std::string& token) { return crypto::hexEncode(crypto::sha256("companion:" + token)); }

}  // namespace

StaffSignIn signInStaff(db::Session& session, const instances::Instance& instance, const std::string& username,
                        const std::string& password) {
  auto login = auth::checkPassword(session, instance, username, password);
  if (!login.user) return {std::nullopt, login.error, ""};
  if (login.user->kind != "staff") return {std::nullopt, "The companion is for the practice's staff.", ""};
  StaffSignIn result{login.user, "", crypto::randomToken(32)};
  auth::UserRepository(session, instance).insertSession(hashOf(result.token), login.user->id, epochSeconds() + kStaffSessionSeconds);
  return result;
}

std::optional<auth::UserRecord> staffOf(db::Session& session, const instances::Instance& instance, const std::string& token) {
  if (token.empty()) return std::nullopt;
  auth::UserRepository users(session, instance);
  const auto id = users.sessionUser(hashOf(token));
  auto user = id ? users.byId(*id) : std::nullopt;
  if (!user || user->kind != "staff") return std::nullopt;
  return user;
}

void signOutStaff(db::Session& session, const instances::Instance& instance, const std::string& token) {
  if (!token.empty()) auth::UserRepository(session, instance).deleteSession(hashOf(token));
}

std::string staffFormToken(const std::string& sessionToken) {
  return crypto::base64UrlEncode(crypto::sha256("companion-form:" + sessionToken));
}

}  // namespace flint::companion
