#include "core/crypto/keys.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <stdexcept>

#include "core/crypto/encoding.h"

namespace flint::crypto {
namespace {

Key own(EVP_PKEY* key) { return Key(key, EVP_PKEY_free); }

using BigNum = std::unique_ptr<BIGNUM, decltype(&BN_free)>;

std::string bigNumBytes(const Key& key, const char* name, int width = 0) {
  BIGNUM* raw = nullptr;
  if (EVP_PKEY_get_bn_param(key.get(), name, &raw) != 1) throw std::runtime_error("key lacks " + std::string(name));
  BigNum bn(raw, BN_free);
  std::string out(width > 0 ? size_t(width) : size_t(BN_num_bytes(raw)), '\0');
  BN_bn2binpad(raw, reinterpret_cast<unsigned char*>(out.data()), int(out.size()));
  return out;
}

std::optional<std::string> member(const json::Value& jwk, const char* name) {
  auto text = jwk.stringAt(name);
  if (!text) return std::nullopt;
  return base64UrlDecode(*text);
}

Key fromParams(const char* type, OSSL_PARAM_BLD* builder) {
  OSSL_PARAM* params = OSSL_PARAM_BLD_to_param(builder);
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr);
  EVP_PKEY* key = nullptr;
  if (params != nullptr && ctx != nullptr && EVP_PKEY_fromdata_init(ctx) == 1)
    EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params);
  EVP_PKEY_CTX_free(ctx);
  OSSL_PARAM_free(params);
  return key != nullptr ? own(key) : nullptr;
}

}  // namespace

Key generateRsaKey(int bits) {
  EVP_PKEY* key = EVP_RSA_gen(static_cast<unsigned>(bits));
  if (key == nullptr) throw std::runtime_error("RSA key generation failed");
  return own(key);
}

std::string privateKeyPem(const Key& key) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  if (!bio || PEM_write_bio_PrivateKey(bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1)
    throw std::runtime_error("cannot write private key");
  char* data = nullptr;
  long length = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, size_t(length));
}

Key keyFromPrivatePem(const std::string& pem) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(pem.data(), int(pem.size())), BIO_free);
  EVP_PKEY* key = bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr;
  return key != nullptr ? own(key) : nullptr;
}

std::string keyType(const Key& key) {
  if (EVP_PKEY_is_a(key.get(), "RSA")) return "RSA";
  if (EVP_PKEY_is_a(key.get(), "EC")) return "EC";
  return "";
}

std::string curveName(const Key& key) {
  char group[64] = {0};
  size_t length = 0;
  if (EVP_PKEY_get_utf8_string_param(key.get(), OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, &length) != 1)
    return "";
  std::string name(group, length);
  if (name == "prime256v1" || name == "P-256") return "P-256";
  if (name == "secp384r1" || name == "P-384") return "P-384";
  return "";
}

json::Value publicJwk(const Key& key, const std::string& kid, const std::string& alg) {
  json::Value jwk = json::Value::object();
  if (keyType(key) == "RSA") {
    jwk.set("kty", json::Value::string("RSA"));
    jwk.set("n", json::Value::string(base64UrlEncode(bigNumBytes(key, OSSL_PKEY_PARAM_RSA_N))));
    jwk.set("e", json::Value::string(base64UrlEncode(bigNumBytes(key, OSSL_PKEY_PARAM_RSA_E))));
  } else {
    std::string crv = curveName(key);
    int width = crv == "P-384" ? 48 : 32;
    jwk.set("kty", json::Value::string("EC"));
    jwk.set("crv", json::Value::string(crv));
    jwk.set("x", json::Value::string(base64UrlEncode(bigNumBytes(key, OSSL_PKEY_PARAM_EC_PUB_X, width))));
    jwk.set("y", json::Value::string(base64UrlEncode(bigNumBytes(key, OSSL_PKEY_PARAM_EC_PUB_Y, width))));
  }
  jwk.set("kid", json::Value::string(kid));
  jwk.set("use", json::Value::string("sig"));
  jwk.set("alg", json::Value::string(alg));
  return jwk;
}

Key keyFromJwk(const json::Value& jwk, std::string& error) {
  if (!jwk.isObject()) {
    error = "a JWK must be an object";
    return nullptr;
  }
  auto kty = jwk.stringAt("kty");
  std::unique_ptr<OSSL_PARAM_BLD, decltype(&OSSL_PARAM_BLD_free)> builder(OSSL_PARAM_BLD_new(), OSSL_PARAM_BLD_free);
  if (kty == "RSA") {
    auto n = member(jwk, "n"), e = member(jwk, "e");
    if (!n || !e || n->empty() || e->empty()) {
      error = "an RSA JWK needs base64url n and e";
      return nullptr;
    }
    BigNum bn(BN_bin2bn(reinterpret_cast<const unsigned char*>(n->data()), int(n->size()), nullptr), BN_free);
    BigNum be(BN_bin2bn(reinterpret_cast<const unsigned char*>(e->data()), int(e->size()), nullptr), BN_free);
    if (BN_num_bits(bn.get()) < 2048) {
      error = "RSA keys must have at least 2048 bits";
      return nullptr;
    }
    OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_N, bn.get());
    OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_E, be.get());
    Key key = fromParams("RSA", builder.get());
    if (!key) error = "not a usable RSA key";
    return key;
  }
  if (kty == "EC") {
    auto crv = jwk.stringAt("crv");
    size_t width = crv == "P-256" ? 32 : crv == "P-384" ? 48 : 0;
    auto x = member(jwk, "x"), y = member(jwk, "y");
    if (width == 0 || !x || !y || x->size() != width || y->size() != width) {
      error = "an EC JWK needs crv P-256 or P-384 and base64url x and y of the curve's size";
      return nullptr;
    }
    // An uncompressed point; OpenSSL refuses points that are not on the curve.
    std::string point = "\x04" + *x + *y;
    OSSL_PARAM_BLD_push_utf8_string(builder.get(), OSSL_PKEY_PARAM_GROUP_NAME,
                                    width == 32 ? "prime256v1" : "secp384r1", 0);
    OSSL_PARAM_BLD_push_octet_string(builder.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size());
    Key key = fromParams("EC", builder.get());
    if (!key) {
      error = "the EC point is not on the curve";
      return nullptr;
    }
    EVP_PKEY_CTX* check = EVP_PKEY_CTX_new(key.get(), nullptr);
    bool valid = check != nullptr && EVP_PKEY_public_check(check) == 1;
    EVP_PKEY_CTX_free(check);
    if (!valid) {
      error = "the EC point is not on the curve";
      return nullptr;
    }
    return key;
  }
  error = "unsupported JWK kty (RSA and EC are supported)";
  return nullptr;
}

}  // namespace flint::crypto
