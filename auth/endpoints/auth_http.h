// The authorization server's requests and responses as plain values; the server translates
// HTTP to these and back, so nothing in auth/ depends on the HTTP layer.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/db/session.h"
#include "core/instances/instance.h"

namespace flint::auth {

struct AuthRequest {
  std::string method;
  std::vector<std::string> segments;  // below {instance}/auth/
  std::vector<std::pair<std::string, std::string>> query;
  std::string body;
  std::string contentType;  // media type only, lower case
  std::string authorization;
  std::string cookie;  // the Cookie header
};

struct AuthResponse {
  int status = 200;
  std::string contentType = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

// Where an instance's authorization server and FHIR API are, as clients see them.
struct AuthUrls {
  std::string fhirBase;  // {public}/{instance}/fhir
  std::string authBase;  // {public}/{instance}/auth
  std::string cookiePath;  // /{instance}/auth: cookies never reach another instance
  // SMART User-access Brands, for an instance the service-base-URL directory lists: the
  // directory's URL and the identifier of the instance's Organization in it. Empty otherwise.
  std::string brandBundle;
  std::string brandIdentifierSystem;
  std::string brandIdentifierValue;
};

class KeyStore;
class JwksCache;
class TokenVerifier;
class RevocationList;
class PracticeApps;

// Who a request turned out to concern, as the endpoints learn it (verified identities only);
// the audit event of the request carries it.
struct AuditNote {
  std::string clientId;
  int64_t userId = 0;
  std::string patientId;
  std::string action;  // refines the endpoint name, e.g. the grant type
};

// What one auth request runs against.
struct AuthContext {
  const instances::Instance& instance;
  db::Session& session;
  const AuthUrls& urls;
  KeyStore& keys;
  JwksCache& jwks;
  TokenVerifier& tokens;
  RevocationList& revocations;
  AuditNote note;
  PracticeApps* practiceApps = nullptr;  // the developer programme's, when it runs
};

// The parameters of a form-encoded body (RFC 6749 §3.2: each at most once); nullopt with
// `error` set when the body is not such a form.
std::optional<std::map<std::string, std::string>> formParameters(const AuthRequest& req, std::string& error);

// The token of an `Authorization: Bearer <token>` header (scheme case-insensitive), if it is one.
std::optional<std::string_view> bearerToken(std::string_view authorization);

// The value of cookie `name` in a Cookie header, or empty.
std::string cookieValue(const std::string& cookieHeader, const std::string& name);
// A Set-Cookie value: HttpOnly, SameSite=Lax, limited to `urls.cookiePath`, Secure over https.
std::string setCookie(const AuthUrls& urls, const std::string& name, const std::string& value, int maxAgeSeconds);

// The `error` member of an OAuth error body, or empty.
std::string oauthErrorCode(const std::string& body);
// RFC 6749 §5.2 error response; never cached.
AuthResponse oauthError(int status, const std::string& error, const std::string& description);
// 303 See Other: where a browser goes after a form was handled.
AuthResponse seeOther(const std::string& location);
// A JSON response that must not be cached (tokens, introspection).
AuthResponse noStoreJson(std::string body);

}  // namespace flint::auth
