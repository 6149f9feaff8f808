// Test support: a client's key pair and JWT signing written directly against OpenSSL, apart from
// Flint's own JOSE code, so the tests check Flint against an independent implementation.
#pragma once

#include <nlohmann/json.hpp>

#include <memory>
#include <string>

struct evp_pkey_st;

namespace flint::testing {

std::string base64Url(const std::string& bytes);

class ClientKey {
 public:
  // kind: "RSA" (2048-bit) or "P-384"/"P-256".
  ClientKey(const std::string& kind, std::string kid);
  const std::string& kid() const { return kid_; }
  // The public JWK, with `alg` when given.
  nlohmann::json publicJwk(const std::string& alg = "") const;
  // A compact JWS of `header` + `claims`, signed with `alg` (RS256/RS384/ES256/ES384) by this key.
  std::string sign(const nlohmann::json& header, const nlohmann::json& claims, const std::string& alg) const;

 private:
  std::shared_ptr<evp_pkey_st> key_;
  std::string kind_;
  std::string kid_;
};

// The decoded JSON of part 0 (header) or 1 (claims) of a compact JWT.
nlohmann::json jwtPart(const std::string& jwt, int part);
// Whether `jwt` carries a valid RS256 signature by the RSA public key `jwk`.
bool verifyRs256(const nlohmann::json& jwk, const std::string& jwt);

// A SMART backend-services client assertion: iss = sub = clientId, aud = tokenUrl, exp = now +
// lifetime, a fresh jti; header {alg, kid, typ: JWT}.
std::string clientAssertion(const ClientKey& key, const std::string& alg, const std::string& clientId,
                            const std::string& tokenUrl, int lifetimeSeconds = 240);

}  // namespace flint::testing
