#include "auth/auth_server.h"

#include "auth/endpoints/endpoints.h"
#include "core/clock.h"

namespace flint::auth {

AuthResponse AuthServer::handle(const instances::Instance& instance, db::Session& session, const AuthUrls& urls,
                                const AuthRequest& request) {
  AuthContext ctx{instance, session, urls, keys_, jwks_, tokens_, revocations_, {}, practiceApps_};
  AuthResponse response;
  try {
    response = routeAuthRequest(ctx, request);
  } catch (const AuthorizationUnavailable&) {
    response = oauthError(503, "temporarily_unavailable", "token revocations cannot be checked; retry later");
    response.headers.emplace_back("Retry-After", "1");
  }
  // Every authorization decision is audited: what was asked, the outcome, whom it concerned.
  auto event = audit::eventOf(instance);
  event.kind = "auth";
  event.action = request.method + " " + (request.segments.empty() ? std::string() : request.segments.back());
  if (!ctx.note.action.empty()) event.action += " " + ctx.note.action;
  event.outcome = response.status;
  event.clientId = ctx.note.clientId;
  event.userId = ctx.note.userId;
  event.patientId = ctx.note.patientId;
  if (response.status >= 400 && response.contentType == "application/json") {
    auto error = oauthErrorCode(response.body);
    if (!error.empty()) event.detail = error;
  }
  audit_.record(std::move(event));
  return response;
}

AuthResponse AuthServer::smartConfiguration(const AuthUrls& urls) const { return auth::smartConfiguration(urls); }

std::shared_ptr<const VerifiedToken> AuthServer::verifyBearer(db::Session& session,
                                                              const instances::Instance& instance,
                                                              std::string_view authorization) {
  auto token = bearerToken(authorization);
  return token ? tokens_.verify(session, instance, *token) : nullptr;
}

std::shared_ptr<const VerifiedToken> AuthServer::verifyBearerRemembered(const instances::Instance& instance,
                                                                        std::string_view authorization) {
  auto token = bearerToken(authorization);
  return token ? tokens_.verifyRemembered(instance, *token) : nullptr;
}

void AuthServer::revokeClient(const instances::Instance& instance, const std::string& clientId) {
  revocations_.revoke(instance.id, RevocationKind::Client, clientId, epochSeconds() + kMaxAccessTokenSeconds);
}

}  // namespace flint::auth
