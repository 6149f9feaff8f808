// A SMART authorization request (GET or POST to {instance}/auth/authorize) once checked: what is
// kept, between the redirect and the consent answer, as the pending request.
#pragma once

#include <optional>
#include <string>

#include "auth/endpoints/auth_http.h"
#include "auth/storage/auth_repository.h"

namespace flint::auth {

struct AuthorizationRequest {
  std::string clientId;
  std::string redirectUri;
  std::string state;
  std::string scope;  // requested, narrowed to the client's ceiling
  std::string codeChallenge;
  std::string nonce;
  std::string launchSha256;  // EHR launch: the launch context's id, hashed; empty for standalone

  std::string toJson() const;
  static AuthorizationRequest fromJson(const std::string& text);
};

// The redirect back to the app carrying `params` (code and state, or error and state).
AuthResponse redirectTo(const std::string& redirectUri,
                        const std::vector<std::pair<std::string, std::string>>& params);

// Checks the request. On failure returns the response to give instead: an error page while the
// client or redirect URI is in doubt (never redirecting there), else a redirect with `error`.
std::optional<AuthorizationRequest> checkAuthorizationRequest(AuthContext& ctx,
                                                              const std::map<std::string, std::string>& params,
                                                              AuthResponse& failure, ClientRecord& client);

}  // namespace flint::auth
