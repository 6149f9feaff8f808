#include "auth/clients/client_assertion.h"

#include <algorithm>

#include "core/crypto/jws.h"

namespace flint::auth {
namespace {

constexpr int64_t kMaxLifetimeSeconds = 300;
constexpr int64_t kClockSkewSeconds = 60;

std::optional<int64_t> numericDate(const json::Value& claims, const char* name) {
  const json::Value* v = claims.find(name);
  if (v == nullptr || !v->isNumber()) return std::nullopt;
  try {
    return static_cast<int64_t>(std::stod(v->text()));
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

// `aud` may be a string or an array of strings; either way it must name the token endpoint.
bool audienceIs(const json::Value& claims, const std::string& tokenUrl) {
  const json::Value* aud = claims.find("aud");
  if (aud == nullptr) return false;
  if (aud->isString()) return aud->text() == tokenUrl;
  if (!aud->isArray()) return false;
  return std::any_of(aud->items().begin(), aud->items().end(),
                     [&](const json::Value& v) { return v.isString() && v.text() == tokenUrl; });
}

}  // namespace

std::optional<ClientRecord> authenticateAssertion(AuthRepository& repository, JwksCache& jwks,
                                                  const std::string& assertion, const std::string& tokenUrl,
                                                  int64_t now, std::string& error) {
  if (assertion.size() > 16384) {
    error = "client_assertion is too long";
    return std::nullopt;
  }
  auto jws = crypto::decodeCompact(assertion, error);
  if (!jws) return std::nullopt;
  const json::Value& header = jws->header;
  const json::Value& claims = jws->claims;
  auto alg = header.stringAt("alg").value_or("");
  if (std::find(std::begin(kAssertionAlgorithms), std::end(kAssertionAlgorithms), alg) ==
      std::end(kAssertionAlgorithms)) {
    error = "client_assertion must be signed with RS384 or ES384";
    return std::nullopt;
  }
  auto kid = header.stringAt("kid");
  if (!kid || kid->empty()) {
    error = "client_assertion header needs a kid";
    return std::nullopt;
  }
  if (auto typ = header.stringAt("typ"); typ && *typ != "JWT") {
    error = "client_assertion typ must be JWT";
    return std::nullopt;
  }
  auto iss = claims.stringAt("iss"), sub = claims.stringAt("sub"), jti = claims.stringAt("jti");
  if (!iss || !sub || *iss != *sub) {
    error = "client_assertion iss and sub must both be the client_id";
    return std::nullopt;
  }
  auto client = repository.client(*iss);
  if (!client || client->disabled || (client->kind != "backend" && client->kind != "confidential-asymmetric")) {
    error = "unknown or disabled client, or not one that authenticates with keys";
    return std::nullopt;
  }
  if (!audienceIs(claims, tokenUrl)) {
    error = "client_assertion aud must be the token endpoint " + tokenUrl;
    return std::nullopt;
  }
  auto exp = numericDate(claims, "exp");
  if (!exp || *exp <= now - kClockSkewSeconds) {
    error = "client_assertion has expired or has no exp";
    return std::nullopt;
  }
  if (*exp > now + kMaxLifetimeSeconds + kClockSkewSeconds) {
    error = "client_assertion exp may be at most five minutes ahead";
    return std::nullopt;
  }
  if (!jti || jti->empty() || jti->size() > 255) {
    error = "client_assertion needs a jti (at most 255 characters)";
    return std::nullopt;
  }
  // A jku may only point where the client registered its keys.
  if (const json::Value* jku = header.find("jku"); jku != nullptr && (!jku->isString() || jku->text() != client->jwksUrl)) {
    error = "client_assertion jku is not the client's registered JWKS URL";
    return std::nullopt;
  }
  auto jwk = jwks.keyFor(*client, *kid, error);
  if (!jwk) return std::nullopt;
  if (auto keyAlg = jwk->stringAt("alg"); keyAlg && *keyAlg != alg) {
    error = "key '" + *kid + "' is for " + *keyAlg + ", not " + alg;
    return std::nullopt;
  }
  auto key = crypto::keyFromJwk(*jwk, error);
  if (!key) return std::nullopt;
  if (!crypto::algorithmFitsKey(alg, key)) {
    error = "key '" + *kid + "' cannot verify " + alg;
    return std::nullopt;
  }
  if (!crypto::verify(alg, key, jws->signingInput, jws->signature)) {
    error = "client_assertion signature does not verify";
    return std::nullopt;
  }
  // Only a verified assertion may spend its jti, or anyone could burn a client's ids.
  if (!repository.recordAssertionId(client->id, *jti, *exp)) {
    error = "client_assertion jti was already used";
    return std::nullopt;
  }
  return client;
}

}  // namespace flint::auth
