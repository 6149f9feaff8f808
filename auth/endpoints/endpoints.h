// The authorization server's endpoints under {instance}/auth/ and the discovery documents.
#pragma once

#include "auth/endpoints/auth_http.h"

namespace flint::auth {

// POST token: client_credentials with a signed JWT assertion (backend services).
AuthResponse tokenEndpoint(AuthContext& ctx, const AuthRequest& req);
// GET or POST authorize, POST login, POST consent: the user-facing code flow (HTML pages).
AuthResponse authorizeEndpoint(AuthContext& ctx, const AuthRequest& req);
AuthResponse loginEndpoint(AuthContext& ctx, const AuthRequest& req);
AuthResponse consentEndpoint(AuthContext& ctx, const AuthRequest& req);
// GET and POST manage: the signed-in user's authorised apps, and revoking them.
AuthResponse manageEndpoint(AuthContext& ctx, const AuthRequest& req);
// The sign-in form of a page outside an authorization request; `next` is where it leads.
AuthResponse signInPage(AuthContext& ctx, const std::string& next, const std::string& intro, const std::string& error);
AuthResponse manageLoginPage(AuthContext& ctx, const std::string& error);
AuthResponse practiceAppsEndpoint(AuthContext& ctx, const AuthRequest& req);
AuthResponse practiceAppsLoginPage(AuthContext& ctx, const std::string& error);
// POST launch: a staff session creates an EHR launch context; GET smart-style.json.
AuthResponse launchEndpoint(AuthContext& ctx, const AuthRequest& req);
AuthResponse smartStyle();
// GET .well-known/openid-configuration under the issuer ({instance}/auth).
AuthResponse openidConfiguration(const AuthUrls& urls);
// POST introspect (RFC 7662).
AuthResponse introspectionEndpoint(AuthContext& ctx, const AuthRequest& req);
// POST revoke (RFC 7009).
AuthResponse revocationEndpoint(AuthContext& ctx, const AuthRequest& req);
// GET jwks: the public keys that sign this instance's id_tokens.
AuthResponse jwksEndpoint(AuthContext& ctx);
// GET {fhir base}/.well-known/smart-configuration.
AuthResponse smartConfiguration(const AuthUrls& urls);

// Routes a request below {instance}/auth/.
AuthResponse routeAuthRequest(AuthContext& ctx, const AuthRequest& req);

}  // namespace flint::auth
