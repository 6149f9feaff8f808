#include "auth/auth_server.h"

#include <chrono>

#include "auth/endpoints/endpoints.h"

namespace flint::auth {

AuthResponse AuthServer::handle(const instances::Instance& instance, db::Session& session, const AuthUrls& urls,
                                const AuthRequest& request) {
  AuthContext ctx{instance, session, urls, keys_, jwks_, tokens_, revocations_};
  try {
    return routeAuthRequest(ctx, request);
  } catch (const AuthorizationUnavailable&) {
    AuthResponse r = oauthError(503, "temporarily_unavailable", "token revocations cannot be checked; retry later");
    r.headers.emplace_back("Retry-After", "1");
    return r;
  }
}

AuthResponse AuthServer::smartConfiguration(const AuthUrls& urls) const { return auth::smartConfiguration(urls); }

std::shared_ptr<const VerifiedToken> AuthServer::verifyBearer(db::Session& session,
                                                              const instances::Instance& instance,
                                                              std::string_view authorization) {
  auto token = bearerToken(authorization);
  return token ? tokens_.verify(session, instance, *token) : nullptr;
}

void AuthServer::revokeClient(db::Session& session, const instances::Instance& instance, const std::string& clientId) {
  revocations_.revoke(session.connection(), instance.id, RevocationKind::Client, clientId,
                      std::chrono::duration_cast<std::chrono::seconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                              .count() +
                          kMaxAccessTokenSeconds);
}

}  // namespace flint::auth
