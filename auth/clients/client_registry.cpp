#include "auth/clients/client_registry.h"

#include <set>
#include <sstream>

#include "auth/scopes/scope.h"
#include "core/crypto/digest.h"
#include "core/crypto/encoding.h"
#include "core/crypto/keys.h"
#include "core/json/json_parser.h"

namespace flint::auth {
namespace {

bool isLoopbackHost(const std::string& url, const std::string& scheme) {
  std::string rest = url.substr(scheme.size() + 3);
  std::string host = rest.substr(0, rest.find_first_of(":/?#"));
  return host == "localhost" || host == "127.0.0.1" || host == "[::1]";
}

// https anywhere; http only on the loopback interface (RFC 8252 §7.3); for native apps a
// private-use scheme in reverse-domain form (RFC 8252 §7.1). Never a fragment.
void checkRedirectUri(const std::string& uri) {
  if (uri.empty() || uri.size() > 2000 || uri.find('#') != std::string::npos ||
      uri.find_first_of(" \t\r\n") != std::string::npos)
    throw ClientError("redirect URI '" + uri + "' is not an absolute URI without a fragment");
  size_t colon = uri.find(':');
  if (colon == std::string::npos) throw ClientError("redirect URI '" + uri + "' has no scheme");
  std::string scheme = uri.substr(0, colon);
  if (scheme == "https" && uri.compare(colon, 3, "://") == 0 && uri.size() > colon + 3) return;
  if (scheme == "http" && uri.compare(colon, 3, "://") == 0 && isLoopbackHost(uri, scheme)) return;
  if (scheme.find('.') != std::string::npos && scheme != "http" && scheme != "https") return;
  throw ClientError("redirect URI '" + uri +
                    "' must use https, http on localhost, or a reverse-domain private scheme (com.example.app:/cb)");
}

void checkJwksUrl(const std::string& url) {
  bool https = url.rfind("https://", 0) == 0 && url.size() > 8;
  bool loopback = url.rfind("http://", 0) == 0 && isLoopbackHost(url, "http");
  if (!https && !loopback) throw ClientError("the JWKS URL must be https (or http on localhost)");
}

}  // namespace

void checkJwks(const std::string& jwks) {
  json::Value doc;
  try {
    doc = json::parse(jwks);
  } catch (const json::ParseError& e) {
    throw ClientError(std::string("the JWKS is not JSON: ") + e.what());
  }
  const json::Value* keys = doc.isObject() ? doc.find("keys") : nullptr;
  if (keys == nullptr || !keys->isArray() || keys->items().empty())
    throw ClientError("a JWKS is an object with a non-empty \"keys\" array");
  std::set<std::string> kids;
  for (const auto& key : keys->items()) {
    auto kid = key.stringAt("kid");
    if (!kid || kid->empty()) throw ClientError("every key of the JWKS needs a kid");
    if (!kids.insert(*kid).second) throw ClientError("kid '" + *kid + "' appears twice in the JWKS");
    std::string error;
    if (!crypto::keyFromJwk(key, error)) throw ClientError("key '" + *kid + "': " + error);
  }
}

ClientRecord checkClient(const NewClient& request) {
  static const std::set<std::string> kinds = {"public", "confidential-symmetric", "confidential-asymmetric", "backend"};
  if (request.name.empty() || request.name.size() > 200) throw ClientError("a client needs a name (at most 200 characters)");
  if (!kinds.count(request.kind))
    throw ClientError("client type must be public, confidential-symmetric, confidential-asymmetric or backend");
  const bool backend = request.kind == "backend";
  const bool asymmetric = backend || request.kind == "confidential-asymmetric";

  std::istringstream words(request.scope);
  ScopeSet ceiling = parseScopes(request.scope);
  size_t tokens = 0;
  for (std::string word; words >> word;) ++tokens;
  if (tokens == 0) throw ClientError("a client needs a scope: the most it may ever be granted");
  if (ceiling.resources.size() + ceiling.other.size() != tokens)
    throw ClientError("the scope holds tokens that are not SMART scopes: '" + request.scope + "'");
  for (const auto& s : ceiling.resources) {
    if (backend != (s.context == ScopeContext::System))
      throw ClientError(backend ? "a backend service may only hold system/ scopes"
                                : "system/ scopes are for backend services only");
  }
  if (backend && !ceiling.other.empty()) throw ClientError("a backend service may only hold system/ scopes");

  if (backend && !request.redirectUris.empty()) throw ClientError("a backend service has no redirect URIs");
  if (!backend && request.redirectUris.empty()) throw ClientError("an app needs at least one redirect URI");
  for (const auto& uri : request.redirectUris) checkRedirectUri(uri);
  if (!request.launchUri.empty()) checkRedirectUri(request.launchUri);

  if (asymmetric) {
    if (request.jwks.empty() == request.jwksUrl.empty())
      throw ClientError("an asymmetric client needs either a JWKS or a JWKS URL");
    if (!request.jwks.empty()) checkJwks(request.jwks);
    if (!request.jwksUrl.empty()) checkJwksUrl(request.jwksUrl);
  } else if (!request.jwks.empty() || !request.jwksUrl.empty()) {
    throw ClientError("only asymmetric clients and backend services have keys");
  }

  ClientRecord c;
  c.id = request.id;
  c.name = request.name;
  c.kind = request.kind;
  c.jwks = request.jwks;
  c.jwksUrl = request.jwksUrl;
  c.redirectUris = request.redirectUris;
  c.launchUri = request.launchUri;
  c.scope = ceiling.format();
  return c;
}

RegisteredClient registerClient(AuthRepository& repository, const NewClient& request) {
  RegisteredClient out;
  out.record = checkClient(request);
  ClientRecord& c = out.record;
  if (c.id.empty()) c.id = crypto::randomToken(16);
  if (request.kind == "confidential-symmetric") {
    out.secret = crypto::randomToken(32);
    c.secretSha256 = crypto::hexEncode(crypto::sha256(out.secret));
  }
  repository.insertClient(c);
  return out;
}

bool secretMatches(const ClientRecord& client, const std::string& secret) {
  return !client.secretSha256.empty() &&
         crypto::constantTimeEquals(crypto::hexEncode(crypto::sha256(secret)), client.secretSha256);
}

}  // namespace flint::auth
