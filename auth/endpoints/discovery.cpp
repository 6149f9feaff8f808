// Discovery: {fhir base}/.well-known/smart-configuration and the JWKS. They list only what this
// server implements (SMART: do not advertise a capability you do not support).
#include "auth/endpoints/endpoints.h"
#include "auth/keys/key_store.h"
#include "core/crypto/keys.h"
#include "core/json/json_writer.h"

namespace flint::auth {
namespace {

json::Value strings(std::initializer_list<const char*> items) {
  json::Value array = json::Value::array();
  for (const char* item : items) array.push(json::Value::string(item));
  return array;
}

}  // namespace

AuthResponse smartConfiguration(const AuthUrls& urls) {
  json::Value c = json::Value::object();
  c.set("jwks_uri", json::Value::string(urls.authBase + "/jwks"));
  c.set("token_endpoint", json::Value::string(urls.authBase + "/token"));
  c.set("grant_types_supported", strings({"client_credentials"}));
  c.set("token_endpoint_auth_methods_supported", strings({"private_key_jwt"}));
  c.set("token_endpoint_auth_signing_alg_values_supported", strings({"RS384", "ES384"}));
  c.set("scopes_supported", strings({"system/*.cruds", "system/*.rs", "system/*.read", "system/*.write", "system/*.*"}));
  c.set("introspection_endpoint", json::Value::string(urls.authBase + "/introspect"));
  c.set("revocation_endpoint", json::Value::string(urls.authBase + "/revoke"));
  c.set("code_challenge_methods_supported", strings({"S256"}));
  c.set("capabilities", strings({"client-confidential-asymmetric", "permission-v1", "permission-v2"}));
  AuthResponse r;
  r.body = json::write(c);
  r.headers.emplace_back("Access-Control-Allow-Origin", "*");
  return r;
}

AuthResponse jwksEndpoint(AuthContext& ctx) {
  auto keys = ctx.keys.keysFor(ctx.session, ctx.instance);
  json::Value list = json::Value::array();
  for (const auto& [kid, key] : keys->publishedIdTokenKeys) list.push(crypto::publicJwk(key, kid, "RS256"));
  json::Value body = json::Value::object();
  body.set("keys", std::move(list));
  AuthResponse r;
  r.body = json::write(body);
  r.headers.emplace_back("Access-Control-Allow-Origin", "*");
  // Short, so that clients see a newly added key within minutes.
  r.headers.emplace_back("Cache-Control", "public, max-age=300");
  return r;
}

}  // namespace flint::auth
