// SMART backend services (checklist §3, BSA-*, IN-*, SC-03) against a real server: discovery, client
// registration, client_credentials with RS384/ES384 assertions from an inline JWKS or a JWKS URL,
// every way an assertion can be wrong, scopes enforced on the FHIR API, introspection, and
// isolation between instances.
#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <thread>

#include "tests/support/flint_server.h"
#include "tests/support/jwt_signer.h"
#include "tests/support/smart_helpers.h"

namespace flint::testing {
namespace {

using nlohmann::json;

TEST(SmartDiscovery, SmartConfigurationIsPublicJsonListingOnlyWhatIsImplemented) {
  std::string instance = securedInstance("disc");
  for (const char* accept : {"", "application/json", "text/html"}) {
    httplib::Headers headers;
    if (*accept) headers.emplace("Accept", accept);
    headers.emplace("Origin", "https://app.example");
    auto res = client().Get("/" + instance + "/fhir/.well-known/smart-configuration", headers);
    ASSERT_TRUE(res);
    ASSERT_EQ(res->status, 200) << accept;
    EXPECT_EQ(res->get_header_value("Content-Type").rfind("application/json", 0), 0u);
    EXPECT_EQ(res->get_header_value("Access-Control-Allow-Origin"), "*");
    json c = json::parse(res->body);
    std::string auth = publicBase() + "/" + instance + "/auth";
    EXPECT_EQ(c["token_endpoint"], auth + "/token");
    EXPECT_EQ(c["jwks_uri"], auth + "/jwks");
    EXPECT_EQ(c["introspection_endpoint"], auth + "/introspect");
    EXPECT_EQ(c["authorization_endpoint"], auth + "/authorize");
    EXPECT_EQ(c["issuer"], auth);
    EXPECT_EQ(c["grant_types_supported"], json::array({"authorization_code", "client_credentials", "refresh_token"}));
    EXPECT_EQ(c["token_endpoint_auth_methods_supported"],
              json::array({"client_secret_basic", "client_secret_post", "private_key_jwt"}));
    EXPECT_EQ(c["token_endpoint_auth_signing_alg_values_supported"], json::array({"RS384", "ES384"}));
    EXPECT_EQ(c["code_challenge_methods_supported"], json::array({"S256"}));
    auto caps = c["capabilities"];
    for (const char* cap : {"launch-standalone", "client-public", "client-confidential-symmetric",
                            "client-confidential-asymmetric", "sso-openid-connect", "context-standalone-patient",
                            "permission-offline", "permission-patient", "authorize-post", "permission-v2",
                            "permission-v1", "launch-ehr", "context-ehr-patient", "context-ehr-encounter",
                            "context-banner", "context-style"})
      EXPECT_NE(std::find(caps.begin(), caps.end(), cap), caps.end()) << cap;
    // Not advertised until implemented.
    for (const char* cap : {"permission-online", "context-standalone-encounter"})
      EXPECT_EQ(std::find(caps.begin(), caps.end(), cap), caps.end()) << cap;
  }
  auto post = client().Post("/" + instance + "/fhir/.well-known/smart-configuration", "", "application/json");
  EXPECT_EQ(post->status, 405);
}

TEST(SmartDiscovery, TheCapabilityStatementDeclaresSmartAndItsEndpoints) {
  std::string instance = securedInstance("cs");
  auto res = client().Get("/" + instance + "/fhir/metadata");
  ASSERT_EQ(res->status, 200);
  json security = json::parse(res->body)["rest"][0]["security"];
  EXPECT_EQ(security["service"][0]["coding"][0]["system"], "http://terminology.hl7.org/CodeSystem/restful-security-service");
  EXPECT_EQ(security["service"][0]["coding"][0]["code"], "SMART-on-FHIR");
  EXPECT_EQ(security["cors"], true);
  ASSERT_EQ(security["extension"][0]["url"], "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris");
  std::map<std::string, std::string> uris;
  for (const auto& e : security["extension"][0]["extension"]) uris[e["url"]] = e["valueUri"];
  const std::string auth = publicBase() + "/" + instance + "/auth";
  EXPECT_EQ(uris["authorize"], auth + "/authorize");
  EXPECT_EQ(uris["token"], auth + "/token");
  EXPECT_EQ(uris["revoke"], auth + "/revoke");
  EXPECT_EQ(uris["manage"], auth + "/manage");
  // An open-access instance claims no security service.
  auto open = json::parse(client().Get("/" + createInstance("cs-open") + "/fhir/metadata")->body);
  EXPECT_FALSE(open["rest"][0].contains("security"));
}

TEST(SmartDiscovery, BrowserAppsMayCallTheApiAndTokenEndpointsFromAnyOrigin) {
  std::string instance = securedInstance("cors");
  for (const std::string& path : {"/" + instance + "/fhir/Patient/1", "/" + instance + "/auth/token"}) {
    std::string answer = rawExchange(sharedServer().port(),
                                     "OPTIONS " + path + " HTTP/1.1\r\nHost: x\r\nOrigin: https://app.example\r\n"
                                     "Access-Control-Request-Method: GET\r\nAccess-Control-Request-Headers: authorization\r\n"
                                     "Connection: close\r\n\r\n");
    EXPECT_EQ(answer.rfind("HTTP/1.1 204", 0), 0u) << answer;
    EXPECT_NE(answer.find("Access-Control-Allow-Origin: *"), std::string::npos) << answer;
    EXPECT_NE(answer.find("Authorization"), std::string::npos) << answer;
  }
  auto api = client().Get("/" + instance + "/fhir/Patient", {{"Origin", "https://app.example"}});
  EXPECT_EQ(api->status, 401);
  EXPECT_EQ(api->get_header_value_count("Access-Control-Allow-Origin"), 1u);
  // The sign-in pages are for navigation only: no script of another origin may read them.
  auto page = client().Get("/" + instance + "/auth/authorize?client_id=x", {{"Origin", "https://app.example"}});
  EXPECT_FALSE(page->has_header("Access-Control-Allow-Origin"));
}

TEST(SmartDiscovery, JwksPublishesTheInstancesRsaSigningKey) {
  std::string a = securedInstance("jwks"), b = securedInstance("jwks");
  auto res = client().Get("/" + a + "/auth/jwks");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200);
  json keys = json::parse(res->body)["keys"];
  ASSERT_EQ(keys.size(), 1u);
  EXPECT_EQ(keys[0]["kty"], "RSA");
  EXPECT_EQ(keys[0]["alg"], "RS256");
  EXPECT_EQ(keys[0]["use"], "sig");
  EXPECT_FALSE(keys[0]["kid"].get<std::string>().empty());
  EXPECT_FALSE(keys[0].contains("d"));  // never the private part
  EXPECT_EQ(json::parse(client().Get("/" + a + "/auth/jwks")->body), json::parse(res->body));  // stable
  auto other = json::parse(client().Get("/" + b + "/auth/jwks")->body)["keys"];
  EXPECT_NE(other[0]["n"], keys[0]["n"]);  // each instance has its own keys
}

TEST(SmartAuthorization, TheFhirApiNeedsATokenButMetadataStaysPublic) {
  std::string instance = securedInstance("authn");
  auto none = client().Get("/" + instance + "/fhir/Patient");
  ASSERT_TRUE(none);
  EXPECT_EQ(none->status, 401);
  EXPECT_EQ(json::parse(none->body)["resourceType"], "OperationOutcome");
  EXPECT_EQ(none->get_header_value("WWW-Authenticate").find("error="), std::string::npos);
  EXPECT_EQ(none->get_header_value("WWW-Authenticate").rfind("Bearer realm=", 0), 0u);

  for (const std::string& header : {std::string("Bearer not-a-token"), std::string("Basic dXNlcjpwYXNz"),
                                    std::string("Bearer a.b.c"), std::string("Bearer ")}) {
    auto bad = client().Get("/" + instance + "/fhir/Patient/123", {{"Authorization", header}});
    ASSERT_TRUE(bad);
    EXPECT_EQ(bad->status, 401) << header;
  }
  auto bad = client().Get("/" + instance + "/fhir/Patient", {{"Authorization", "Bearer nope"}});
  EXPECT_NE(bad->get_header_value("WWW-Authenticate").find("error=\"invalid_token\""), std::string::npos);

  auto metadata = client().Get("/" + instance + "/fhir/metadata", {{"Origin", "https://app.example"}});
  ASSERT_TRUE(metadata);
  EXPECT_EQ(metadata->status, 200);
  EXPECT_EQ(metadata->get_header_value("Access-Control-Allow-Origin"), "*");
}

TEST(SmartBackendServices, Rs384AndEs384AssertionsGetShortLivedTokens) {
  Backend b;
  for (auto [key, alg] : {std::pair{&b.rsa, "RS384"}, std::pair{&b.ec, "ES384"}}) {
    auto res = requestToken(b.instance, clientAssertion(*key, alg, b.clientId, tokenUrl(b.instance)),
                            "system/Patient.rs system/Observation.rs");
    ASSERT_TRUE(res);
    ASSERT_EQ(res->status, 200) << alg << ": " << res->body;
    EXPECT_EQ(res->get_header_value("Cache-Control"), "no-store");
    EXPECT_EQ(res->get_header_value("Pragma"), "no-cache");
    json body = json::parse(res->body);
    EXPECT_FALSE(body["access_token"].get<std::string>().empty());
    EXPECT_EQ(body["token_type"], "bearer");
    EXPECT_TRUE(body["expires_in"].is_number());
    EXPECT_LE(body["expires_in"].get<int>(), 300);
    EXPECT_GT(body["expires_in"].get<int>(), 0);
    EXPECT_EQ(body["scope"], "system/Patient.rs system/Observation.rs");
    EXPECT_FALSE(body.contains("refresh_token"));
    auto search = client().Get("/" + b.instance + "/fhir/Patient", bearer(body["access_token"]));
    ASSERT_TRUE(search);
    EXPECT_EQ(search->status, 200) << search->body;
  }
}

TEST(SmartBackendServices, GrantedScopeIsTheRequestWithinThePreAuthorisedCeiling) {
  Backend b("system/Patient.rs system/Observation.read");
  auto granted = [&](const std::string& scope) {
    auto res = requestToken(b.instance, clientAssertion(b.rsa, "RS384", b.clientId, tokenUrl(b.instance)), scope);
    return std::pair{res->status, json::parse(res->body)};
  };
  EXPECT_EQ(granted("system/*.rs").second["scope"], "system/Patient.rs system/Observation.rs");
  // v1 asked, v1 answered.
  EXPECT_EQ(granted("system/*.read").second["scope"], "system/Patient.read system/Observation.read");
  EXPECT_EQ(granted("system/Patient.cruds").second["scope"], "system/Patient.rs");
  EXPECT_EQ(granted("system/Observation.read system/Encounter.read").second["scope"], "system/Observation.read");
  auto [status, body] = granted("system/Encounter.rs");
  EXPECT_EQ(status, 400);
  EXPECT_EQ(body["error"], "invalid_scope");
  EXPECT_EQ(granted("patient/Patient.rs").first, 400);
  EXPECT_EQ(granted("").first, 400);
}

TEST(SmartBackendServices, EveryBadAssertionIsInvalidClient) {
  Backend b;
  const std::string url = tokenUrl(b.instance);
  const std::string scope = "system/Patient.rs";
  auto claims = [&](int64_t exp) {
    return json{{"iss", b.clientId}, {"sub", b.clientId}, {"aud", url}, {"exp", exp},
                {"jti", base64Url(std::to_string(std::rand()) + std::to_string(now()))}};
  };
  json header = {{"alg", "RS384"}, {"kid", "rsa-1"}, {"typ", "JWT"}};
  ClientKey stranger("RSA", "rsa-1");
  ClientKey strangerEc("P-384", "ec-1");
  ClientKey p256("P-256", "p256");

  struct Case {
    std::string name;
    std::string assertion;
  };
  json wrongIss = claims(now() + 120);
  wrongIss["iss"] = "someone-else";
  json wrongAud = claims(now() + 120);
  wrongAud["aud"] = publicBase() + "/" + b.instance + "/fhir";
  json noJti = claims(now() + 120);
  noJti.erase("jti");
  json unknownClient = claims(now() + 120);
  unknownClient["iss"] = unknownClient["sub"] = "no-such-client";
  json noKid = {{"alg", "RS384"}, {"typ", "JWT"}};
  json withJku = header;
  withJku["jku"] = "https://attacker.example/jwks.json";
  json ecHeaderRsaKey = {{"alg", "ES384"}, {"kid", "rsa-1"}, {"typ", "JWT"}};
  json rs256 = {{"alg", "RS256"}, {"kid", "rsa-1"}, {"typ", "JWT"}};
  json unknownKid = {{"alg", "RS384"}, {"kid", "rsa-2"}, {"typ", "JWT"}};
  std::string unsignedToken =
      base64Url(R"({"alg":"none","kid":"rsa-1","typ":"JWT"})") + "." + base64Url(claims(now() + 120).dump()) + ".";
  std::string valid = b.rsa.sign(header, claims(now() + 120), "RS384");
  std::string flipped = valid;
  flipped[flipped.size() - 5] = flipped[flipped.size() - 5] == 'A' ? 'B' : 'A';

  std::vector<Case> cases = {
      {"garbage", "not-a-jwt"},
      {"two parts", "e30.e30"},
      {"unsigned (alg none)", unsignedToken},
      {"signed by another key with the same kid", stranger.sign(header, claims(now() + 120), "RS384")},
      {"ES384 signed by another key", strangerEc.sign({{"alg", "ES384"}, {"kid", "ec-1"}}, claims(now() + 120), "ES384")},
      {"tampered signature", flipped},
      {"expired", b.rsa.sign(header, claims(now() - 120), "RS384")},
      {"exp more than five minutes ahead", b.rsa.sign(header, claims(now() + 900), "RS384")},
      {"aud is not the token endpoint", b.rsa.sign(header, wrongAud, "RS384")},
      {"iss differs from sub", b.rsa.sign(header, wrongIss, "RS384")},
      {"no jti", b.rsa.sign(header, noJti, "RS384")},
      {"unknown client", b.rsa.sign(header, unknownClient, "RS384")},
      {"no kid", b.rsa.sign(noKid, claims(now() + 120), "RS384")},
      {"unknown kid", b.rsa.sign(unknownKid, claims(now() + 120), "RS384")},
      {"jku not registered", b.rsa.sign(withJku, claims(now() + 120), "RS384")},
      {"RS256 is not accepted", b.rsa.sign(rs256, claims(now() + 120), "RS256")},
      {"ES384 header naming the RSA key", p256.sign(ecHeaderRsaKey, claims(now() + 120), "ES256")},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    expectOAuthError(requestToken(b.instance, c.assertion, scope), 401, "invalid_client");
  }
  EXPECT_TRUE(sharedServer().alive());
}

TEST(SmartBackendServices, AnAssertionWorksOnceOnly) {
  Backend b;
  std::string assertion = clientAssertion(b.ec, "ES384", b.clientId, tokenUrl(b.instance));
  auto first = requestToken(b.instance, assertion, "system/Patient.rs");
  ASSERT_EQ(first->status, 200) << first->body;
  expectOAuthError(requestToken(b.instance, assertion, "system/Patient.rs"), 401, "invalid_client");
}

TEST(SmartBackendServices, MalformedTokenRequestsGetTheRightOAuthErrors) {
  Backend b;
  std::string assertion = clientAssertion(b.rsa, "RS384", b.clientId, tokenUrl(b.instance));
  // BSA-01: exactly 400.
  expectOAuthError(postToken(b.instance, {{"grant_type", "not_a_grant_type"},
                                          {"client_assertion_type", kAssertionType},
                                          {"client_assertion", assertion},
                                          {"scope", "system/Patient.rs"}}),
                   400, "unsupported_grant_type");
  expectOAuthError(postToken(b.instance, {{"grant_type", "client_credentials"},
                                          {"client_assertion_type", "not_an_assertion_type"},
                                          {"client_assertion", assertion},
                                          {"scope", "system/Patient.rs"}}),
                   401, "invalid_client");
  expectOAuthError(postToken(b.instance, {{"grant_type", "client_credentials"}, {"scope", "system/Patient.rs"}}), 401,
                   "invalid_client");
  expectOAuthError(postToken(b.instance, {{"scope", "system/Patient.rs"}}), 400, "invalid_request");
  expectOAuthError(postToken(b.instance, {{"grant_type", "client_credentials"}, {"grant_type", "client_credentials"}}),
                   400, "invalid_request");
  auto json = client().Post("/" + b.instance + "/auth/token", R"({"grant_type":"client_credentials"})",
                            "application/json");
  expectOAuthError(json, 400, "invalid_request");
  auto get = client().Get("/" + b.instance + "/auth/token");
  ASSERT_TRUE(get);
  EXPECT_EQ(get->status, 405);
  auto unknown = client().Get("/" + b.instance + "/auth/nothing-here");
  EXPECT_EQ(unknown->status, 404);
}

TEST(SmartBackendServices, ADisabledClientGetsNoToken) {
  Backend b;
  ASSERT_EQ(client().Post("/admin/instances/" + b.instance + "/clients/" + b.clientId + "/disable", admin(), "",
                          "application/json")->status,
            200);
  expectOAuthError(requestToken(b.instance, clientAssertion(b.rsa, "RS384", b.clientId, tokenUrl(b.instance)),
                                "system/Patient.rs"),
                   401, "invalid_client");
  ASSERT_EQ(client().Post("/admin/instances/" + b.instance + "/clients/" + b.clientId + "/enable", admin(), "",
                          "application/json")->status,
            200);
  EXPECT_EQ(requestToken(b.instance, clientAssertion(b.rsa, "RS384", b.clientId, tokenUrl(b.instance)),
                         "system/Patient.rs")->status,
            200);
}

TEST(SmartRevocation, DisablingAClientStopsItsTokensOnEveryServerWithinASecond) {
  Backend b;
  FlintServer second;
  std::string token = b.token("system/Patient.rs");
  const std::string path = "/" + b.instance + "/fhir/Patient";
  auto c2 = client(second);
  ASSERT_EQ(client().Get(path, bearer(token))->status, 200);
  ASSERT_EQ(c2.Get(path, bearer(token))->status, 200);  // the second process caches it too
  ASSERT_EQ(client().Post("/admin/instances/" + b.instance + "/clients/" + b.clientId + "/disable", admin(), "",
                          "application/json")->status,
            200);
  EXPECT_EQ(client().Get(path, bearer(token))->status, 401);  // the process that disabled it: at once
  // The other process follows the revocation log every 200 ms: a second, with some slack for a
  // loaded two-core test machine.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(1500);
  int status = 200;
  while (status != 401 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    status = c2.Get(path, bearer(token))->status;
  }
  EXPECT_EQ(status, 401);
  // Enabling the client again does not bring old tokens back.
  ASSERT_EQ(client().Post("/admin/instances/" + b.instance + "/clients/" + b.clientId + "/enable", admin(), "",
                          "application/json")->status,
            200);
  EXPECT_EQ(client().Get(path, bearer(token))->status, 401);
}

TEST(SmartKeys, RotationKeepsOldTokensWorkingAndOtherProcessesFollow) {
  Backend b;
  std::string before = b.token("system/Patient.rs");
  auto jwksBefore = json::parse(client().Get("/" + b.instance + "/auth/jwks")->body)["keys"];
  ASSERT_EQ(jwksBefore.size(), 1u);
  std::string out;
  ASSERT_EQ(runFlint({"keys", "rotate", "--instance", b.instance}, &out), 0) << out;
  // A process started now signs with the new keys and still publishes the old one.
  FlintServer fresh;
  auto c2 = client(fresh);
  auto jwksAfter = json::parse(c2.Get("/" + b.instance + "/auth/jwks")->body)["keys"];
  ASSERT_EQ(jwksAfter.size(), 2u);
  EXPECT_TRUE(jwksAfter[0]["kid"] == jwksBefore[0]["kid"] || jwksAfter[1]["kid"] == jwksBefore[0]["kid"]);
  auto res = c2.Post("/" + b.instance + "/auth/token",
                     formEncode({{"grant_type", "client_credentials"}, {"client_assertion_type", kAssertionType},
                                 {"client_assertion", clientAssertion(b.rsa, "RS384", b.clientId,
                                                                      fresh.baseUrl() + "/" + b.instance + "/auth/token")},
                                 {"scope", "system/Patient.rs"}}),
                     "application/x-www-form-urlencoded");
  ASSERT_EQ(res->status, 200) << res->body;
  std::string after = json::parse(res->body)["access_token"];
  EXPECT_NE(jwtPart(after, 0)["kid"], jwtPart(before, 0)["kid"]);
  const std::string path = "/" + b.instance + "/fhir/Patient";
  EXPECT_EQ(c2.Get(path, bearer(before))->status, 200);
  // The first process has not loaded the new key yet: an unknown kid makes it look.
  EXPECT_EQ(client().Get(path, bearer(after))->status, 200);
  EXPECT_EQ(client().Get(path, bearer(before))->status, 200);
  EXPECT_EQ(runFlint({"keys", "rotate"}, &out), 2);
}

// RFC 7009 revocation of `subject` by the client `who`, authenticated with its signed assertion.
httplib::Result revoke(const Backend& who, const std::string& subject) {
  std::string assertion = clientAssertion(who.rsa, "RS384", who.clientId, tokenUrl(who.instance));
  return client().Post("/" + who.instance + "/auth/revoke",
                       formEncode({{"token", subject}, {"client_assertion_type", kAssertionType},
                                   {"client_assertion", assertion}}),
                       "application/x-www-form-urlencoded");
}

TEST(SmartRevocation, AClientRevokesItsOwnTokens) {
  Backend a, other;
  std::string token = a.token("system/Patient.rs");
  // Another instance's client knows nothing of this token: fine, nothing happens.
  EXPECT_EQ(revoke(other, token)->status, 200);
  EXPECT_EQ(client().Get("/" + a.instance + "/fhir/Patient", bearer(token))->status, 200);
  // Another client of the same instance may not revoke it.
  std::string sibling = backendClient(a.instance, {{"keys", {a.ec.publicJwk("ES384")}}}, "system/*.rs");
  auto foreign = client().Post("/" + a.instance + "/auth/revoke",
                               formEncode({{"token", token},
                                           {"client_assertion_type", kAssertionType},
                                           {"client_assertion", clientAssertion(a.ec, "ES384", sibling, tokenUrl(a.instance))}}),
                               "application/x-www-form-urlencoded");
  expectOAuthError(foreign, 400, "unauthorized_client");
  EXPECT_EQ(client().Get("/" + a.instance + "/fhir/Patient", bearer(token))->status, 200);

  auto unauthenticated = client().Post("/" + a.instance + "/auth/revoke", formEncode({{"token", token}}),
                                       "application/x-www-form-urlencoded");
  expectOAuthError(unauthenticated, 401, "invalid_client");
  auto badBasic = client().Post("/" + a.instance + "/auth/revoke",
                                httplib::Headers{httplib::make_basic_authentication_header(a.clientId, "wrong")},
                                formEncode({{"token", token}}), "application/x-www-form-urlencoded");
  expectOAuthError(badBasic, 401, "invalid_client");
  EXPECT_NE(badBasic->get_header_value("WWW-Authenticate").find("Basic"), std::string::npos);

  ASSERT_EQ(revoke(a, token)->status, 200);
  EXPECT_EQ(client().Get("/" + a.instance + "/fhir/Patient", bearer(token))->status, 401);
  EXPECT_EQ(revoke(a, "not-a-token")->status, 200);
  // Other tokens of the same client live on.
  EXPECT_EQ(client().Get("/" + a.instance + "/fhir/Patient", bearer(a.token("system/Patient.rs")))->status, 200);
}

// Revocation numbers are handed out at insert but become visible at commit. Two revocations, the
// lower-numbered committed last: a process following the log by number has already read past it
// when it appears, and would honour that token for good.
TEST(SmartRevocation, ARevocationCommittedAfterALaterOneReachesEveryProcess) {
  Backend a;
  const std::string first = a.token("system/Patient.rs"), second = a.token("system/Patient.rs");
  FlintServer follower;
  auto elsewhere = client(follower);
  const std::string path = "/" + a.instance + "/fhir/Patient?_count=1";
  ASSERT_EQ(elsewhere.Get(path, bearer(first))->status, 200);
  ASSERT_EQ(elsewhere.Get(path, bearer(second))->status, 200);
  // Each process reads the log on its own schedule, so each is given time to catch up.
  auto rejectedWithin = [&](httplib::Client& by, const std::string& token, std::chrono::milliseconds limit) {
    for (auto until = std::chrono::steady_clock::now() + limit; std::chrono::steady_clock::now() < until;) {
      if (by.Get(path, bearer(token))->status == 401) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  };

  // The first revocation takes its number and stays uncommitted, as a slow writer's would...
  pqxx::connection conn(databaseUrl());
  pqxx::work slow(conn);
  slow.exec_params0(
      "INSERT INTO flint.revocations (instance_id, kind, subject, expires_at)"
      " SELECT id, 'token', $2, now() + interval '1 hour' FROM flint.instances WHERE name = $1",
      a.instance, jwtPart(first, 1)["jti"].get<std::string>());
  // ...while the second, numbered after it, commits through the shared server and reaches the
  // follower.
  ASSERT_EQ(revoke(a, second)->status, 200);
  ASSERT_TRUE(rejectedWithin(elsewhere, second, std::chrono::seconds(3)));
  EXPECT_EQ(elsewhere.Get(path, bearer(first))->status, 200);

  slow.commit();
  EXPECT_TRUE(rejectedWithin(elsewhere, first, std::chrono::seconds(3)));
  auto shared = client();
  EXPECT_TRUE(rejectedWithin(shared, first, std::chrono::seconds(3)));
}

// An open-access instance needs no token, but a token presented there is honoured: its caller
// gets exactly what the token grants (developers test their apps' scope handling on such
// instances), on every path, and a bad token is refused rather than ignored.
TEST(SmartScopes, ATokenPresentedToAnOpenInstanceGrantsOnlyItsScopes) {
  const std::string instance = createInstance("open-token");
  ClientKey key{"RSA", "open-1"};
  const std::string clientId = backendClient(instance, {{"keys", {key.publicJwk("RS384")}}}, "system/*.cruds");
  auto issued = requestToken(instance, clientAssertion(key, "RS384", clientId, tokenUrl(instance)), "system/Patient.rs");
  ASSERT_EQ(issued->status, 200) << issued->body;
  const std::string token = json::parse(issued->body)["access_token"];
  const std::string base = "/" + instance + "/fhir";
  auto created = client().Post(base + "/Observation", R"({"resourceType":"Observation","status":"final","code":{"text":"x"}})",
                               "application/fhir+json");
  ASSERT_EQ(created->status, 201);
  const std::string observation = base + "/Observation/" + std::string(json::parse(created->body)["id"]);

  EXPECT_EQ(client().Get(base + "/Observation")->status, 200);  // anonymous: open
  EXPECT_EQ(client().Get(observation)->status, 200);
  EXPECT_EQ(client().Get(base + "/Patient", bearer(token))->status, 200);
  EXPECT_EQ(client().Get(base + "/Observation", bearer(token))->status, 403);
  EXPECT_EQ(client().Get(observation, bearer(token))->status, 403);  // a read by id, answered by the reactor
  EXPECT_EQ(client().Post(base + "/Patient", bearer(token), R"({"resourceType":"Patient"})", "application/fhir+json")->status,
            403);
  EXPECT_EQ(client().Get(base + "/$export?_type=Observation", {{"Authorization", "Bearer " + token},
                                                                {"Prefer", "respond-async"}})
                ->status,
            403);
  auto forged = client().Get(base + "/Observation", bearer("not-a-token"));
  EXPECT_EQ(forged->status, 401);
  EXPECT_NE(forged->get_header_value("WWW-Authenticate").find("invalid_token"), std::string::npos);
  EXPECT_EQ(client().Get(observation, bearer("not-a-token"))->status, 401);
}

TEST(SmartScopes, EachInteractionNeedsItsPermission) {
  Backend b("system/*.rs system/Patient.cruds");
  std::string writer = b.token("system/Patient.cruds system/Observation.rs");
  std::string reader = b.token("system/Patient.rs");
  const std::string base = "/" + b.instance + "/fhir";
  auto c = client();
  auto created = c.Post(base + "/Patient", bearer(writer), R"({"resourceType":"Patient","active":true})",
                        "application/fhir+json");
  ASSERT_EQ(created->status, 201) << created->body;
  std::string id = json::parse(created->body)["id"];
  EXPECT_EQ(c.Get(base + "/Patient/" + id, bearer(reader))->status, 200);
  EXPECT_EQ(c.Get(base + "/Patient/" + id + "/_history/1", bearer(reader))->status, 200);
  EXPECT_EQ(c.Get(base + "/Patient?_id=" + id, bearer(reader))->status, 200);

  auto forbidden = [&](httplib::Result res, const std::string& what) {
    ASSERT_TRUE(res) << what;
    EXPECT_EQ(res->status, 403) << what << ": " << res->body;
    EXPECT_EQ(json::parse(res->body)["resourceType"], "OperationOutcome") << what;
  };
  forbidden(c.Post(base + "/Patient", bearer(reader), R"({"resourceType":"Patient"})", "application/fhir+json"),
            "create without c");
  forbidden(c.Put(base + "/Patient/" + id, bearer(reader), R"({"resourceType":"Patient","id":")" + id + "\"}",
                  "application/fhir+json"),
            "update without u");
  forbidden(c.Delete(base + "/Patient/" + id, bearer(reader)), "delete without d");
  forbidden(c.Get(base + "/Encounter", bearer(reader)), "search of an ungranted type");
  forbidden(c.Get(base + "/Observation/x", bearer(reader)), "read of an ungranted type");
  forbidden(c.Post(base + "/Observation", bearer(writer),
                   R"({"resourceType":"Observation","status":"final","code":{"text":"x"}})", "application/fhir+json"),
            "create with only rs");
  forbidden(c.Get(base + "?_type=Patient,Encounter", bearer(reader)), "system search over an ungranted type");
  forbidden(c.Get(base + "/_history", bearer(reader)), "system history without every type");
  EXPECT_EQ(c.Get(base + "?_type=Patient", bearer(reader))->status, 200);
  // Conditional create searches first: it needs s as well as c.
  std::string createOnly = b.token("system/Patient.c");
  auto conditional = c.Post(base + "/Patient", {{"Authorization", "Bearer " + createOnly}, {"If-None-Exist", "active=true"}},
                            R"({"resourceType":"Patient"})", "application/fhir+json");
  EXPECT_EQ(conditional->status, 403) << conditional->body;
  EXPECT_EQ(c.Delete(base + "/Patient/" + id, bearer(writer))->status, 204);
}

// Reads by id that arrive together on one connection are answered as one round by the network
// thread: each is still checked on its own — token, instance, scope.
TEST(SmartScopes, ReadsArrivingTogetherAreEachCheckedOnTheirOwn) {
  Backend a, other;
  const std::string writer = a.token("system/Patient.cruds");
  auto created = client().Post("/" + a.instance + "/fhir/Patient", bearer(writer), R"({"resourceType":"Patient"})",
                               "application/fhir+json");
  ASSERT_EQ(created->status, 201) << created->body;
  const std::string patient = "/" + a.instance + "/fhir/Patient/" + std::string(json::parse(created->body)["id"]);
  const std::string reader = a.token("system/Patient.rs");
  const std::string otherInstance = other.token("system/Patient.rs");
  auto get = [](const std::string& path, const std::string& token) {
    return "GET " + path + " HTTP/1.1\r\nHost: t\r\n" + (token.empty() ? "" : "Authorization: Bearer " + token + "\r\n") +
           "\r\n";
  };
  const std::string out = rawExchange(
      sharedServer().port(),
      get(patient, reader) + get(patient, "") + get(patient, "not-a-token") + get(patient, otherInstance) +
          get("/" + a.instance + "/fhir/Observation/x", reader) + get(patient, writer) +
          "GET " + patient + " HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer " + reader + "\r\nConnection: close\r\n\r\n");
  std::vector<int> statuses;
  for (size_t at = out.find("HTTP/1.1 "); at != std::string::npos; at = out.find("HTTP/1.1 ", at + 1))
    statuses.push_back(std::stoi(out.substr(at + 9, 3)));
  EXPECT_EQ(statuses, (std::vector<int>{200, 401, 401, 401, 403, 200, 200})) << out;
}

TEST(SmartScopes, IncludesAndBatchEntriesObeyScopes) {
  Backend b("system/*.cruds");
  std::string all = b.token("system/Patient.cruds system/Observation.cruds");
  std::string observationsOnly = b.token("system/Observation.rs");
  const std::string base = "/" + b.instance + "/fhir";
  auto c = client();
  auto patient = c.Post(base + "/Patient", bearer(all), R"({"resourceType":"Patient"})", "application/fhir+json");
  std::string pid = json::parse(patient->body)["id"];
  auto obs = c.Post(base + "/Observation", bearer(all),
                    R"({"resourceType":"Observation","status":"final","code":{"text":"x"},"subject":{"reference":"Patient/)" +
                        pid + "\"}}",
                    "application/fhir+json");
  ASSERT_EQ(obs->status, 201) << obs->body;

