// The token response of an app acting for a user (authorization_code and refresh_token grants):
// an access token, a rotating refresh token when offline access was granted, an id_token when
// openid was, and the launch context.
#pragma once

#include <string>

#include "auth/endpoints/auth_http.h"
#include "auth/storage/grant_repository.h"

namespace flint::auth {

inline constexpr int64_t kUserAccessTokenSeconds = 3600;

// `scope` is what this token carries (the grant's, or a narrower one asked for on refresh).
AuthResponse userTokenResponse(AuthContext& ctx, const GrantRecord& grant, const std::string& scope,
                               const std::string& nonce, bool withIdToken);

}  // namespace flint::auth
