// Issuing a backend service's access token: the requested scope narrowed to the client's
// pre-authorised ceiling, recorded as a grant, 300 s of life and no refresh token. Shared by the
// token endpoint and `flint client token` (operators and benchmarks).
#pragma once

#include <optional>
#include <string>

#include "auth/keys/key_store.h"
#include "auth/storage/auth_repository.h"
#include "auth/tokens/access_token.h"

namespace flint::auth {

inline constexpr int64_t kBackendTokenSeconds = 300;

struct IssuedToken {
  std::string accessToken;
  AccessTokenClaims claims;
};

// nullopt when nothing requested is within the ceiling.
std::optional<IssuedToken> issueBackendToken(db::Session& session, const instances::Instance& instance,
                                             KeyStore& keys, const ClientRecord& client,
                                             const std::string& requestedScope);

}  // namespace flint::auth
