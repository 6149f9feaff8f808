// Test support for SMART tests: instances that require authorization, client registration
// through the admin API, token requests, and assertions on OAuth error responses.
#pragma once

#include <gtest/gtest.h>
#include <openssl/sha.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/support/flint_server.h"
#include "tests/support/jwt_signer.h"

namespace flint::testing {

using nlohmann::json;

inline const char* kAssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

inline std::string formEncode(const std::vector<std::pair<std::string, std::string>>& params) {
  std::string out;
  for (const auto& [name, value] : params) {
    if (!out.empty()) out += "&";
    out += httplib::detail::encode_query_param(name) + "=" + httplib::detail::encode_query_param(value);
  }
  return out;
}

// A PKCE S256 code challenge.
inline std::string s256(const std::string& verifier) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(verifier.data()), verifier.size(), digest);
  return base64Url(std::string(reinterpret_cast<char*>(digest), sizeof digest));
}

inline httplib::Headers admin() { return {{"Authorization", std::string("Bearer ") + kAdminKey}}; }

// An instance that requires authorization (unlike createInstance's open ones); on `cluster`, or
// where the server places it.
inline std::string securedInstance(const std::string& prefix, bool patientPortal = true, const std::string& cluster = "") {
  std::string name = uniqueInstanceName(prefix);
  json body = {{"name", name}, {"organization", {{"name", "Secured " + name}}}, {"patientPortal", patientPortal}};
  if (!cluster.empty()) body["cluster"] = cluster;
  auto res = client().Post("/admin/instances", admin(), body.dump(), "application/json");
  if (!res || res->status != 201) throw std::runtime_error("instance: " + (res ? res->body : "no response"));
  return name;
}

inline std::string publicBase() { return sharedServer().baseUrl(); }
inline std::string tokenUrl(const std::string& instance) { return publicBase() + "/" + instance + "/auth/token"; }

inline httplib::Result registerClient(const std::string& instance, const json& body) {
  return client().Post("/" + std::string("admin/instances/") + instance + "/clients", admin(), body.dump(),
                       "application/json");
}

inline std::string backendClient(const std::string& instance, const json& jwks, const std::string& scope) {
  auto res = registerClient(instance, {{"name", "Backend"}, {"type", "backend"}, {"scope", scope}, {"jwks", jwks}});
  if (!res || res->status != 201) throw std::runtime_error("client: " + (res ? res->body : "no response"));
  return json::parse(res->body)["clientId"];
}

inline httplib::Result postToken(const std::string& instance, const std::vector<std::pair<std::string, std::string>>& form) {
  return client().Post("/" + instance + "/auth/token", {{"Accept", "application/json"}}, formEncode(form),
                       "application/x-www-form-urlencoded");
}

inline httplib::Result requestToken(const std::string& instance, const std::string& assertion, const std::string& scope) {
  return postToken(instance, {{"grant_type", "client_credentials"},
                              {"client_assertion_type", kAssertionType},
                              {"client_assertion", assertion},
                              {"scope", scope}});
}

inline httplib::Headers bearer(const std::string& token) {
  return {{"Authorization", "Bearer " + token}, {"Accept", "application/fhir+json"}};
}

inline int64_t now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// Asserts an RFC 6749 error response: status, error code, and never cached.
inline void expectOAuthError(const httplib::Result& res, int status, const std::string& error) {
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, status) << res->body;
  EXPECT_EQ(json::parse(res->body)["error"], error) << res->body;
  EXPECT_EQ(res->get_header_value("Cache-Control"), "no-store");
  EXPECT_EQ(res->get_header_value("Pragma"), "no-cache");
}

// A registered backend client with an RS384 and an ES384 key, both inline.
struct Backend {
  std::string instance;
  ClientKey rsa{"RSA", "rsa-1"};
  ClientKey ec{"P-384", "ec-1"};
  std::string clientId;
  explicit Backend(const std::string& scope = "system/*.rs system/Patient.cruds", const std::string& cluster = "")
      : instance(securedInstance("bs", true, cluster)) {
    clientId = backendClient(instance, {{"keys", {rsa.publicJwk("RS384"), ec.publicJwk("ES384")}}}, scope);
  }
  std::string token(const std::string& scope) {
    auto res = requestToken(instance, clientAssertion(rsa, "RS384", clientId, tokenUrl(instance)), scope);
    if (!res || res->status != 200) throw std::runtime_error("token: " + (res ? res->body : "no response"));
    return json::parse(res->body)["access_token"];
  }
};

}  // namespace flint::testing
