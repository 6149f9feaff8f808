#include "auth/tokens/user_tokens.h"

#include "auth/keys/key_store.h"
#include "auth/scopes/scope.h"
#include "auth/storage/user_repository.h"
#include "auth/tokens/access_token.h"
#include "core/clock.h"
#include "core/crypto/digest.h"
#include "core/crypto/encoding.h"
#include "core/crypto/jws.h"
#include "core/json/json_writer.h"

namespace flint::auth {
namespace {

bool hasScope(const std::string& scope, const std::string& token) {
  for (const auto& other : parseScopes(scope).other)
    if (other == token) return true;
  return false;
}

}  // namespace

AuthResponse userTokenResponse(AuthContext& ctx, const GrantRecord& grant, const std::string& scope,
                               const std::string& nonce, bool withIdToken) {
  const int64_t now =
      epochSeconds();
  auto keys = ctx.keys.keysFor(ctx.session, ctx.instance);
  GrantRepository grants(ctx.session, ctx.instance);
  grants.touchGrant(grant.id);

  AccessTokenClaims claims;
  claims.instanceId = ctx.instance.id;
  claims.grantId = grant.id;
  claims.clientId = grant.clientId;
  claims.scope = scope;
  claims.patient = grant.patientId;
  claims.encounter = grant.encounterId;
  claims.userId = grant.userId;
  claims.jti = crypto::randomToken(16);
  claims.issuedAt = now;
  claims.expiresAt = now + kUserAccessTokenSeconds;

  json::Value body = json::Value::object();
  body.set("access_token", json::Value::string(issueAccessToken(*keys, claims)));
  body.set("token_type", json::Value::string("Bearer"));
  body.set("expires_in", json::Value::number(kUserAccessTokenSeconds));
  body.set("scope", json::Value::string(scope));
  if (!grant.patientId.empty()) body.set("patient", json::Value::string(grant.patientId));
  if (!grant.encounterId.empty()) body.set("encounter", json::Value::string(grant.encounterId));
  if (grant.ehrLaunch) {
    // The EHR already shows the patient; the app may follow its look.
    body.set("need_patient_banner", json::Value::boolean(false));
    body.set("smart_style_url", json::Value::string(ctx.urls.authBase + "/smart-style.json"));
  }
  if (grant.refreshExpiresAt > 0) {
    std::string refresh = crypto::randomToken(32);
    // A new period on every use (ONC (g)(10): at least three months by default).
    grants.insertRefreshToken(crypto::hexEncode(crypto::sha256(refresh)), grant.id,
                              now + int64_t(ctx.instance.refreshTokenDays) * 24 * 3600);
    body.set("refresh_token", json::Value::string(refresh));
  }
  if (withIdToken && hasScope(scope, "openid") && grant.userId != 0) {
    auto user = UserRepository(ctx.session, ctx.instance).byId(grant.userId);
    json::Value id = json::Value::object();
    id.set("iss", json::Value::string(ctx.urls.authBase));
    id.set("sub", json::Value::string(std::to_string(grant.userId)));
    id.set("aud", json::Value::string(grant.clientId));
    id.set("iat", json::Value::number(now));
    id.set("exp", json::Value::number(now + kUserAccessTokenSeconds));
    if (!nonce.empty()) id.set("nonce", json::Value::string(nonce));
    if (user && hasScope(scope, "fhirUser"))
      id.set("fhirUser", json::Value::string(ctx.urls.fhirBase + "/" + user->fhirUser));
    body.set("id_token", json::Value::string(crypto::signJwt("RS256", keys->idTokenKey, keys->idTokenKid, id)));
  }
  return noStoreJson(json::write(body));
}

}  // namespace flint::auth
