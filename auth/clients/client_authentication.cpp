#include "auth/clients/client_authentication.h"

#include <strings.h>

#include "auth/clients/client_assertion.h"
#include "auth/clients/client_registry.h"
#include "core/clock.h"
#include "core/crypto/encoding.h"
#include "core/url/query_string.h"

namespace flint::auth {
namespace {

ClientAuthentication refused(const std::string& description, bool basic = false) {
  ClientAuthentication out;
  // invalid_client is 401 (RFC 6749 §5.2), with a challenge when the client tried HTTP Basic.
  out.failure = oauthError(401, "invalid_client", description);
  if (basic) out.failure.headers.emplace_back("WWW-Authenticate", "Basic realm=\"flint\"");
  return out;
}

ClientAuthentication accepted(AuthContext& ctx, ClientRecord client) {
  ctx.note.clientId = client.id;
  ClientAuthentication out;
  out.client = std::move(client);
  return out;
}

// RFC 6749 §2.3.1: id and secret are form-encoded before they are joined with ':'.
std::optional<std::pair<std::string, std::string>> basicCredentials(const std::string& authorization) {
  constexpr std::string_view kScheme = "Basic ";
  if (authorization.size() <= kScheme.size() || strncasecmp(authorization.c_str(), kScheme.data(), kScheme.size()) != 0)
    return std::nullopt;
  auto decoded = crypto::base64Decode(std::string_view(authorization).substr(kScheme.size()));
  if (!decoded) return std::nullopt;
  size_t colon = decoded->find(':');
  if (colon == std::string::npos) return std::nullopt;
  auto pairs = url::parseQuery("i=" + decoded->substr(0, colon) + "&s=" + decoded->substr(colon + 1));
  if (!pairs || pairs->size() != 2) return std::nullopt;
  return std::pair{(*pairs)[0].second, (*pairs)[1].second};
}

}  // namespace

ClientAuthentication authenticateClient(AuthContext& ctx, const std::map<std::string, std::string>& form,
                                        const std::string& authorization) {
  AuthRepository repo(ctx.session, ctx.instance);
  auto field = [&](const char* name) -> const std::string* {
    auto it = form.find(name);
    return it == form.end() ? nullptr : &it->second;
  };
  const std::string* formId = field("client_id");

  if (!authorization.empty()) {
    auto credentials = basicCredentials(authorization);
    if (!credentials) return refused("the Authorization header is not valid HTTP Basic client credentials", true);
    auto client = repo.client(credentials->first);
    if (!client || client->disabled || client->kind != "confidential-symmetric" ||
        !secretMatches(*client, credentials->second) || (formId != nullptr && *formId != client->id))
      return refused("client authentication failed", true);
    return accepted(ctx, std::move(*client));
  }
  if (const std::string* type = field("client_assertion_type")) {
    if (*type != kJwtBearerAssertion) return refused(std::string("client_assertion_type must be ") + kJwtBearerAssertion);
    const std::string* assertion = field("client_assertion");
    if (assertion == nullptr || assertion->empty()) return refused("client_assertion is missing");
    const int64_t now =
        epochSeconds();
    std::string error;
    auto client = authenticateAssertion(repo, ctx.jwks, *assertion, ctx.urls.authBase + "/token", now, error);
    if (!client || (formId != nullptr && *formId != client->id)) return refused(client ? "client_id does not match" : error);
    return accepted(ctx, std::move(*client));
  }
  if (formId == nullptr) return refused("client authentication is required");
  auto client = repo.client(*formId);
  if (!client || client->disabled) return refused("unknown or disabled client");
  if (const std::string* secret = field("client_secret")) {
    if (client->kind != "confidential-symmetric" || !secretMatches(*client, *secret))
      return refused("client authentication failed");
    return accepted(ctx, std::move(*client));
  }
  if (client->kind != "public") return refused("this client must authenticate");
  return accepted(ctx, std::move(*client));
}

}  // namespace flint::auth