  auto typesIn = [](const std::string& body) {
    std::multiset<std::string> types;
    const json bundle = json::parse(body);
    for (const auto& e : bundle["entry"]) types.insert(e["resource"]["resourceType"].get<std::string>());
    return types;
  };
  const std::string query = base + "/Observation?subject=Patient/" + pid + "&_include=Observation:subject";
  auto full = c.Get(query, bearer(all));
  ASSERT_EQ(full->status, 200);
  EXPECT_EQ(typesIn(full->body), (std::multiset<std::string>{"Observation", "Patient"}));
  auto narrow = c.Get(query, bearer(observationsOnly));
  ASSERT_EQ(narrow->status, 200);
  EXPECT_EQ(typesIn(narrow->body), (std::multiset<std::string>{"Observation"}));
  // A chain searches the type it reaches, so it needs that type's search scope too.
  EXPECT_EQ(c.Get(base + "/Observation?subject:Patient.name=x", bearer(observationsOnly))->status, 403);
  EXPECT_EQ(c.Get(base + "/Observation?subject:Patient.name=x", bearer(all))->status, 200);
  EXPECT_EQ(c.Get(base + "/Patient?_has:Observation:subject:status=final", bearer(b.token("system/Patient.rs")))->status,
            403);
  EXPECT_EQ(c.Get("/" + b.instance + "/fhir?_type=Patient,Practitioner&_has:Observation:subject:status=final",
                  bearer(b.token("system/Patient.rs system/Practitioner.rs")))->status,
            403);
  auto rev = c.Get(base + "/Patient?_id=" + pid + "&_revinclude=Observation:subject", bearer(b.token("system/Patient.rs")));
  EXPECT_EQ(typesIn(rev->body), (std::multiset<std::string>{"Patient"}));

