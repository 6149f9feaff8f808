// POST {instance}/auth/revoke (RFC 7009): a client withdraws one of its own access tokens; from
// the next request on, on every server process, it no longer works.
#include "auth/clients/client_authentication.h"
#include "auth/endpoints/endpoints.h"
#include "auth/tokens/token_verifier.h"

namespace flint::auth {

AuthResponse revocationEndpoint(AuthContext& ctx, const AuthRequest& req) {
  if (req.method != "POST") return oauthError(405, "invalid_request", "the revocation endpoint takes POST");
  std::string error;
  auto form = formParameters(req, error);
  if (!form) return oauthError(400, "invalid_request", error);
  auto authenticated = authenticateClient(ctx, *form, req.authorization);
  if (!authenticated.client) return authenticated.failure;
  auto token = form->find("token");
  if (token == form->end()) return oauthError(400, "invalid_request", "token is required");
  // An unknown, expired or foreign token needs no revoking: 200 all the same (RFC 7009 §2.2).
  if (auto claims = ctx.tokens.claimsOf(ctx.session, ctx.instance, token->second)) {
    if (claims->clientId != authenticated.client->id)
      return oauthError(400, "unauthorized_client", "the token was not issued to this client");
    ctx.revocations.revoke(ctx.instance.id, RevocationKind::Token, claims->jti, claims->expiresAt);
  }
  return noStoreJson("");
}

}  // namespace flint::auth
