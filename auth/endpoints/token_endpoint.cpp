// POST {instance}/auth/token. Backend services (SMART backend-services.md): client_credentials
// with a signed JWT assertion; access tokens live 300 s and come without a refresh token.
#include "auth/clients/client_assertion.h"
#include "auth/clients/client_authentication.h"
#include "auth/endpoints/endpoints.h"
#include "auth/tokens/backend_token.h"
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
  if (grant->second == "client_credentials") return clientCredentials(ctx, *form, req.authorization);
  return oauthError(400, "unsupported_grant_type", "grant_type '" + grant->second + "' is not supported");
}

}  // namespace flint::auth
