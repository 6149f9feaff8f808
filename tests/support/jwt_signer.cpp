#include "tests/support/jwt_signer.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>

#include <chrono>
#include <stdexcept>

namespace flint::testing {
namespace {

std::string bigNum(evp_pkey_st* key, const char* name, int width) {
  BIGNUM* bn = nullptr;
  if (EVP_PKEY_get_bn_param(key, name, &bn) != 1) throw std::runtime_error("no key parameter");
  std::string out(width > 0 ? width : BN_num_bytes(bn), '\0');
  BN_bn2binpad(bn, reinterpret_cast<unsigned char*>(out.data()), int(out.size()));
  BN_free(bn);
  return out;
}

std::string base64UrlDecode(const std::string& text) {
  std::string out;
  unsigned buffer = 0;
  int bits = 0;
  for (char c : text) {
    int v = c >= 'A' && c <= 'Z' ? c - 'A' : c >= 'a' && c <= 'z' ? c - 'a' + 26 : c >= '0' && c <= '9' ? c - '0' + 52
            : c == '-' ? 62 : c == '_' ? 63 : -1;
    if (v < 0) throw std::runtime_error("not base64url");
    buffer = buffer << 6 | unsigned(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += char((buffer >> bits) & 0xff);
    }
  }
  return out;
}

}  // namespace

nlohmann::json jwtPart(const std::string& jwt, int part) {
  size_t first = jwt.find('.');
  size_t second = jwt.find('.', first + 1);
  std::string text = part == 0 ? jwt.substr(0, first) : jwt.substr(first + 1, second - first - 1);
  return nlohmann::json::parse(base64UrlDecode(text));
}

bool verifyRs256(const nlohmann::json& jwk, const std::string& jwt) {
  std::string n = base64UrlDecode(jwk["n"]), e = base64UrlDecode(jwk["e"]);
  OSSL_PARAM_BLD* builder = OSSL_PARAM_BLD_new();
  BIGNUM* bn = BN_bin2bn(reinterpret_cast<const unsigned char*>(n.data()), int(n.size()), nullptr);
  BIGNUM* be = BN_bin2bn(reinterpret_cast<const unsigned char*>(e.data()), int(e.size()), nullptr);
  OSSL_PARAM_BLD_push_BN(builder, "n", bn);
  OSSL_PARAM_BLD_push_BN(builder, "e", be);
  OSSL_PARAM* params = OSSL_PARAM_BLD_to_param(builder);
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr);
  EVP_PKEY* key = nullptr;
  EVP_PKEY_fromdata_init(ctx);
  EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params);
  size_t lastDot = jwt.rfind('.');
  std::string input = jwt.substr(0, lastDot), signature = base64UrlDecode(jwt.substr(lastDot + 1));
  EVP_MD_CTX* md = EVP_MD_CTX_new();
  bool ok = key != nullptr && EVP_DigestVerifyInit(md, nullptr, EVP_sha256(), nullptr, key) == 1 &&
            EVP_DigestVerify(md, reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
                             reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1;
  EVP_MD_CTX_free(md);
  EVP_PKEY_free(key);
  EVP_PKEY_CTX_free(ctx);
  OSSL_PARAM_free(params);
  OSSL_PARAM_BLD_free(builder);
  BN_free(bn);
  BN_free(be);
  return ok;
}

std::string base64Url(const std::string& bytes) {
  static const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  unsigned buffer = 0;
  int bits = 0;
  for (unsigned char c : bytes) {
    buffer = buffer << 8 | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += alphabet[(buffer >> bits) & 63];
    }
  }
  if (bits > 0) out += alphabet[(buffer << (6 - bits)) & 63];
  return out;
}

ClientKey::ClientKey(const std::string& kind, std::string kid) : kind_(kind), kid_(std::move(kid)) {
  EVP_PKEY* key = kind == "RSA" ? EVP_RSA_gen(2048) : EVP_EC_gen(kind == "P-384" ? "P-384" : "P-256");
  if (key == nullptr) throw std::runtime_error("key generation failed");
  key_.reset(key, EVP_PKEY_free);
}

nlohmann::json ClientKey::publicJwk(const std::string& alg) const {
  nlohmann::json jwk;
  if (kind_ == "RSA") {
    jwk = {{"kty", "RSA"}, {"n", base64Url(bigNum(key_.get(), "n", 0))}, {"e", base64Url(bigNum(key_.get(), "e", 0))}};
  } else {
    int width = kind_ == "P-384" ? 48 : 32;
    jwk = {{"kty", "EC"},
           {"crv", kind_},
           {"x", base64Url(bigNum(key_.get(), OSSL_PKEY_PARAM_EC_PUB_X, width))},
           {"y", base64Url(bigNum(key_.get(), OSSL_PKEY_PARAM_EC_PUB_Y, width))}};
  }
  jwk["kid"] = kid_;
  if (!alg.empty()) jwk["alg"] = alg;
  return jwk;
}

std::string ClientKey::sign(const nlohmann::json& header, const nlohmann::json& claims, const std::string& alg) const {
  std::string input = base64Url(header.dump()) + "." + base64Url(claims.dump());
  const EVP_MD* md = alg.ends_with("384") ? EVP_sha384() : EVP_sha256();
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  size_t length = 0;
  EVP_DigestSignInit(ctx, nullptr, md, nullptr, key_.get());
  EVP_DigestSign(ctx, nullptr, &length, reinterpret_cast<const unsigned char*>(input.data()), input.size());
  std::string signature(length, '\0');
  if (EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(signature.data()), &length,
                     reinterpret_cast<const unsigned char*>(input.data()), input.size()) != 1) {
    EVP_MD_CTX_free(ctx);
    throw std::runtime_error("signing failed (does the algorithm fit the key?)");
  }
  EVP_MD_CTX_free(ctx);
  signature.resize(length);
  if (kind_ != "RSA") {
    // DER ECDSA-Sig-Value to the fixed-width R||S that JWS uses.
    const unsigned char* p = reinterpret_cast<const unsigned char*>(signature.data());
    ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, long(signature.size()));
    int width = kind_ == "P-384" ? 48 : 32;
    std::string raw(2 * width, '\0');
    BN_bn2binpad(ECDSA_SIG_get0_r(sig), reinterpret_cast<unsigned char*>(raw.data()), width);
    BN_bn2binpad(ECDSA_SIG_get0_s(sig), reinterpret_cast<unsigned char*>(raw.data()) + width, width);
    ECDSA_SIG_free(sig);
    signature = raw;
  }
  return input + "." + base64Url(signature);
}

std::string clientAssertion(const ClientKey& key, const std::string& alg, const std::string& clientId,
                            const std::string& tokenUrl, int lifetimeSeconds) {
  unsigned char jti[32];
  RAND_bytes(jti, sizeof jti);
  auto now = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  nlohmann::json header = {{"alg", alg}, {"kid", key.kid()}, {"typ", "JWT"}};
  nlohmann::json claims = {{"iss", clientId},
                           {"sub", clientId},
                           {"aud", tokenUrl},
                           {"exp", now + lifetimeSeconds},
                           {"jti", base64Url(std::string(reinterpret_cast<char*>(jti), sizeof jti))}};
  return key.sign(header, claims, alg);
}

}  // namespace flint::testing
