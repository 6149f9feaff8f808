#include "auth/endpoints/authorization_request.h"

#include <algorithm>
#include <regex>

#include "auth/pages/html_page.h"
#include "auth/scopes/scope.h"
#include "auth/storage/grant_repository.h"
#include "core/crypto/digest.h"
#include "core/crypto/encoding.h"
#include "core/json/json_parser.h"
#include "core/json/json_writer.h"
#include "fhir_resources/rest/url_encoding.h"
#include "core/url/query_string.h"

namespace flint::auth {
namespace {

std::string withoutTrailingSlash(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

}  // namespace

std::string AuthorizationRequest::toJson() const {
  json::Value v = json::Value::object();
  v.set("client_id", json::Value::string(clientId));
  v.set("redirect_uri", json::Value::string(redirectUri));
  v.set("state", json::Value::string(state));
  v.set("scope", json::Value::string(scope));
  v.set("code_challenge", json::Value::string(codeChallenge));
  v.set("nonce", json::Value::string(nonce));
  v.set("launch", json::Value::string(launchSha256));
  return json::write(v);
}

AuthorizationRequest AuthorizationRequest::fromJson(const std::string& text) {
  json::Value v = json::parse(text);
  AuthorizationRequest r;
  r.clientId = v.stringAt("client_id").value_or("");
  r.redirectUri = v.stringAt("redirect_uri").value_or("");
  r.state = v.stringAt("state").value_or("");
  r.scope = v.stringAt("scope").value_or("");
  r.codeChallenge = v.stringAt("code_challenge").value_or("");
  r.nonce = v.stringAt("nonce").value_or("");
  r.launchSha256 = v.stringAt("launch").value_or("");
  return r;
}

AuthResponse redirectTo(const std::string& redirectUri, const std::vector<std::pair<std::string, std::string>>& params) {
  std::string location = redirectUri;
  char separator = location.find('?') == std::string::npos ? '?' : '&';
  for (const auto& [name, value] : params) {
    if (value.empty()) continue;
    location += separator + name + "=" + fhir::percentEncode(value);
    separator = '&';
  }
  AuthResponse r;
  r.status = 302;
  r.contentType.clear();
  r.headers = {{"Location", location}, {"Cache-Control", "no-store"}, {"Referrer-Policy", "no-referrer"}};
  return r;
}

std::optional<AuthorizationRequest> checkAuthorizationRequest(AuthContext& ctx,
                                                              const std::map<std::string, std::string>& params,
                                                              AuthResponse& failure, ClientRecord& client) {
  auto param = [&](const char* name) {
    auto it = params.find(name);
    return it == params.end() ? std::string() : it->second;
  };
  AuthRepository repo(ctx.session, ctx.instance);
  auto found = repo.client(param("client_id"));
  if (!found || found->disabled || found->kind == "backend") {
    failure = errorPage(400, "The app that sent you here is not registered with this practice.");
    return std::nullopt;
  }
  client = *found;
  AuthorizationRequest r;
  r.clientId = client.id;
  r.redirectUri = param("redirect_uri");
  if (std::find(client.redirectUris.begin(), client.redirectUris.end(), r.redirectUri) == client.redirectUris.end()) {
    failure = errorPage(400, "The app asked to return to an address it has not registered, so it cannot continue.");
    return std::nullopt;
  }
  r.state = param("state");
  auto refuse = [&](const std::string& error, const std::string& description) {
    failure = redirectTo(r.redirectUri, {{"error", error}, {"error_description", description}, {"state", r.state}});
    return std::nullopt;
  };
  if (param("response_type") != "code") return refuse("unsupported_response_type", "response_type must be code");
  if (r.state.empty()) return refuse("invalid_request", "state is required");
  // SMART: never issue a code for another server than this instance's FHIR base.
  std::string aud = param("aud").empty() ? param("resource") : param("aud");
  if (withoutTrailingSlash(aud) != ctx.urls.fhirBase)
    return refuse("invalid_request", "aud must be this server's FHIR base URL " + ctx.urls.fhirBase);
  if (param("code_challenge_method") != "S256")
    return refuse("invalid_request", "PKCE is required with code_challenge_method S256");
  static const std::regex challenge("^[A-Za-z0-9._~-]{43,128}$");
  r.codeChallenge = param("code_challenge");
  if (!std::regex_match(r.codeChallenge, challenge)) return refuse("invalid_request", "code_challenge is malformed");
  if (const std::string launch = param("launch"); !launch.empty()) {
    r.launchSha256 = crypto::hexEncode(crypto::sha256(launch));
    auto context = GrantRepository(ctx.session, ctx.instance).launch(r.launchSha256, false);
    if (!context || context->clientId != client.id)
      return refuse("invalid_request", "launch is unknown, expired, already used or for another app");
  }
  r.nonce = param("nonce");
  if (r.nonce.size() > 512) return refuse("invalid_request", "nonce is too long");
  ScopeSet scopes = intersect(parseScopes(param("scope")), parseScopes(client.scope));
  if (scopes.empty()) return refuse("invalid_scope", "none of the requested scopes may be granted to this app");
  r.scope = scopes.format();
  return r;
}

}  // namespace flint::auth
