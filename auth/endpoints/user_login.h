// Signing a user in to an instance's authorization server: password check with throttling
// (locked for a while after repeated failures), the patient-portal rule, and browser sessions.
#pragma once

#include <optional>
#include <string>

#include "auth/endpoints/auth_http.h"
#include "auth/storage/user_repository.h"

namespace flint::auth {

struct LoginResult {
  std::optional<UserRecord> user;
  std::string error;   // what to tell the user when `user` is empty
  int64_t userId = 0;  // whose account was tried, for the audit; 0 for an unknown name
};

LoginResult checkLogin(AuthContext& ctx, const std::string& username, const std::string& password);
// The same check for sign-ins outside the authorization server (the provider companion): the same
// accounts, throttling and lockout.
LoginResult checkPassword(db::Session& session, const instances::Instance& instance, const std::string& username,
                          const std::string& password);
// Starts a browser session for the user; returns the Set-Cookie header value.
std::string startSession(AuthContext& ctx, const UserRecord& user);
// The signed-in user of this browser, if its session is valid.
std::optional<UserRecord> sessionUser(AuthContext& ctx, const std::string& cookieHeader);
// A token for forms of this browser's session: derived from the session secret, so another site
// cannot know it.
std::string sessionFormToken(const std::string& cookieHeader);

}  // namespace flint::auth
