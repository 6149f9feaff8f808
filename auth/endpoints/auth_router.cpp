#include "auth/endpoints/endpoints.h"

namespace flint::auth {

AuthResponse routeAuthRequest(AuthContext& ctx, const AuthRequest& req) {
  if (req.segments.size() == 1) {
    const std::string& endpoint = req.segments[0];
    if (endpoint == "token") return tokenEndpoint(ctx, req);
    if (endpoint == "introspect") return introspectionEndpoint(ctx, req);
    if (endpoint == "revoke") return revocationEndpoint(ctx, req);
    if (endpoint == "authorize") return authorizeEndpoint(ctx, req);
    if (endpoint == "login") return loginEndpoint(ctx, req);
    if (endpoint == "consent") return consentEndpoint(ctx, req);
    if (endpoint == "manage") return manageEndpoint(ctx, req);
    if (endpoint == "practice-apps") return practiceAppsEndpoint(ctx, req);
    if (endpoint == "launch") return launchEndpoint(ctx, req);
    if (endpoint == "smart-style.json" && req.method == "GET") return smartStyle();
    if (endpoint == "jwks" && req.method == "GET") return jwksEndpoint(ctx);
  }
  if (req.segments.size() == 2 && req.segments[0] == ".well-known" && req.segments[1] == "openid-configuration" &&
      req.method == "GET")
    return openidConfiguration(ctx.urls);
  return oauthError(404, "invalid_request", "no authorization endpoint at this path");
}

}  // namespace flint::auth
