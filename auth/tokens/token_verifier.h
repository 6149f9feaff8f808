// Turns a bearer token into the claims and FHIR access it carries. Once an instance's keys are
// loaded this costs no database round trip: an HMAC check, then a per-process cache of tokens
// already seen, so the scopes are not parsed again on every request.
#pragma once

#include <memory>
#include <mutex>
#include <shared_mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>

#include "auth/keys/key_store.h"
#include "auth/tokens/access_token.h"
#include "auth/tokens/revocation_list.h"
#include "fhir_resources/rest/access.h"

namespace flint::auth {

struct VerifiedToken {
  AccessTokenClaims claims;
  fhir::Access access = fhir::Access::none();
};

// The revocation list could not be read recently: no token can be trusted until it can.
class AuthorizationUnavailable : public std::runtime_error {
 public:
  AuthorizationUnavailable() : std::runtime_error("token revocations cannot be checked") {}
};

class TokenVerifier {
 public:
  TokenVerifier(KeyStore& keys, RevocationList& revocations) : keys_(keys), revocations_(revocations) {}
  // The token's claims and access if this instance issued it, it has not expired and it has not
  // been revoked. Throws AuthorizationUnavailable when revocations are not known to be current.
  std::shared_ptr<const VerifiedToken> verify(db::Session& session, const instances::Instance& instance,
                                              std::string_view token);
  // verify() for a thread that must not wait: without asking the database (keys loaded in the last
  // minute, or the token seen before). Null whenever that cannot say yes; verify() then decides.
  std::shared_ptr<const VerifiedToken> verifyRemembered(const instances::Instance& instance, std::string_view token);
  // The claims of a token this instance issued and that has not expired, revoked or not.
  std::optional<AccessTokenClaims> claimsOf(db::Session& session, const instances::Instance& instance,
                                            std::string_view token);

 private:
  // Looked up by the token's text without copying it.
  struct TextHash {
    using is_transparent = void;
    size_t operator()(std::string_view text) const { return std::hash<std::string_view>()(text); }
  };
  // The token seen before: its verdict (null: refused), or nullopt when it is new.
  std::optional<std::shared_ptr<const VerifiedToken>> remembered(const instances::Instance& instance,
                                                                 std::string_view token);
  std::shared_ptr<const VerifiedToken> remember(std::string_view token, AccessTokenClaims claims);

  KeyStore& keys_;
  RevocationList& revocations_;
  std::shared_mutex mutex_;
  std::unordered_map<std::string, std::shared_ptr<const VerifiedToken>, TextHash, std::equal_to<>> cache_;
};

}  // namespace flint::auth
