// POST {instance}/auth/introspect (RFC 7662, SMART token-introspection). The caller proves it may
// ask with a valid access token of this instance; an inactive token is exactly {"active":false}.
#include "auth/endpoints/endpoints.h"
#include "auth/storage/user_repository.h"
#include "auth/tokens/token_verifier.h"
#include "core/json/json_writer.h"

namespace flint::auth {

AuthResponse introspectionEndpoint(AuthContext& ctx, const AuthRequest& req) {
  if (req.method != "POST") return oauthError(405, "invalid_request", "the introspection endpoint takes POST");
  // Without a caller check the endpoint would let anyone probe tokens.
  auto caller = bearerToken(req.authorization);
  if (!caller || !ctx.tokens.verify(ctx.session, ctx.instance, *caller)) {
    AuthResponse r = oauthError(401, "invalid_token", "introspection needs a valid access token of this instance");
    r.headers.emplace_back("WWW-Authenticate", "Bearer error=\"invalid_token\"");
    return r;
  }
  std::string error;
  auto form = formParameters(req, error);
  if (!form) return oauthError(400, "invalid_request", error);
  auto token = form->find("token");
  if (token == form->end()) return oauthError(400, "invalid_request", "token is required");
  auto verified = ctx.tokens.verify(ctx.session, ctx.instance, token->second);
  if (!verified) return noStoreJson(R"({"active":false})");
  const AccessTokenClaims& c = verified->claims;
  json::Value body = json::Value::object();
  body.set("active", json::Value::boolean(true));
  body.set("scope", json::Value::string(c.scope));
  body.set("client_id", json::Value::string(c.clientId));
  body.set("token_type", json::Value::string("Bearer"));
  body.set("exp", json::Value::number(c.expiresAt));
  body.set("iat", json::Value::number(c.issuedAt));
  body.set("iss", json::Value::string(ctx.urls.authBase));
  body.set("aud", json::Value::string(ctx.urls.fhirBase));
  // With a user, iss and sub are the id_token's (SMART: SHALL); a backend service is its own subject.
  body.set("sub", json::Value::string(c.userId != 0 ? std::to_string(c.userId) : c.clientId));
  if (c.userId != 0)
    if (auto user = UserRepository(ctx.session, ctx.instance).byId(c.userId))
      body.set("fhirUser", json::Value::string(ctx.urls.fhirBase + "/" + user->fhirUser));
  if (!c.patient.empty()) body.set("patient", json::Value::string(c.patient));
  if (!c.encounter.empty()) body.set("encounter", json::Value::string(c.encounter));
  return noStoreJson(json::write(body));
}

}  // namespace flint::auth