  json batch = {{"resourceType", "Bundle"},
                {"type", "batch"},
                {"entry",
                 {{{"request", {{"method", "GET"}, {"url", "Observation?subject=Patient/" + pid}}}},
                  {{"request", {{"method", "GET"}, {"url", "Patient/" + pid}}}}}}};
  auto batchResponse = c.Post(base, bearer(observationsOnly), batch.dump(), "application/fhir+json");
  ASSERT_EQ(batchResponse->status, 200) << batchResponse->body;
  auto entries = json::parse(batchResponse->body)["entry"];
  EXPECT_EQ(entries[0]["response"]["status"].get<std::string>().substr(0, 3), "200");
  EXPECT_EQ(entries[1]["response"]["status"].get<std::string>().substr(0, 3), "403");

  batch["type"] = "transaction";
  auto transaction = c.Post(base, bearer(observationsOnly), batch.dump(), "application/fhir+json");
  EXPECT_EQ(transaction->status, 403) << transaction->body;
}

TEST(SmartIsolation, TokensAndClientsNeverCrossInstances) {
  Backend a, b;
  std::string tokenA = a.token("system/Patient.rs");
  EXPECT_EQ(client().Get("/" + a.instance + "/fhir/Patient", bearer(tokenA))->status, 200);
  EXPECT_EQ(client().Get("/" + b.instance + "/fhir/Patient", bearer(tokenA))->status, 401);
  // A's client presenting itself at B's token endpoint, with B's audience: unknown there.
  expectOAuthError(requestToken(b.instance, clientAssertion(a.rsa, "RS384", a.clientId, tokenUrl(b.instance)),
                                "system/Patient.rs"),
                   401, "invalid_client");
  // A's assertion (aud = A) replayed at B.
  expectOAuthError(requestToken(b.instance, clientAssertion(b.rsa, "RS384", b.clientId, tokenUrl(a.instance)),
                                "system/Patient.rs"),
                   401, "invalid_client");
}

