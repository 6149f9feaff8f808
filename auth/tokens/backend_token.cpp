#include "auth/tokens/backend_token.h"

#include <chrono>

#include "auth/scopes/scope.h"
#include "auth/storage/grant_repository.h"
#include "core/crypto/digest.h"

namespace flint::auth {

std::optional<IssuedToken> issueBackendToken(db::Session& session, const instances::Instance& instance,
                                             KeyStore& keys, const ClientRecord& client,
                                             const std::string& requestedScope) {
  ScopeSet granted = intersect(parseScopes(requestedScope), parseScopes(client.scope));
  if (granted.resources.empty()) return std::nullopt;
  const int64_t now =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  IssuedToken out;
  AccessTokenClaims& claims = out.claims;
  claims.instanceId = instance.id;
  claims.clientId = client.id;
  claims.scope = granted.format();
  GrantRecord grant;
  grant.clientId = client.id;
  grant.scope = claims.scope;
  claims.grantId = GrantRepository(session, instance).insertGrant(grant);
  claims.jti = crypto::randomToken(16);
  claims.issuedAt = now;
  claims.expiresAt = now + kBackendTokenSeconds;
  out.accessToken = issueAccessToken(*keys.keysFor(session, instance), claims);
  return out;
}

}  // namespace flint::auth
