// Turns a bearer token into the claims and FHIR access it carries. Once an instance's keys are
// loaded this costs no database round trip: an HMAC check, then a per-process cache of tokens
// already seen, so the scopes are not parsed again on every request.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "auth/keys/key_store.h"
#include "auth/tokens/access_token.h"
#include "fhir_resources/rest/access.h"

namespace flint::auth {

struct VerifiedToken {
  AccessTokenClaims claims;
  fhir::Access access = fhir::Access::none();
};

class TokenVerifier {
 public:
  explicit TokenVerifier(KeyStore& keys) : keys_(keys) {}
  // The token's claims and access if this instance issued it and it is still valid.
  std::shared_ptr<const VerifiedToken> verify(db::Session& session, const instances::Instance& instance,
                                              std::string_view token);

 private:
  KeyStore& keys_;
  std::mutex mutex_;
  std::unordered_map<std::string, std::shared_ptr<const VerifiedToken>> cache_;
};

}  // namespace flint::auth