TEST(SmartIntrospection, ActiveTokensDescribeTheGrantAndOthersAreExactlyInactive) {
  Backend a, b;
  auto issued = requestToken(a.instance, clientAssertion(a.rsa, "RS384", a.clientId, tokenUrl(a.instance)),
                             "system/Patient.rs system/Observation.rs");
  json tokenResponse = json::parse(issued->body);
  std::string token = tokenResponse["access_token"];
  auto introspect = [&](const std::string& instance, const std::string& caller, const std::string& subject) {
    httplib::Headers headers = {{"Accept", "application/json"}};
    if (!caller.empty()) headers.emplace("Authorization", "Bearer " + caller);
    return client().Post("/" + instance + "/auth/introspect", headers, formEncode({{"token", subject}}),
                         "application/x-www-form-urlencoded");
  };
  auto active = introspect(a.instance, token, token);
  ASSERT_EQ(active->status, 200) << active->body;
  json body = json::parse(active->body);
  EXPECT_EQ(body["active"], true);
  EXPECT_EQ(body["client_id"], a.clientId);
  EXPECT_EQ(body["scope"], tokenResponse["scope"]);
  EXPECT_GE(body["exp"].get<int64_t>(), now() + 200);
  EXPECT_LE(body["exp"].get<int64_t>(), now() + 301);
  EXPECT_EQ(active->get_header_value("Cache-Control"), "no-store");

  for (const std::string& other : {std::string("invalid_token_value"), b.token("system/Patient.rs")}) {
    auto inactive = introspect(a.instance, token, other);
    ASSERT_EQ(inactive->status, 200);
    EXPECT_EQ(json::parse(inactive->body), json({{"active", false}}));
  }
  auto anonymous = introspect(a.instance, "", token);
  EXPECT_EQ(anonymous->status, 401);
  auto foreignCaller = introspect(a.instance, b.token("system/Patient.rs"), token);
  EXPECT_EQ(foreignCaller->status, 401);
}

