// POST {instance}/auth/token: authorization_code (with PKCE) and refresh_token for apps, and
// client_credentials with a signed JWT assertion for backend services (300 s, no refresh token).
#include "auth/clients/client_assertion.h"
#include "auth/clients/client_authentication.h"
#include "auth/endpoints/endpoints.h"
#include "auth/scopes/scope.h"
#include "auth/storage/grant_repository.h"
#include "auth/tokens/backend_token.h"
#include "auth/tokens/revocation_list.h"
#include "auth/tokens/user_tokens.h"
#include "core/clock.h"
#include "core/crypto/digest.h"
#include "core/crypto/encoding.h"
#include "core/json/json_writer.h"

namespace flint::auth {
namespace {

AuthResponse clientCredentials(AuthContext& ctx, const std::map<std::string, std::string>& form,
                               const std::string& authorization) {
  // Backend services authenticate with an assertion only; anything else is not a backend service.
  if (!form.count("client_assertion_type") && authorization.empty())
    return oauthError(401, "invalid_client", std::string("client_credentials needs client_assertion_type ") +
                                                 kJwtBearerAssertion + " and a client_assertion");
  auto authenticated = authenticateClient(ctx, form, authorization);
  if (!authenticated.client) return authenticated.failure;
  const ClientRecord* client = &*authenticated.client;
  if (client->kind != "backend")
    return oauthError(400, "unauthorized_client", "client_credentials is for backend services only");

  auto scope = form.find("scope");
  if (scope == form.end() || scope->second.empty()) return oauthError(400, "invalid_scope", "scope is required");
  auto issued = issueBackendToken(ctx.session, ctx.instance, ctx.keys, *client, scope->second);
  if (!issued) return oauthError(400, "invalid_scope", "none of the requested scopes is pre-authorised for this client");
  json::Value body = json::Value::object();
  body.set("access_token", json::Value::string(issued->accessToken));
  body.set("token_type", json::Value::string("bearer"));
  body.set("expires_in", json::Value::number(kBackendTokenSeconds));
  body.set("scope", json::Value::string(issued->claims.scope));
  return noStoreJson(json::write(body));
}

std::string hashOf(const std::string& secret) { return crypto::hexEncode(crypto::sha256(secret)); }

AuthResponse invalidGrant(const std::string& description) { return oauthError(400, "invalid_grant", description); }

// A code or refresh token used twice means it leaked: everything issued under the grant goes.
void revokeGrant(AuthContext& ctx, int64_t grantId) {
  ctx.revocations.revoke(ctx.instance.id, RevocationKind::Grant, std::to_string(grantId),
                         epochSeconds() + kMaxAccessTokenSeconds);
  GrantRepository(ctx.session, ctx.instance).revokeGrant(grantId);
}

AuthResponse authorizationCode(AuthContext& ctx, const std::map<std::string, std::string>& form,
                               const ClientRecord& client) {
  auto field = [&](const char* name) {
    auto it = form.find(name);
    return it == form.end() ? std::string() : it->second;
  };
  if (client.kind == "backend") return oauthError(400, "unauthorized_client", "backend services use client_credentials");
  GrantRepository grants(ctx.session, ctx.instance);
  auto code = grants.takeCode(hashOf(field("code")));
  if (!code) return invalidGrant("the code is not valid");
  if (!code->firstUse) {
    revokeGrant(ctx, code->grantId);
    return invalidGrant("the code was already used; what it gave has been revoked");
  }
  auto grant = grants.grant(code->grantId);
  if (!grant || grant->revoked || code->expired) return invalidGrant("the code has expired");
  if (grant->clientId != client.id) return invalidGrant("the code was issued to another client");
  if (field("redirect_uri") != code->redirectUri) return invalidGrant("redirect_uri differs from the authorization request");
  const std::string verifier = field("code_verifier");
  if (verifier.size() < 43 || verifier.size() > 128 ||
      !crypto::constantTimeEquals(crypto::base64UrlEncode(crypto::sha256(verifier)), code->codeChallenge))
    return invalidGrant("code_verifier does not match the code_challenge");
  ctx.note.userId = grant->userId;
  ctx.note.patientId = grant->patientId;
  return userTokenResponse(ctx, *grant, grant->scope, code->nonce, true);
}

AuthResponse refreshToken(AuthContext& ctx, const std::map<std::string, std::string>& form, const ClientRecord& client) {
  auto token = form.find("refresh_token");
  if (token == form.end() || token->second.empty()) return oauthError(400, "invalid_request", "refresh_token is required");
  GrantRepository grants(ctx.session, ctx.instance);
  auto taken = grants.takeRefreshToken(hashOf(token->second));
  if (!taken) return invalidGrant("the refresh token is not valid");
  if (!taken->firstUse) {
    revokeGrant(ctx, taken->grantId);
    return invalidGrant("the refresh token was already used; the grant has been revoked");
  }
  auto grant = grants.grant(taken->grantId);
  if (!grant || grant->revoked || taken->expired) return invalidGrant("the refresh token has expired or was revoked");
  if (grant->clientId != client.id) return invalidGrant("the refresh token was issued to another client");
  std::string scope = grant->scope;
  if (auto asked = form.find("scope"); asked != form.end() && !asked->second.empty()) {
    // Narrowing is allowed, widening never: each asked scope must be one the grant holds.
    ScopeSet held = parseScopes(grant->scope), wanted = parseScopes(asked->second);
    std::string heldText = " " + held.format() + " ";
    for (const auto& s : wanted.resources)
      if (heldText.find(" " + s.text + " ") == std::string::npos)
        return oauthError(400, "invalid_scope", "scope " + s.text + " was not granted");
    for (const auto& o : wanted.other)
      if (heldText.find(" " + o + " ") == std::string::npos)
        return oauthError(400, "invalid_scope", "scope " + o + " was not granted");
    scope = wanted.format();
  }
  ctx.note.userId = grant->userId;
  ctx.note.patientId = grant->patientId;
  return userTokenResponse(ctx, *grant, scope, "", false);
}

}  // namespace

AuthResponse tokenEndpoint(AuthContext& ctx, const AuthRequest& req) {
  if (req.method != "POST") {
    AuthResponse r = oauthError(405, "invalid_request", "the token endpoint takes POST");
    r.headers.emplace_back("Allow", "POST");
    return r;
  }
  std::string error;
  auto form = formParameters(req, error);
  if (!form) return oauthError(400, "invalid_request", error);
  auto grant = form->find("grant_type");
  if (grant == form->end()) return oauthError(400, "invalid_request", "grant_type is required");
  ctx.note.action = grant->second.substr(0, 40);
  if (grant->second == "client_credentials") return clientCredentials(ctx, *form, req.authorization);
  if (grant->second == "authorization_code" || grant->second == "refresh_token") {
    auto authenticated = authenticateClient(ctx, *form, req.authorization);
    if (!authenticated.client) return authenticated.failure;
    return grant->second == "authorization_code" ? authorizationCode(ctx, *form, *authenticated.client)
                                                 : refreshToken(ctx, *form, *authenticated.client);
  }
  return oauthError(400, "unsupported_grant_type", "grant_type '" + grant->second + "' is not supported");
}

}  // namespace flint::auth
