// Asymmetric keys: generation, PEM storage, and JWK (RFC 7517) import/export for RSA and EC.
#pragma once

#include <memory>
#include <string>

#include "core/json/json_value.h"

struct evp_pkey_st;

namespace flint::crypto {

using Key = std::shared_ptr<evp_pkey_st>;

Key generateRsaKey(int bits = 2048);
std::string privateKeyPem(const Key& key);
// nullptr when the text is not a PEM private key.
Key keyFromPrivatePem(const std::string& pem);

// The public half as a JWK with `kid`, `use: sig` and `alg`.
json::Value publicJwk(const Key& key, const std::string& kid, const std::string& alg);

// A public key from a JWK: RSA (n, e) of at least 2048 bits, or EC (crv P-256 or P-384, x, y)
// on its curve. nullptr, with `error` set, otherwise.
Key keyFromJwk(const json::Value& jwk, std::string& error);

// "RSA" or "EC".
std::string keyType(const Key& key);
// The EC curve's JOSE name ("P-256", "P-384"), or empty.
std::string curveName(const Key& key);

}  // namespace flint::crypto
