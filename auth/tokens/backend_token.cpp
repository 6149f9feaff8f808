#include "auth/tokens/backend_token.h"

#include "auth/scopes/scope.h"
#include "auth/storage/grant_repository.h"
#include "core/clock.h"
#include "core/crypto/digest.h"

namespace flint::auth {

std::optional<IssuedToken> issueBackendToken(db::Session& session, const instances::Instance& instance,
                                             KeyStore& keys, const ClientRecord& client,
                                             const std::string& requestedScope) {
  ScopeSet granted = intersect(parseScopes(requestedScope), parseScopes(client.scope));
  if (granted.resources.empty()) return std::nullopt;
  const int64_t now =
      epochSeconds();
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
