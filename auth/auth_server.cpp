#include "auth/auth_server.h"

#include "auth/endpoints/endpoints.h"

namespace flint::auth {

AuthResponse AuthServer::handle(const instances::Instance& instance, db::Session& session, const AuthUrls& urls,
                                const AuthRequest& request) {
  AuthContext ctx{instance, session, urls, keys_, jwks_, tokens_};
  return routeAuthRequest(ctx, request);
}

AuthResponse AuthServer::smartConfiguration(const AuthUrls& urls) const { return auth::smartConfiguration(urls); }

std::shared_ptr<const VerifiedToken> AuthServer::verifyBearer(db::Session& session,
                                                              const instances::Instance& instance,
                                                              std::string_view authorization) {
  auto token = bearerToken(authorization);
  return token ? tokens_.verify(session, instance, *token) : nullptr;
}

}  // namespace flint::auth
