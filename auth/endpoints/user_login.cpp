#include "auth/endpoints/user_login.h"

#include <algorithm>

#include "core/clock.h"
#include "core/crypto/digest.h"
#include "core/crypto/encoding.h"
#include "core/crypto/password_hash.h"

namespace flint::auth {
namespace {

constexpr const char* kSessionCookie = "flint_session";
constexpr int kSessionSeconds = 8 * 3600;
constexpr int kFreeLoginAttempts = 5;

std::string hashOf(const std::string& secret) { return crypto::hexEncode(crypto::sha256(secret)); }

}  // namespace

LoginResult checkLogin(AuthContext& ctx, const std::string& username, const std::string& password) {
  LoginResult result = checkPassword(ctx.session, ctx.instance, username, password);
  ctx.note.userId = result.userId;
  return result;
}

LoginResult checkPassword(db::Session& session, const instances::Instance& instance, const std::string& username,
                          const std::string& password) {
  UserRepository users(session, instance);
  auto user = users.byUsername(username);
  const int64_t now = epochSeconds();
  if (user && user->lockedUntil > now)
    return {std::nullopt,
            "Too many failed attempts. Try again in " + std::to_string((user->lockedUntil - now + 59) / 60) + " minute(s).",
            user->id};
  // Unknown users cost the same hash as known ones, so timing does not tell which names exist.
  static const std::string kDummy = crypto::hashPassword("not a real password");
  bool ok = crypto::verifyPassword(password, user ? user->passwordHash : kDummy) && user && !user->disabled;
  if (!ok) {
    if (user) {
      int failures = user->failedLogins + 1;
      // After the free attempts: locked 1, 2, 4, 8, then 15 minutes.
      int64_t lock = failures >= kFreeLoginAttempts
                         ? now + std::min<int64_t>(900, int64_t(60) << std::min(failures - kFreeLoginAttempts, 4))
                         : 0;
      users.recordFailedLogin(user->id, lock);
    }
    return {std::nullopt, "The username or password is not right.", user ? user->id : 0};
  }
  if (user->kind == "patient" && !instance.patientPortal)
    return {std::nullopt, "Patient sign-in is not offered by this practice.", user->id};
  users.clearFailedLogins(user->id);
  return {user, "", user->id};
}

std::string startSession(AuthContext& ctx, const UserRecord& user) {
  std::string session = crypto::randomToken(32);
  UserRepository(ctx.session, ctx.instance).insertSession(hashOf(session), user.id, epochSeconds() + kSessionSeconds);
  return setCookie(ctx.urls, kSessionCookie, session, kSessionSeconds);
}

std::optional<UserRecord> sessionUser(AuthContext& ctx, const std::string& cookieHeader) {
  std::string token = cookieValue(cookieHeader, kSessionCookie);
  if (token.empty()) return std::nullopt;
  UserRepository users(ctx.session, ctx.instance);
  auto id = users.sessionUser(hashOf(token));
  auto user = id ? users.byId(*id) : std::nullopt;
  if (user && user->kind == "patient" && !ctx.instance.patientPortal) return std::nullopt;
  return user;
}

std::string sessionFormToken(const std::string& cookieHeader) {
  std::string token = cookieValue(cookieHeader, kSessionCookie);
  return token.empty() ? "" : crypto::base64UrlEncode(crypto::sha256("form:" + token));
}

}  // namespace flint::auth