TEST(SmartClients, RegistrationChecksWhatAClientMayBe) {
  std::string instance = securedInstance("reg");
  ClientKey key("RSA", "k");
  ClientKey weak("P-256", "w");
  json jwks = {{"keys", {key.publicJwk()}}};
  auto refused = [&](const json& body, const std::string& why) {
    auto res = registerClient(instance, body);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 400) << why << ": " << res->body;
    EXPECT_EQ(json::parse(res->body)["resourceType"], "OperationOutcome");
  };
  refused({{"name", "B"}, {"type", "backend"}, {"scope", "system/*.rs"}}, "backend without keys");
  refused({{"name", "B"}, {"type", "backend"}, {"scope", "patient/*.rs"}, {"jwks", jwks}}, "backend with patient scope");
  refused({{"name", "B"}, {"type", "backend"}, {"scope", "system/*.rs"}, {"jwks", jwks}, {"redirectUris", {"https://x/cb"}}},
          "backend with redirect URIs");
  refused({{"name", "B"}, {"type", "backend"}, {"scope", "system/*.rs bogus/scope"}, {"jwks", jwks}}, "unknown scope");
  refused({{"name", "B"}, {"type", "backend"}, {"scope", "system/Nonsense.rs"}, {"jwks", jwks}}, "unknown type");
  refused({{"name", "B"}, {"type", "backend"}, {"scope", "system/*.rs"}, {"jwks", {{"keys", {key.publicJwk(), key.publicJwk()}}}}},
          "duplicate kid");
  json offCurve = weak.publicJwk();
  offCurve["y"] = offCurve["x"];
  refused({{"name", "B"}, {"type", "backend"}, {"scope", "system/*.rs"}, {"jwks", {{"keys", {offCurve}}}}}, "bad EC point");
  refused({{"name", "B"}, {"type", "backend"}, {"scope", "system/*.rs"}, {"jwksUrl", "http://example.com/jwks"}},
          "plain http JWKS URL");
  refused({{"name", "A"}, {"type", "public"}, {"scope", "patient/*.rs"}}, "app without redirect URI");
  refused({{"name", "A"}, {"type", "public"}, {"scope", "patient/*.rs"}, {"redirectUris", {"http://app.example/cb"}}},
          "plain http redirect URI");
  refused({{"name", "A"}, {"type", "public"}, {"scope", "system/*.rs"}, {"redirectUris", {"https://app.example/cb"}}},
          "app with system scope");
  refused({{"name", "A"}, {"type", "robot"}, {"scope", "patient/*.rs"}, {"redirectUris", {"https://app.example/cb"}}},
          "unknown type");

  auto symmetric = registerClient(instance, {{"name", "Portal app"},
                                             {"type", "confidential-symmetric"},
                                             {"scope", "launch/patient openid fhirUser patient/*.rs"},
                                             {"redirectUris", {"https://app.example/cb", "http://localhost:3000/cb"}}});
  ASSERT_EQ(symmetric->status, 201) << symmetric->body;
  json created = json::parse(symmetric->body);
  EXPECT_GE(created["clientSecret"].get<std::string>().size(), 40u);
  EXPECT_EQ(symmetric->get_header_value("Cache-Control"), "no-store");
  auto list = client().Get("/admin/instances/" + instance + "/clients", admin());
  ASSERT_EQ(list->status, 200);
  EXPECT_EQ(list->body.find(created["clientSecret"].get<std::string>()), std::string::npos);
  bool listed = false;  // beside it, the platform's patient-directed apps may have clients here
  for (const auto& c : json::parse(list->body)) listed = listed || c["clientId"] == created["clientId"];
  EXPECT_TRUE(listed) << list->body;
  EXPECT_EQ(client().Get("/admin/instances/" + instance + "/clients")->status, 401);
  EXPECT_EQ(client().Get("/admin/instances/no-such-instance/clients", admin())->status, 404);
}

