#include <gtest/gtest.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "core/crypto/digest.h"
#include "core/crypto/encoding.h"
#include "core/crypto/jws.h"
#include "core/crypto/keys.h"
#include "core/crypto/password_hash.h"
#include "core/json/json_parser.h"

namespace flint::crypto {
namespace {

Key ecKey(const char* curve) { return Key(EVP_EC_gen(curve), EVP_PKEY_free); }

TEST(Encoding, Base64UrlRoundTripsAndRejectsOtherAlphabets) {
  using namespace std::string_literals;
  for (std::string bytes : {""s, "f"s, "fo"s, "foo"s, "foob"s, "fooba"s, "foobar"s, "\xfb\xff\x00\x01"s})
    EXPECT_EQ(base64UrlDecode(base64UrlEncode(bytes)), bytes);
  EXPECT_EQ(base64UrlEncode("\xfb\xff"), "-_8");
  EXPECT_EQ(base64UrlDecode("Zm9v"), "foo");
  EXPECT_FALSE(base64UrlDecode("Zm9v="));  // padding is not base64url
  EXPECT_FALSE(base64UrlDecode("Zm+v"));
  EXPECT_FALSE(base64UrlDecode("Z"));
  EXPECT_FALSE(base64UrlDecode("Zh"));  // non-zero leftover bits
  EXPECT_EQ(base64Decode("Zm9vYg=="), "foob");
  EXPECT_EQ(base64Decode("YTpi"), "a:b");
  EXPECT_FALSE(base64Decode("YTpi="));
  EXPECT_EQ(hexEncode("\x01\xab"), "01ab");
}

TEST(Digest, Sha256AndHmacMatchKnownValues) {
  EXPECT_EQ(hexEncode(sha256("abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  // RFC 4231 test case 2.
  EXPECT_EQ(hexEncode(hmacSha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_NE(randomToken(), randomToken());
  EXPECT_EQ(randomToken(32).size(), 43u);
  EXPECT_TRUE(constantTimeEquals("abc", "abc"));
  EXPECT_FALSE(constantTimeEquals("abc", "abd"));
  EXPECT_FALSE(constantTimeEquals("abc", "ab"));
}

TEST(PasswordHash, VerifiesOnlyTheRightPassword) {
  std::string stored = hashPassword("correct horse");
  EXPECT_EQ(stored.rfind("scrypt$32768$8$1$", 0), 0u);
  EXPECT_TRUE(verifyPassword("correct horse", stored));
  EXPECT_FALSE(verifyPassword("correct horsE", stored));
  EXPECT_FALSE(verifyPassword("", stored));
  EXPECT_NE(hashPassword("correct horse"), stored);  // salted
  EXPECT_FALSE(verifyPassword("x", "scrypt$1024$8$1$AAAA"));
  EXPECT_FALSE(verifyPassword("x", "plain$x"));
  EXPECT_FALSE(verifyPassword("x", "scrypt$999999999$8$1$AAAA$AAAA"));  // cost beyond the cap
}

TEST(Jws, SignsAndVerifiesEachAlgorithm) {
  Key rsa = generateRsaKey();
  Key p256 = ecKey("P-256");
  Key p384 = ecKey("P-384");
  for (auto [alg, key] : {std::pair{"RS256", rsa}, {"RS384", rsa}, {"ES256", p256}, {"ES384", p384}}) {
    std::string signature = sign(alg, key, "header.payload");
    EXPECT_TRUE(verify(alg, key, "header.payload", signature)) << alg;
    EXPECT_FALSE(verify(alg, key, "header.payloaD", signature)) << alg;
    std::string flipped = signature;
    flipped[flipped.size() / 2] ^= 1;
    EXPECT_FALSE(verify(alg, key, "header.payload", flipped)) << alg;
  }
  EXPECT_EQ(sign("ES384", p384, "x").size(), 96u);  // JOSE R||S, not DER
  EXPECT_FALSE(verify("ES384", rsa, "x", sign("RS384", rsa, "x")));
  EXPECT_FALSE(verify("ES256", p384, "x", sign("ES384", p384, "x")));  // curve must fit the algorithm
  EXPECT_FALSE(verify("none", rsa, "x", ""));
  EXPECT_FALSE(verify("HS256", rsa, "x", ""));
}

TEST(Jws, DecodesCompactTokensAndRejectsMalformedOnes) {
  Key key = ecKey("P-384");
  json::Value claims = json::parse(R"({"iss":"me","n":1})");
  std::string token = signJwt("ES384", key, "k1", claims);
  std::string error;
  auto jws = decodeCompact(token, error);
  ASSERT_TRUE(jws) << error;
  EXPECT_EQ(jws->header.stringAt("alg"), "ES384");
  EXPECT_EQ(jws->header.stringAt("kid"), "k1");
  EXPECT_EQ(jws->claims.stringAt("iss"), "me");
  EXPECT_TRUE(verify("ES384", key, jws->signingInput, jws->signature));
  for (std::string bad : {std::string("a.b"), std::string("a.b.c.d"), std::string("!!.e30.AA"),
                          base64UrlEncode("[1]") + ".e30.AA", base64UrlEncode("{\"a\":1,\"a\":2}") + ".e30.AA"})
    EXPECT_FALSE(decodeCompact(bad, error)) << bad;
}

TEST(Keys, JwkRoundTripsAndRefusesWeakOrInvalidKeys) {
  Key rsa = generateRsaKey();
  std::string error;
  Key imported = keyFromJwk(publicJwk(rsa, "r1", "RS384"), error);
  ASSERT_TRUE(imported) << error;
  EXPECT_TRUE(verify("RS384", imported, "data", sign("RS384", rsa, "data")));

  Key p384 = ecKey("P-384");
  json::Value jwk = publicJwk(p384, "e1", "ES384");
  EXPECT_EQ(jwk.stringAt("crv"), "P-384");
  imported = keyFromJwk(jwk, error);
  ASSERT_TRUE(imported) << error;
  EXPECT_TRUE(verify("ES384", imported, "data", sign("ES384", p384, "data")));

  // A point moved off the curve.
  json::Value offCurve = jwk;
  std::string y = *base64UrlDecode(*jwk.stringAt("y"));
  y.back() ^= 1;
  offCurve.set("y", json::Value::string(base64UrlEncode(y)));
  EXPECT_FALSE(keyFromJwk(offCurve, error));

  Key small(EVP_RSA_gen(1024), EVP_PKEY_free);
  EXPECT_FALSE(keyFromJwk(publicJwk(small, "s", "RS256"), error));
  EXPECT_NE(error.find("2048"), std::string::npos);
  EXPECT_FALSE(keyFromJwk(json::parse(R"({"kty":"oct","k":"AAAA"})"), error));
  EXPECT_FALSE(keyFromJwk(json::parse(R"({"kty":"EC","crv":"P-521","x":"AA","y":"AA"})"), error));

  Key restored = keyFromPrivatePem(privateKeyPem(rsa));
  ASSERT_TRUE(restored);
  EXPECT_TRUE(verify("RS256", rsa, "d", sign("RS256", restored, "d")));
  EXPECT_FALSE(keyFromPrivatePem("not a key"));
}

}  // namespace
}  // namespace flint::crypto
