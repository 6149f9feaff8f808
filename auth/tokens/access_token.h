// Access tokens: JWTs MACed (HS256) with the instance's access-token key, so a check needs no
// database round trip. The claims name the instance, so a token never works on another one.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "auth/keys/key_store.h"

namespace flint::auth {

// No access token lives longer than this; revocations need only be remembered this long.
inline constexpr int64_t kMaxAccessTokenSeconds = 3600;

struct AccessTokenClaims {
  long long instanceId = 0;
  int64_t grantId = 0;
  std::string clientId;
  std::string scope;
  std::string patient;  // launch context, or empty
  std::string encounter;
  int64_t userId = 0;   // the user the app acts for; 0 for backend services
  std::string jti;
  int64_t issuedAt = 0;   // seconds since the epoch
  int64_t expiresAt = 0;
};

// The kid in a token's header, or empty; the token is not verified.
std::string keyIdOf(std::string_view token);

std::string issueAccessToken(const InstanceKeys& keys, const AccessTokenClaims& claims);

// The claims of a token this instance issued that has not expired at `now`; nullopt otherwise.
std::optional<AccessTokenClaims> verifyAccessToken(const InstanceKeys& keys, long long instanceId,
                                                   std::string_view token, int64_t now);

}  // namespace flint::auth