TEST(SmartClients, TheCliRegistersAndListsClients) {
  std::string instance = securedInstance("cli");
  std::string out;
  ASSERT_EQ(runFlint({"client", "create", "--instance", instance, "--name", "Nightly export", "--type", "backend",
                      "--scope", "system/*.read", "--jwks-url", "https://jwks.example/keys.json"},
                     &out),
            0)
      << out;
  EXPECT_NE(out.find("client_id\t"), std::string::npos);
  EXPECT_EQ(out.find("client_secret"), std::string::npos);
  ASSERT_EQ(runFlint({"client", "create", "--instance", instance, "--name", "App", "--type", "confidential-symmetric",
                      "--scope", "patient/*.rs", "--redirect-uri", "https://app.example/cb"},
                     &out),
            0)
      << out;
  EXPECT_NE(out.find("client_secret\t"), std::string::npos);
  ASSERT_EQ(runFlint({"client", "list", "--instance", instance}, &out), 0);
  EXPECT_NE(out.find("backend\tNightly export\tsystem/*.read"), std::string::npos) << out;
  EXPECT_EQ(runFlint({"client", "create", "--instance", instance, "--name", "X", "--type", "backend", "--scope",
                      "system/*.read"},
                     &out),
            1);
  EXPECT_NE(out.find("JWKS"), std::string::npos) << out;
  EXPECT_EQ(runFlint({"client", "list", "--instance", "no-such-instance"}, &out), 1);
  EXPECT_EQ(runFlint({"client"}, &out), 2);
}

