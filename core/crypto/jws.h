// JSON Web Signatures in compact form (RFC 7515): RS256/RS384 and ES256/ES384 signing and
// verification, and the decoding of a compact token into header and claims.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/crypto/keys.h"
#include "core/json/json_value.h"

namespace flint::crypto {

// The algorithms Flint accepts; "none" and HMAC algorithms are never accepted from outside.
bool isSupportedAlgorithm(std::string_view alg);
// Whether `alg` can be used with `key` (RS* with RSA, ES256 with P-256, ES384 with P-384).
bool algorithmFitsKey(std::string_view alg, const Key& key);

struct CompactJws {
  json::Value header;
  json::Value claims;
  std::string signingInput;  // base64url(header) "." base64url(payload)
  std::string signature;     // raw bytes (R||S for ECDSA)
};

// Decodes a compact JWS whose header and payload are JSON objects; does not verify it.
std::optional<CompactJws> decodeCompact(std::string_view token, std::string& error);

std::string sign(std::string_view alg, const Key& privateKey, std::string_view signingInput);
bool verify(std::string_view alg, const Key& publicKey, std::string_view signingInput, std::string_view signature);

// A compact JWS of `claims` with header {alg, kid, typ: JWT}.
std::string signJwt(std::string_view alg, const Key& privateKey, const std::string& kid, const json::Value& claims);

}  // namespace flint::crypto
