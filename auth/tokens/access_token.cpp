#include "auth/tokens/access_token.h"

#include "core/crypto/digest.h"
#include "core/crypto/encoding.h"
#include "core/crypto/jws.h"
#include "core/json/json_writer.h"

namespace flint::auth {
namespace {

std::optional<int64_t> integerAt(const json::Value& object, const char* key) {
  const json::Value* v = object.find(key);
  if (v == nullptr || !v->isNumber()) return std::nullopt;
  try {
    size_t used = 0;
    long long n = std::stoll(v->text(), &used);
    if (used != v->text().size()) return std::nullopt;
    return n;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

}  // namespace

std::string keyIdOf(std::string_view token) {
  std::string error;
  auto jws = crypto::decodeCompact(token.substr(0, 8192), error);
  return jws ? jws->header.stringAt("kid").value_or("") : "";
}

std::string issueAccessToken(const InstanceKeys& keys, const AccessTokenClaims& c) {
  json::Value header = json::Value::object();
  header.set("alg", json::Value::string("HS256"));
  header.set("kid", json::Value::string(keys.accessTokenKid));
  header.set("typ", json::Value::string("at+jwt"));
  json::Value claims = json::Value::object();
  claims.set("iid", json::Value::number(c.instanceId));
  claims.set("gid", json::Value::number(c.grantId));
  claims.set("cid", json::Value::string(c.clientId));
  claims.set("scope", json::Value::string(c.scope));
  if (!c.patient.empty()) claims.set("patient", json::Value::string(c.patient));
  if (!c.encounter.empty()) claims.set("encounter", json::Value::string(c.encounter));
  if (c.userId != 0) claims.set("uid", json::Value::number(c.userId));
  claims.set("jti", json::Value::string(c.jti));
  claims.set("iat", json::Value::number(c.issuedAt));
  claims.set("exp", json::Value::number(c.expiresAt));
  std::string input = crypto::base64UrlEncode(json::write(header)) + "." + crypto::base64UrlEncode(json::write(claims));
  return input + "." + crypto::base64UrlEncode(crypto::hmacSha256(keys.accessTokenSecret, input));
}

std::optional<AccessTokenClaims> verifyAccessToken(const InstanceKeys& keys, long long instanceId,
                                                   std::string_view token, int64_t now) {
  if (token.size() > 8192) return std::nullopt;
  std::string error;
  auto jws = crypto::decodeCompact(token, error);
  if (!jws) return std::nullopt;
  // The algorithm is fixed by the key, never taken from the token.
  auto kid = jws->header.stringAt("kid");
  if (jws->header.stringAt("alg") != "HS256" || !kid) return std::nullopt;
  auto secret = keys.accessTokenSecretsByKid.find(*kid);
  if (secret == keys.accessTokenSecretsByKid.end()) return std::nullopt;
  if (!crypto::constantTimeEquals(crypto::hmacSha256(secret->second, jws->signingInput), jws->signature))
    return std::nullopt;
  const json::Value& claims = jws->claims;
  AccessTokenClaims c;
  auto iid = integerAt(claims, "iid"), gid = integerAt(claims, "gid"), iat = integerAt(claims, "iat"),
       exp = integerAt(claims, "exp");
  auto cid = claims.stringAt("cid"), scope = claims.stringAt("scope"), jti = claims.stringAt("jti");
  if (!iid || !gid || !iat || !exp || !cid || !scope || !jti) return std::nullopt;
  if (*iid != instanceId || *exp <= now) return std::nullopt;
  c.instanceId = *iid;
  c.grantId = *gid;
  c.clientId = *cid;
  c.scope = *scope;
  c.patient = claims.stringAt("patient").value_or("");
  c.encounter = claims.stringAt("encounter").value_or("");
  c.userId = integerAt(claims, "uid").value_or(0);
  c.jti = *jti;
  c.issuedAt = *iat;
  c.expiresAt = *exp;
  return c;
}

}  // namespace flint::auth