// A client's JWKS URL: a small HTTP server whose answer and Cache-Control the test sets.
class JwksServer {
 public:
  JwksServer() {
    server_.Get("/jwks.json", [this](const httplib::Request&, httplib::Response& res) {
      std::lock_guard lock(mutex_);
      ++hits_;
      if (!cacheControl_.empty()) res.set_header("Cache-Control", cacheControl_);
      res.status = status_;
      res.set_content(body_, "application/json");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~JwksServer() {
    server_.stop();
    thread_.join();
  }
  void serve(const json& jwks, const std::string& cacheControl, int status = 200) {
    std::lock_guard lock(mutex_);
    body_ = jwks.dump();
    cacheControl_ = cacheControl;
    status_ = status;
  }
  int hits() {
    std::lock_guard lock(mutex_);
    return hits_;
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/jwks.json"; }

 private:
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  int status_ = 200;
  std::mutex mutex_;
  std::string body_ = "{}";
  std::string cacheControl_;
  int hits_ = 0;
};

// Runs against a process that asks a JWKS URL again for an unknown kid after a second (rather
// than 30 s), so that key rotation is seen within the test.
TEST(SmartBackendServices, JwksUrlIsCachedOnlyAsLongAsItsCacheControlAllows) {
  FlintServer server({"--jwks-refetch-seconds", "1"});
  auto c = client(server);
  JwksServer jwks;
  ClientKey first("P-384", "first");
  ClientKey second("RSA", "second");
  jwks.serve({{"keys", {first.publicJwk("ES384")}}}, "max-age=300");
  std::string instance = securedInstance("jku");
  auto res = registerClient(instance, {{"name", "Exporter"}, {"type", "backend"}, {"scope", "system/*.rs"},
                                       {"jwksUrl", jwks.url()}});
  ASSERT_EQ(res->status, 201) << res->body;
  std::string clientId = json::parse(res->body)["clientId"];
  auto token = [&](const ClientKey& key, const std::string& alg) {
    return c.Post("/" + instance + "/auth/token",
                  formEncode({{"grant_type", "client_credentials"}, {"scope", "system/Patient.rs"},
                              {"client_assertion_type", kAssertionType},
                              {"client_assertion", clientAssertion(key, alg, clientId, server.baseUrl() + "/" + instance + "/auth/token")}}),
                  "application/x-www-form-urlencoded");
  };
  ASSERT_EQ(token(first, "ES384")->status, 200);
  ASSERT_EQ(token(first, "ES384")->status, 200);
  EXPECT_EQ(jwks.hits(), 1);  // cached for its max-age

  // The client rotates: a kid not in the cached set makes Flint ask again, once the interval
  // since the last fetch has passed.
  jwks.serve({{"keys", {first.publicJwk("ES384"), second.publicJwk("RS384")}}}, "no-store");
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  ASSERT_EQ(token(second, "RS384")->status, 200);
  EXPECT_EQ(jwks.hits(), 2);
  // no-store: never kept, so every assertion with a kid the client has fetches.
  ASSERT_EQ(token(second, "RS384")->status, 200);
  EXPECT_EQ(jwks.hits(), 3);

  // Keys withdrawn by the client stop working at once.
  jwks.serve({{"keys", {second.publicJwk("RS384")}}}, "");
  expectOAuthError(token(first, "ES384"), 401, "invalid_client");
  // A JWKS URL that answers garbage is a client failure, never a server error.
  jwks.serve(json::array({1, 2}), "");
  expectOAuthError(token(second, "RS384"), 401, "invalid_client");
}

// Token requests naming kids the client never had, or aimed at a client whose JWKS host is down,
// cannot make Flint hammer that host (default interval: 30 s; failures remembered for 5 s).
TEST(SmartBackendServices, MadeUpKidsCannotMakeFlintHammerAClientsJwksHost) {
  JwksServer jwks;
  ClientKey key("P-384", "real");
  jwks.serve({{"keys", {key.publicJwk("ES384")}}}, "max-age=300");
  std::string instance = securedInstance("jwks-flood");
  auto res = registerClient(instance, {{"name", "Exporter"}, {"type", "backend"}, {"scope", "system/*.rs"},
                                       {"jwksUrl", jwks.url()}});
  ASSERT_EQ(res->status, 201) << res->body;
  const std::string clientId = json::parse(res->body)["clientId"];
  ASSERT_EQ(requestToken(instance, clientAssertion(key, "ES384", clientId, tokenUrl(instance)), "system/Patient.rs")
                ->status,
            200);
  ASSERT_EQ(jwks.hits(), 1);
  for (int i = 0; i < 10; ++i) {
    ClientKey forged("P-384", "made-up-" + std::to_string(i));
    expectOAuthError(
        requestToken(instance, clientAssertion(forged, "ES384", clientId, tokenUrl(instance)), "system/Patient.rs"), 401,
        "invalid_client");
  }
  EXPECT_EQ(jwks.hits(), 1);
  // The real key still works meanwhile.
  EXPECT_EQ(requestToken(instance, clientAssertion(key, "ES384", clientId, tokenUrl(instance)), "system/Patient.rs")
                ->status,
            200);

  // A host that fails is asked once, not once per request.
  JwksServer down;
  down.serve({{"error", "down"}}, "", 503);
  res = registerClient(instance, {{"name", "Down"}, {"type", "backend"}, {"scope", "system/*.rs"},
                                  {"jwksUrl", down.url()}});
  ASSERT_EQ(res->status, 201) << res->body;
  const std::string downId = json::parse(res->body)["clientId"];
  for (int i = 0; i < 5; ++i)
    expectOAuthError(requestToken(instance, clientAssertion(key, "ES384", downId, tokenUrl(instance)), "system/Patient.rs"),
                     401, "invalid_client");
  EXPECT_EQ(down.hits(), 1);
}

}  // namespace
}  // namespace flint::testing
