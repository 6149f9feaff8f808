#include "core/crypto/jws.h"

#include <openssl/bn.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include <memory>
#include <stdexcept>

#include "core/crypto/encoding.h"
#include "core/json/json_parser.h"
#include "core/json/json_writer.h"

namespace flint::crypto {
namespace {

const EVP_MD* digestOf(std::string_view alg) {
  if (alg == "RS256" || alg == "ES256") return EVP_sha256();
  if (alg == "RS384" || alg == "ES384") return EVP_sha384();
  return nullptr;
}

size_t ecWidth(std::string_view alg) { return alg == "ES256" ? 32 : 48; }

using DigestContext = std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)>;

// JWS carries ECDSA signatures as fixed-width R||S; OpenSSL speaks DER.
std::optional<std::string> ecRawToDer(std::string_view raw, size_t width) {
  if (raw.size() != 2 * width) return std::nullopt;
  std::unique_ptr<ECDSA_SIG, decltype(&ECDSA_SIG_free)> sig(ECDSA_SIG_new(), ECDSA_SIG_free);
  BIGNUM* r = BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()), int(width), nullptr);
  BIGNUM* s = BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()) + width, int(width), nullptr);
  if (!sig || r == nullptr || s == nullptr || ECDSA_SIG_set0(sig.get(), r, s) != 1) {
    BN_free(r);
    BN_free(s);
    return std::nullopt;
  }
  unsigned char* der = nullptr;
  int length = i2d_ECDSA_SIG(sig.get(), &der);
  if (length <= 0) return std::nullopt;
  std::string out(reinterpret_cast<char*>(der), size_t(length));
  OPENSSL_free(der);
  return out;
}

std::string ecDerToRaw(const std::string& der, size_t width) {
  const unsigned char* p = reinterpret_cast<const unsigned char*>(der.data());
  std::unique_ptr<ECDSA_SIG, decltype(&ECDSA_SIG_free)> sig(d2i_ECDSA_SIG(nullptr, &p, long(der.size())),
                                                            ECDSA_SIG_free);
  if (!sig) throw std::runtime_error("bad ECDSA signature");
  std::string raw(2 * width, '\0');
  BN_bn2binpad(ECDSA_SIG_get0_r(sig.get()), reinterpret_cast<unsigned char*>(raw.data()), int(width));
  BN_bn2binpad(ECDSA_SIG_get0_s(sig.get()), reinterpret_cast<unsigned char*>(raw.data()) + width, int(width));
  return raw;
}

}  // namespace

bool isSupportedAlgorithm(std::string_view alg) { return digestOf(alg) != nullptr; }

bool algorithmFitsKey(std::string_view alg, const Key& key) {
  if (!key || !isSupportedAlgorithm(alg)) return false;
  if (alg[0] == 'R') return keyType(key) == "RSA";
  return curveName(key) == (alg == "ES256" ? "P-256" : "P-384");
}

std::optional<CompactJws> decodeCompact(std::string_view token, std::string& error) {
  size_t first = token.find('.');
  size_t second = first == std::string_view::npos ? first : token.find('.', first + 1);
  if (second == std::string_view::npos || token.find('.', second + 1) != std::string_view::npos) {
    error = "not a compact JWS (three dot-separated parts)";
    return std::nullopt;
  }
  auto header = base64UrlDecode(token.substr(0, first));
  auto payload = base64UrlDecode(token.substr(first + 1, second - first - 1));
  auto signature = base64UrlDecode(token.substr(second + 1));
  if (!header || !payload || !signature) {
    error = "a JWS part is not base64url";
    return std::nullopt;
  }
  CompactJws jws;
  try {
    json::ParseLimits limits{16, 10000};
    jws.header = json::parse(*header, limits);
    jws.claims = json::parse(*payload, limits);
  } catch (const json::ParseError& e) {
    error = std::string("a JWS part is not JSON: ") + e.what();
    return std::nullopt;
  }
  if (!jws.header.isObject() || !jws.claims.isObject()) {
    error = "JWS header and claims must be JSON objects";
    return std::nullopt;
  }
  jws.signingInput = std::string(token.substr(0, second));
  jws.signature = std::move(*signature);
  return jws;
}

std::string sign(std::string_view alg, const Key& privateKey, std::string_view signingInput) {
  if (!algorithmFitsKey(alg, privateKey)) throw std::invalid_argument("algorithm does not fit the key");
  DigestContext ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  size_t length = 0;
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, digestOf(alg), nullptr, privateKey.get()) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &length, reinterpret_cast<const unsigned char*>(signingInput.data()),
                     signingInput.size()) != 1)
    throw std::runtime_error("signing failed");
  std::string signature(length, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &length,
                     reinterpret_cast<const unsigned char*>(signingInput.data()), signingInput.size()) != 1)
    throw std::runtime_error("signing failed");
  signature.resize(length);
  return alg[0] == 'E' ? ecDerToRaw(signature, ecWidth(alg)) : signature;
}

bool verify(std::string_view alg, const Key& publicKey, std::string_view signingInput, std::string_view signature) {
  if (!algorithmFitsKey(alg, publicKey)) return false;
  std::string der;
  if (alg[0] == 'E') {
    auto converted = ecRawToDer(signature, ecWidth(alg));
    if (!converted) return false;
    der = std::move(*converted);
    signature = der;
  }
  DigestContext ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  EVP_PKEY_CTX* keyContext = nullptr;
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), &keyContext, digestOf(alg), nullptr, publicKey.get()) != 1) return false;
  // RS* is PKCS#1 v1.5 by definition; never let a default turn it into PSS.
  if (alg[0] == 'R') EVP_PKEY_CTX_set_rsa_padding(keyContext, RSA_PKCS1_PADDING);
  return EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
                          reinterpret_cast<const unsigned char*>(signingInput.data()), signingInput.size()) == 1;
}

std::string signJwt(std::string_view alg, const Key& privateKey, const std::string& kid, const json::Value& claims) {
  json::Value header = json::Value::object();
  header.set("alg", json::Value::string(std::string(alg)));
  header.set("kid", json::Value::string(kid));
  header.set("typ", json::Value::string("JWT"));
  std::string input = base64UrlEncode(json::write(header)) + "." + base64UrlEncode(json::write(claims));
  std::string signature = sign(alg, privateKey, input);
  return input + "." + base64UrlEncode(signature);
}

}  // namespace flint::crypto
