// Who uses the provider companion: the instance's staff users (Practitioner accounts), signed in
// with the authorization server's password check, throttling and lockout; patients are refused.
// A session is a random token (stored hashed) the server keeps in a cookie below the companion.
#pragma once

#include <optional>
#include <string>

#include "auth/storage/user_repository.h"
#include "core/db/session.h"
#include "core/instances/instance.h"

namespace flint::companion {

inline constexpr int kStaffSessionSeconds = 12 * 3600;

struct StaffSignIn {
  std::optional<auth::UserRecord> user;
  std::string error;  // what to tell the person when `user` is empty
  std::string token;  // the new session's
};

StaffSignIn signInStaff(db::Session& session, const instances::Instance& instance, const std::string& username,
                        const std::string& password);
// The staff user of a live session token; nullopt for anything else (a patient's, expired, disabled).
std::optional<auth::UserRecord> staffOf(db::Session& session, const instances::Instance& instance, const std::string& token);
void signOutStaff(db::Session& session, const instances::Instance& instance, const std::string& token);
// A token for the session's forms (derived from it, so another site cannot know it).
std::string staffFormToken(const std::string& sessionToken);

}  // namespace flint::companion
