// Client authentication with a signed JWT (RFC 7523, SMART confidential-asymmetric and backend
// services): signature by a registered key, iss = sub = client, aud = the token endpoint, a
// short lifetime and a jti never seen before.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "auth/clients/jwks_cache.h"
#include "auth/storage/auth_repository.h"

namespace flint::auth {

inline constexpr const char* kJwtBearerAssertion = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
// RS384 and ES384 as SMART asks; the token endpoint advertises exactly these.
inline constexpr const char* kAssertionAlgorithms[] = {"RS384", "ES384"};

// The authenticated client, or nullopt with `error` saying why (for error_description).
std::optional<ClientRecord> authenticateAssertion(AuthRepository& repository, JwksCache& jwks,
                                                  const std::string& assertion, const std::string& tokenUrl,
                                                  int64_t now, std::string& error);

}  // namespace flint::auth
