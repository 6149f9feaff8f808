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

AuthResponse publicJson(const json::Value& body) {
  AuthResponse r;
  r.body = json::write(body);
  return r;
}

json::Value scopesSupported() {
  return strings({"openid", "fhirUser", "launch", "launch/patient", "offline_access", "online_access", "patient/*.rs",
                  "patient/*.read", "user/*.rs", "user/*.cruds", "user/*.read", "user/*.write", "system/*.rs",
                  "system/*.cruds", "system/*.read", "system/*.write"});
}

}  // namespace

AuthResponse smartConfiguration(const AuthUrls& urls) {
  json::Value c = json::Value::object();
  c.set("issuer", json::Value::string(urls.authBase));
  c.set("jwks_uri", json::Value::string(urls.authBase + "/jwks"));
  c.set("authorization_endpoint", json::Value::string(urls.authBase + "/authorize"));
  c.set("token_endpoint", json::Value::string(urls.authBase + "/token"));
  c.set("grant_types_supported", strings({"authorization_code", "client_credentials", "refresh_token"}));
  c.set("response_types_supported", strings({"code"}));
  c.set("token_endpoint_auth_methods_supported", strings({"client_secret_basic", "client_secret_post", "private_key_jwt"}));
  c.set("token_endpoint_auth_signing_alg_values_supported", strings({"RS384", "ES384"}));
  c.set("scopes_supported", scopesSupported());
  c.set("introspection_endpoint", json::Value::string(urls.authBase + "/introspect"));
  c.set("revocation_endpoint", json::Value::string(urls.authBase + "/revoke"));
  c.set("management_endpoint", json::Value::string(urls.authBase + "/manage"));
  c.set("code_challenge_methods_supported", strings({"S256"}));
  if (!urls.brandBundle.empty()) {
    c.set("user_access_brand_bundle", json::Value::string(urls.brandBundle));
    json::Value identifier = json::Value::object();
    identifier.set("system", json::Value::string(urls.brandIdentifierSystem));
    identifier.set("value", json::Value::string(urls.brandIdentifierValue));
    c.set("user_access_brand_identifier", std::move(identifier));
  }
  c.set("capabilities",
        strings({"launch-ehr", "launch-standalone", "authorize-post", "client-public", "client-confidential-symmetric",
                 "client-confidential-asymmetric", "sso-openid-connect", "context-banner", "context-style", "context-ehr-patient",
                 "context-ehr-encounter", "context-standalone-patient",
                 "permission-offline", "permission-patient", "permission-user", "permission-v1",
                 "permission-v2"}));
  return publicJson(c);
}

AuthResponse openidConfiguration(const AuthUrls& urls) {
  json::Value c = json::Value::object();
  c.set("issuer", json::Value::string(urls.authBase));
  c.set("authorization_endpoint", json::Value::string(urls.authBase + "/authorize"));
  c.set("token_endpoint", json::Value::string(urls.authBase + "/token"));
  c.set("jwks_uri", json::Value::string(urls.authBase + "/jwks"));
  c.set("response_types_supported", strings({"code"}));
  c.set("subject_types_supported", strings({"public"}));
  c.set("id_token_signing_alg_values_supported", strings({"RS256"}));
  c.set("scopes_supported", scopesSupported());
  c.set("grant_types_supported", strings({"authorization_code", "client_credentials", "refresh_token"}));
  c.set("code_challenge_methods_supported", strings({"S256"}));
  c.set("token_endpoint_auth_methods_supported", strings({"client_secret_basic", "client_secret_post", "private_key_jwt"}));
  c.set("claims_supported", strings({"iss", "sub", "aud", "exp", "iat", "nonce", "fhirUser"}));
  return publicJson(c);
}

AuthResponse jwksEndpoint(AuthContext& ctx) {
  auto keys = ctx.keys.keysFor(ctx.session, ctx.instance);
  json::Value list = json::Value::array();
  for (const auto& [kid, key] : keys->publishedIdTokenKeys) list.push(crypto::publicJwk(key, kid, "RS256"));
  json::Value body = json::Value::object();
  body.set("keys", std::move(list));
  AuthResponse r;
  r.body = json::write(body);
  // Short, so that clients see a newly added key within minutes.
  r.headers.emplace_back("Cache-Control", "public, max-age=300");
  return r;
}

}  // namespace flint::auth
