// SMART standalone launch (checklist §1.1–1.2, §1.6, §2.2–2.6) against a real server, with a
// scripted browser: authorize, login, consent, code exchange with PKCE, id_token, refresh, and
// what patient/ scopes let the app see. Every failure the certification kit probes is here too.
#include <gtest/gtest.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <functional>
#include <regex>
#include <set>

#include "tests/support/flint_server.h"
#include "tests/support/jwt_signer.h"
#include "tests/support/form_browser.h"
#include "tests/support/smart_helpers.h"

namespace flint::testing {
namespace {

const std::string kRedirect = "https://app.example/callback";
const std::string kObservationCategory = "http://terminology.hl7.org/CodeSystem/observation-category";

std::string randomText() {
  unsigned char bytes[32];
  RAND_bytes(bytes, sizeof bytes);
  return base64Url(std::string(reinterpret_cast<char*>(bytes), sizeof bytes));
}

std::string queryParam(const std::string& url, const std::string& name) {
  std::smatch m;
  if (!std::regex_search(url, m, std::regex("[?&]" + name + "=([^&]*)"))) return "";
  return httplib::detail::decode_url(m[1].str(), true);
}

std::string hiddenRequest(const std::string& html) {
  std::smatch m;
  return std::regex_search(html, m, std::regex("name=\"request\" value=\"([^\"]+)\"")) ? m[1].str() : "";
}

using Browser = FormBrowser;

struct App {
  std::string instance;
  std::string clientId;
  std::string secret;
  std::string patientId;
  std::string otherPatientId;
  std::string alicesDoctor;  // referenced from alice's record
  std::string bobsDoctor;    // referenced from bob's only
  std::string fhir() const { return publicBase() + "/" + instance + "/fhir"; }
  std::string auth() const { return "/" + instance + "/auth"; }
};

std::string createAs(const std::string& instance, const std::string& token, const std::string& type, const json& body) {
  auto res = client().Post("/" + instance + "/fhir/" + type, bearer(token), body.dump(), "application/fhir+json");
  if (!res || res->status != 201) throw std::runtime_error("create: " + (res ? res->body : "no response"));
  return json::parse(res->body)["id"];
}

// An instance with two patients and their observations and conditions, a confidential app, a
// public app, a patient login (alice, who may also act for her child) and a staff login.
App setUpPractice(bool patientPortal = true) {
  App app;
  app.instance = securedInstance("launch", patientPortal);
  ClientKey key("RSA", "seed");
  std::string loader = backendClient(app.instance, {{"keys", {key.publicJwk("RS384")}}}, "system/*.cruds");
  auto tokenRes = requestToken(app.instance, clientAssertion(key, "RS384", loader, tokenUrl(app.instance)), "system/*.cruds");
  std::string token = json::parse(tokenRes->body)["access_token"];
  app.patientId = createAs(app.instance, token, "Patient", {{"resourceType", "Patient"}, {"name", {{{"family", "Alice"}}}}});
  app.otherPatientId = createAs(app.instance, token, "Patient", {{"resourceType", "Patient"}, {"name", {{{"family", "Bob"}}}}});
  app.alicesDoctor = createAs(app.instance, token, "Practitioner", {{"resourceType", "Practitioner"}});
  app.bobsDoctor = createAs(app.instance, token, "Practitioner", {{"resourceType", "Practitioner"}});
  for (const auto& [pid, doctor] : {std::pair{app.patientId, app.alicesDoctor}, std::pair{app.otherPatientId, app.bobsDoctor}}) {
    createAs(app.instance, token, "Encounter",
             {{"resourceType", "Encounter"}, {"status", "finished"}, {"class", {{"code", "AMB"}}},
              {"subject", {{"reference", "Patient/" + pid}}},
              {"participant", {{{"individual", {{"reference", "Practitioner/" + doctor}}}}}}});
    for (const char* category : {"laboratory", "vital-signs"})
      createAs(app.instance, token, "Observation",
               {{"resourceType", "Observation"},
                {"status", "final"},
                {"category", {{{"coding", {{{"system", kObservationCategory}, {"code", category}}}}}}},
                {"code", {{"text", category}}},
                {"subject", {{"reference", "Patient/" + pid}}}});
    createAs(app.instance, token, "Condition",
             {{"resourceType", "Condition"}, {"subject", {{"reference", "Patient/" + pid}}}, {"code", {{"text", "x"}}}});
  }
  auto res = registerClient(app.instance, {{"name", "Health Diary"},
                                           {"type", "confidential-symmetric"},
                                           {"redirectUris", {kRedirect}},
                                           {"scope", "launch/patient openid fhirUser offline_access patient/*.rs user/*.rs"}});
  json created = json::parse(res->body);
  app.clientId = created["clientId"];
  app.secret = created["clientSecret"];
  auto users = [&](const json& body) {
    auto r = client().Post("/admin/instances/" + app.instance + "/users", admin(), body.dump(), "application/json");
    if (!r || r->status != 201) throw std::runtime_error("user: " + (r ? r->body : "no response"));
  };
  users({{"username", "alice"}, {"password", "alice-password"}, {"fhirUser", "Patient/" + app.patientId}});
  users({{"username", "dr.who"}, {"password", "doctor-password"}, {"fhirUser", "Practitioner/p1"}});
  return app;
}

std::vector<std::pair<std::string, std::string>> authorizeParams(const App& app, const std::string& scope,
                                                                 const std::string& challenge,
                                                                 const std::string& state = "st-123") {
  return {{"response_type", "code"},  {"client_id", app.clientId},       {"redirect_uri", kRedirect},
          {"scope", scope},           {"state", state},                  {"aud", app.fhir()},
          {"code_challenge", challenge}, {"code_challenge_method", "S256"}, {"nonce", "n-42"}};
}

std::string authorizePath(const App& app, const std::vector<std::pair<std::string, std::string>>& params) {
  return app.auth() + "/authorize?" + formEncode(params);
}

// Walks the browser through login and consent; returns the redirect's Location.
std::string launch(const App& app, Browser& browser, const std::string& scope, const std::string& verifier,
                   const std::vector<std::string>& untick = {}, bool offline = true,
                   const std::string& username = "alice", const std::string& password = "alice-password") {
  auto page = browser.get(authorizePath(app, authorizeParams(app, scope, s256(verifier))));
  if (!page || page->status != 200) throw std::runtime_error("authorize: " + (page ? page->body : "no response"));
  std::string request = hiddenRequest(page->body);
  if (page->body.find("name=\"password\"") != std::string::npos) {
    page = browser.post(app.auth() + "/login", {{"request", request}, {"username", username}, {"password", password}});
    if (!page || page->status != 200) throw std::runtime_error("login: " + (page ? page->body : "no response"));
  }
  std::vector<std::pair<std::string, std::string>> form = {{"request", request}, {"decision", "allow"}};
  std::regex box("name=\"scope\" value=\"([^\"]+)\"");
  for (auto it = std::sregex_iterator(page->body.begin(), page->body.end(), box); it != std::sregex_iterator(); ++it) {
    std::string value = httplib::detail::decode_url((*it)[1].str(), false);
    if (std::find(untick.begin(), untick.end(), value) == untick.end()) form.emplace_back("scope", value);
  }
  if (offline) form.emplace_back("offline", "yes");
  auto done = browser.post(app.auth() + "/consent", form);
  if (!done || done->status != 302) throw std::runtime_error("consent: " + (done ? done->body : "no response"));
  return done->get_header_value("Location");
}

// Opens the authorization page and signs alice in: the pending request and the consent page.
std::pair<std::string, httplib::Result> signInToConsent(const App& app, Browser& browser, const std::string& scope,
                                                        const std::string& verifier) {
  auto page = browser.get(authorizePath(app, authorizeParams(app, scope, s256(verifier))));
  std::string request = hiddenRequest(page->body);
  return {request, browser.post(app.auth() + "/login",
                                {{"request", request}, {"username", "alice"}, {"password", "alice-password"}})};
}

httplib::Result exchange(const App& app, const std::string& code, const std::string& verifier,
                         const std::string& secret = "") {
  return client().Post(app.auth() + "/token",
                       httplib::Headers{httplib::make_basic_authentication_header(app.clientId, secret.empty() ? app.secret : secret)},
                       formEncode({{"grant_type", "authorization_code"}, {"code", code}, {"redirect_uri", kRedirect},
                                   {"code_verifier", verifier}}),
                       "application/x-www-form-urlencoded");
}

const std::string kScope = "launch/patient openid fhirUser offline_access patient/Patient.rs patient/Observation.rs patient/Condition.rs";

TEST(SmartAppLaunch, StandalonePatientLaunchEndToEnd) {
  App app = setUpPractice();
  Browser browser;
  std::string verifier = randomText();
  std::string location = launch(app, browser, kScope, verifier, {"patient/Condition.rs"});
  ASSERT_EQ(location.rfind(kRedirect + "?", 0), 0u) << location;
  EXPECT_EQ(queryParam(location, "state"), "st-123");
  std::string code = queryParam(location, "code");
  ASSERT_FALSE(code.empty());

  auto res = exchange(app, code, verifier);
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  EXPECT_EQ(res->get_header_value("Cache-Control"), "no-store");
  EXPECT_EQ(res->get_header_value("Pragma"), "no-cache");
  json body = json::parse(res->body);
  EXPECT_EQ(body["token_type"], "Bearer");
  EXPECT_TRUE(body["expires_in"].is_number());
  EXPECT_LE(body["expires_in"].get<int>(), 3600);
  EXPECT_EQ(body["scope"], "launch/patient openid fhirUser offline_access patient/Patient.rs patient/Observation.rs");
  EXPECT_EQ(body["patient"], app.patientId);
  EXPECT_TRUE(body["refresh_token"].is_string());
  std::string access = body["access_token"];

  // id_token: RS256 by a key of the issuer's JWKS, with the claims OIDC and SMART require.
  std::string idToken = body["id_token"];
  json header = jwtPart(idToken, 0), claims = jwtPart(idToken, 1);
  EXPECT_EQ(header["alg"], "RS256");
  std::string issuer = claims["iss"];
  EXPECT_EQ(issuer, publicBase() + app.auth());
  auto config = client().Get(issuer.substr(publicBase().size()) + "/.well-known/openid-configuration");
  ASSERT_EQ(config->status, 200);
  json oidc = json::parse(config->body);
  EXPECT_EQ(oidc["issuer"], issuer);
  auto jwks = json::parse(client().Get(std::string(oidc["jwks_uri"]).substr(publicBase().size()))->body);
  json key;
  for (const auto& k : jwks["keys"])
    if (k["kid"] == header["kid"]) key = k;
  ASSERT_FALSE(key.is_null());
  EXPECT_TRUE(verifyRs256(key, idToken));
  std::string tampered = idToken;
  tampered[tampered.find('.') + 5] ^= 1;
  EXPECT_FALSE(verifyRs256(key, tampered));
  EXPECT_EQ(claims["aud"], app.clientId);
  EXPECT_EQ(claims["nonce"], "n-42");
  EXPECT_FALSE(claims["sub"].get<std::string>().empty());
  EXPECT_GT(claims["exp"].get<int64_t>(), now());
  EXPECT_EQ(claims["fhirUser"], app.fhir() + "/Patient/" + app.patientId);

  // What the token opens: the patient's own record, and nothing of anyone else's.
  auto c = client();
  const std::string base = "/" + app.instance + "/fhir";
  EXPECT_EQ(c.Get(base + "/Patient/" + app.patientId, bearer(access))->status, 200);
  EXPECT_EQ(c.Get(base + "/Patient/" + app.otherPatientId, bearer(access))->status, 403);
  auto observations = c.Get(base + "/Observation", bearer(access));
  ASSERT_EQ(observations->status, 200);
  json bundle = json::parse(observations->body);
  ASSERT_EQ(bundle["entry"].size(), 2u) << observations->body;
  for (const auto& e : bundle["entry"]) EXPECT_EQ(e["resource"]["subject"]["reference"], "Patient/" + app.patientId);
  auto everyone = c.Get(base + "/Patient", bearer(access));
  EXPECT_EQ(json::parse(everyone->body)["entry"].size(), 1u);
  auto withSubjects = c.Get(base + "/Observation?_include=Observation:subject", bearer(access));
  const json subjects = json::parse(withSubjects->body);
  ASSERT_GT(subjects["entry"].size(), 0u);
  for (const auto& e : subjects["entry"])
    if (e["resource"]["resourceType"] == "Patient") EXPECT_EQ(e["resource"]["id"], app.patientId);
  EXPECT_EQ(c.Get(base + "/Condition", bearer(access))->status, 403);  // unticked on the consent page
  EXPECT_EQ(c.Post(base + "/Observation", bearer(access), R"({"resourceType":"Observation"})",
                   "application/fhir+json")->status,
            403);
  EXPECT_EQ(c.Get(base + "/_history", bearer(access))->status, 403);
  EXPECT_EQ(c.Get(base + "/Observation/_history", bearer(access))->status, 403);

  // Introspection describes exactly what was granted.
  auto intro = c.Post(app.auth() + "/introspect", bearer(access), formEncode({{"token", access}}),
                      "application/x-www-form-urlencoded");
  json info = json::parse(intro->body);
  EXPECT_EQ(info["active"], true);
  EXPECT_EQ(info["scope"], body["scope"]);
  EXPECT_EQ(info["patient"], app.patientId);
  EXPECT_EQ(info["client_id"], app.clientId);
  EXPECT_EQ(info["iss"], claims["iss"]);  // INTRO-03: the id_token's issuer and subject
  EXPECT_EQ(info["sub"], claims["sub"]);
  EXPECT_EQ(info["fhirUser"], claims["fhirUser"]);

  // The audit trail has who read what, and every authorization decision; never a secret.
  auto trail = client().Get("/admin/instances/" + app.instance + "/audit?limit=1000", admin());
  ASSERT_EQ(trail->status, 200);
  json events = json::parse(trail->body);
  auto has = [&](const std::function<bool(const json&)>& match) {
    return std::any_of(events.begin(), events.end(), match);
  };
  EXPECT_TRUE(has([&](const json& e) {
    return e["kind"] == "fhir" && e["action"] == "GET Patient" && e["target"] == "Patient/" + app.patientId &&
           e["outcome"] == 200 && e["clientId"] == app.clientId && e["patient"] == app.patientId && e.contains("userId");
  })) << trail->body;
  EXPECT_TRUE(has([&](const json& e) {
    return e["kind"] == "fhir" && e["target"] == "Patient/" + app.otherPatientId && e["outcome"] == 403;
  }));
  EXPECT_TRUE(has([&](const json& e) {
    return e["kind"] == "auth" && e["action"] == "POST token authorization_code" && e["outcome"] == 200 &&
           e["clientId"] == app.clientId && e["patient"] == app.patientId;
  }));
  EXPECT_TRUE(has([&](const json& e) { return e["action"] == "POST consent allow" && e["clientId"] == app.clientId; }));
  EXPECT_EQ(trail->body.find(access), std::string::npos);
  EXPECT_EQ(trail->body.find(app.secret), std::string::npos);
  EXPECT_EQ(trail->body.find("alice-password"), std::string::npos);
  auto onlyAuth = json::parse(client().Get("/admin/instances/" + app.instance + "/audit?kind=auth", admin())->body);
  for (const auto& e : onlyAuth) EXPECT_EQ(e["kind"], "auth");
  EXPECT_EQ(client().Get("/admin/instances/" + app.instance + "/audit")->status, 401);
}

// Types outside the Patient compartment: a patient app sees what the patient's record refers to
// (the clinicians who saw them), not the practice's whole directory.
TEST(SmartAppLaunch, PatientScopesReachOnlyWhatThePatientsRecordReferences) {
  App app = setUpPractice();
  Browser browser;
  std::string verifier = randomText();
  std::string code = queryParam(launch(app, browser, "launch/patient patient/*.rs", verifier), "code");
  std::string access = json::parse(exchange(app, code, verifier)->body)["access_token"];
  auto c = client();
  const std::string base = "/" + app.instance + "/fhir";
  EXPECT_EQ(c.Get(base + "/Practitioner/" + app.alicesDoctor, bearer(access))->status, 200);
  EXPECT_EQ(c.Get(base + "/Practitioner/" + app.bobsDoctor, bearer(access))->status, 403);
  auto doctors = json::parse(c.Get(base + "/Practitioner?_total=accurate", bearer(access))->body);
  EXPECT_EQ(doctors["total"], 1);
  ASSERT_EQ(doctors["entry"].size(), 1u);
  EXPECT_EQ(doctors["entry"][0]["resource"]["id"], app.alicesDoctor);
  auto encounters = json::parse(
      c.Get(base + "/Encounter?_include=Encounter:participant", bearer(access))->body);
  std::set<std::string> seen;
  for (const auto& e : encounters["entry"]) seen.insert(std::string(e["resource"]["resourceType"]) + "/" + std::string(e["resource"]["id"]));
  EXPECT_TRUE(seen.count("Practitioner/" + app.alicesDoctor));
  EXPECT_FALSE(seen.count("Practitioner/" + app.bobsDoctor));
  EXPECT_EQ(c.Get(base + "/Practitioner/_history", bearer(access))->status, 403);

  // $everything: the patient's own record with the clinicians it references, nobody else's.
  auto everything = c.Get(base + "/Patient/" + app.patientId + "/$everything?_count=100", bearer(access));
  ASSERT_EQ(everything->status, 200) << everything->body;
  std::set<std::string> record;
  const json bundle = json::parse(everything->body);
  for (const auto& e : bundle["entry"])
    record.insert(std::string(e["resource"]["resourceType"]) + "/" + std::string(e["resource"]["id"]));
  EXPECT_TRUE(record.count("Patient/" + app.patientId));
  EXPECT_TRUE(record.count("Practitioner/" + app.alicesDoctor));
  EXPECT_FALSE(record.count("Practitioner/" + app.bobsDoctor));
  EXPECT_FALSE(record.count("Patient/" + app.otherPatientId));
  EXPECT_EQ(record.size(), 6u);  // Alice, her doctor, her encounter, two observations and a condition
  EXPECT_EQ(c.Get(base + "/Patient/" + app.otherPatientId + "/$everything", bearer(access))->status, 403);
}

TEST(SmartAppLaunch, RefreshTokensRotateAndAReplayRevokesTheGrant) {
  App app = setUpPractice();
  Browser browser;
  std::string verifier = randomText();
  std::string code = queryParam(launch(app, browser, kScope, verifier), "code");
  json first = json::parse(exchange(app, code, verifier)->body);
  auto refresh = [&](const std::string& token, const std::string& scope = "") {
    std::vector<std::pair<std::string, std::string>> form = {{"grant_type", "refresh_token"}, {"refresh_token", token}};
    if (!scope.empty()) form.emplace_back("scope", scope);
    return client().Post(app.auth() + "/token",
                         httplib::Headers{httplib::make_basic_authentication_header(app.clientId, app.secret)},
                         formEncode(form), "application/x-www-form-urlencoded");
  };
  auto renewed = refresh(first["refresh_token"]);
  ASSERT_EQ(renewed->status, 200) << renewed->body;
  json second = json::parse(renewed->body);
  EXPECT_NE(second["refresh_token"], first["refresh_token"]);
  EXPECT_EQ(second["scope"], first["scope"]);
  EXPECT_EQ(second["patient"], app.patientId);
  EXPECT_EQ(client().Get("/" + app.instance + "/fhir/Patient/" + app.patientId, bearer(second["access_token"]))->status, 200);

  auto narrowed = refresh(second["refresh_token"], "patient/Patient.rs");
  ASSERT_EQ(narrowed->status, 200) << narrowed->body;
  json third = json::parse(narrowed->body);
  EXPECT_EQ(third["scope"], "patient/Patient.rs");
  EXPECT_EQ(client().Get("/" + app.instance + "/fhir/Observation", bearer(third["access_token"]))->status, 403);
  expectOAuthError(refresh(third["refresh_token"], "patient/Patient.rs patient/Encounter.rs"), 400, "invalid_scope");

  expectOAuthError(refresh("not-a-refresh-token"), 400, "invalid_grant");
  // The first refresh token again: stolen, so the whole grant goes, access tokens included.
  expectOAuthError(refresh(first["refresh_token"]), 400, "invalid_grant");
  EXPECT_EQ(client().Get("/" + app.instance + "/fhir/Patient/" + app.patientId, bearer(second["access_token"]))->status, 401);
}

TEST(SmartAppLaunch, CodesArePkceBoundSingleUseAndClientBound) {
  App app = setUpPractice();
  auto freshCode = [&](const std::string& verifier) {
    Browser browser;
    return queryParam(launch(app, browser, kScope, verifier), "code");
  };
  std::string verifier = randomText();
  std::string code = freshCode(verifier);
  // INV-01: exactly 400 for a bad code.
  expectOAuthError(exchange(app, "BAD_CODE", verifier), 400, "invalid_grant");
  expectOAuthError(exchange(app, code, verifier, "wrong-secret"), 401, "invalid_client");
  auto ok = exchange(app, code, verifier);
  ASSERT_EQ(ok->status, 200) << ok->body;
  std::string access = json::parse(ok->body)["access_token"];
  // A code used twice revokes what it gave.
  expectOAuthError(exchange(app, code, verifier), 400, "invalid_grant");
  EXPECT_EQ(client().Get("/" + app.instance + "/fhir/Patient/" + app.patientId, bearer(access))->status, 401);

  for (auto [name, wrong] : std::vector<std::pair<std::string, std::string>>{
           {"missing verifier", ""}, {"another verifier", randomText()}, {"the challenge as verifier (plain)", ""}}) {
    SCOPED_TRACE(name);
    std::string v = randomText();
    std::string c = freshCode(v);
    std::string presented = name.find("plain") != std::string::npos ? s256(v) : wrong;
    expectOAuthError(exchange(app, c, presented), 400, "invalid_grant");
    // A failed exchange burns the code.
    expectOAuthError(exchange(app, c, v), 400, "invalid_grant");
  }

  std::string v = randomText();
  std::string c = freshCode(v);
  auto wrongRedirect = client().Post(app.auth() + "/token",
                                     httplib::Headers{httplib::make_basic_authentication_header(app.clientId, app.secret)},
                                     formEncode({{"grant_type", "authorization_code"}, {"code", c},
                                                 {"redirect_uri", "https://app.example/other"}, {"code_verifier", v}}),
                                     "application/x-www-form-urlencoded");
  expectOAuthError(wrongRedirect, 400, "invalid_grant");

  // A code of one instance is nothing on another.
  App other = setUpPractice();
  std::string v2 = randomText();
  std::string c2 = freshCode(v2);
  auto crossed = client().Post(other.auth() + "/token",
                               httplib::Headers{httplib::make_basic_authentication_header(other.clientId, other.secret)},
                               formEncode({{"grant_type", "authorization_code"}, {"code", c2}, {"redirect_uri", kRedirect},
                                           {"code_verifier", v2}}),
                               "application/x-www-form-urlencoded");
  expectOAuthError(crossed, 400, "invalid_grant");
}

TEST(SmartAppLaunch, BadAuthorizationRequestsNeverGetACode) {
  App app = setUpPractice();
  std::string challenge = s256(randomText());
  Browser browser;
  auto withParam = [&](const std::string& name, const std::string& value) {
    auto params = authorizeParams(app, kScope, challenge);
    for (auto& [n, v] : params)
      if (n == name) v = value;
    return browser.get(authorizePath(app, params));
  };
  // While the client or its redirect URI is in doubt: an error page, never a redirect.
  for (auto [name, value] : std::vector<std::pair<std::string, std::string>>{
           {"client_id", "unknown-client"}, {"redirect_uri", "https://attacker.example/cb"}}) {
    SCOPED_TRACE(name);
    auto res = withParam(name, value);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 400);
    EXPECT_FALSE(res->has_header("Location"));
    EXPECT_EQ(res->get_header_value("Content-Type").rfind("text/html", 0), 0u);
  }
  // Then: back to the app with an error and the state, and no code.
  for (auto [name, value, error] : std::vector<std::tuple<std::string, std::string, std::string>>{
           {"aud", "https://inferno.healthit.gov/invalid_aud", "invalid_request"},
           {"code_challenge_method", "plain", "invalid_request"},
           {"code_challenge", "", "invalid_request"},
           {"response_type", "token", "unsupported_response_type"},
           {"scope", "nonsense", "invalid_scope"}}) {
    SCOPED_TRACE(name);
    auto res = withParam(name, value);
    ASSERT_TRUE(res);
    ASSERT_EQ(res->status, 302) << res->body;
    std::string location = res->get_header_value("Location");
    EXPECT_EQ(location.rfind(kRedirect + "?", 0), 0u);
    EXPECT_EQ(queryParam(location, "error"), error);
    EXPECT_EQ(queryParam(location, "state"), "st-123");
    EXPECT_EQ(queryParam(location, "code"), "");
  }
}

TEST(SmartAppLaunch, AuthorizeByPostAndV1ScopesAnsweredInV1) {
  App app = setUpPractice();
  Browser browser;
  std::string verifier = randomText();
  auto page = browser.post(app.auth() + "/authorize",
                           authorizeParams(app, "launch/patient openid fhirUser patient/Patient.read", s256(verifier)));
  ASSERT_EQ(page->status, 200) << page->body;
  std::string request = hiddenRequest(page->body);
  page = browser.post(app.auth() + "/login", {{"request", request}, {"username", "alice"}, {"password", "alice-password"}});
  ASSERT_EQ(page->status, 200);
  auto done = browser.post(app.auth() + "/consent",
                           {{"request", request}, {"decision", "allow"}, {"scope", "patient/Patient.read"}});
  ASSERT_EQ(done->status, 302);
  auto res = exchange(app, queryParam(done->get_header_value("Location"), "code"), verifier);
  ASSERT_EQ(res->status, 200) << res->body;
  json body = json::parse(res->body);
  EXPECT_EQ(body["scope"], "launch/patient openid fhirUser patient/Patient.read");
  EXPECT_FALSE(body.contains("refresh_token"));  // no offline_access asked
}

TEST(SmartAppLaunch, TheUserCanDenyAndRefuseOfflineAccess) {
  App app = setUpPractice();
  Browser browser;
  std::string verifier = randomText();
  auto [request, page] = signInToConsent(app, browser, kScope, verifier);
  EXPECT_NE(page->body.find("Health Diary"), std::string::npos);
  EXPECT_NE(page->body.find("name=\"offline\""), std::string::npos);
  EXPECT_NE(page->body.find("up to 90 days after its last use"), std::string::npos);
  auto denied = browser.post(app.auth() + "/consent", {{"request", request}, {"decision", "deny"}});
  ASSERT_EQ(denied->status, 302);
  EXPECT_EQ(queryParam(denied->get_header_value("Location"), "error"), "access_denied");
  EXPECT_EQ(queryParam(denied->get_header_value("Location"), "code"), "");

  // Signed in already: straight to consent. Without the offline box there is no refresh token.
  std::string location = launch(app, browser, kScope, verifier, {}, false);
  json body = json::parse(exchange(app, queryParam(location, "code"), verifier)->body);
  EXPECT_FALSE(body.contains("refresh_token"));
  EXPECT_EQ(body["scope"].get<std::string>().find("offline_access"), std::string::npos);
}

TEST(SmartAppLaunch, LoginIsThrottledAndFormsAreBoundToTheBrowser) {
  App app = setUpPractice();
  Browser browser;
  auto page = browser.get(authorizePath(app, authorizeParams(app, kScope, s256(randomText()))));
  ASSERT_EQ(page->status, 200);
  EXPECT_EQ(page->get_header_value("X-Frame-Options"), "DENY");
  EXPECT_NE(page->get_header_value("Content-Security-Policy").find("frame-ancestors 'none'"), std::string::npos);
  EXPECT_EQ(page->get_header_value("Cache-Control"), "no-store");
  std::string request = hiddenRequest(page->body);

  // Another browser (no flow cookie) cannot use this request: a forged form gets nowhere.
  Browser stranger;
  auto forged = stranger.post(app.auth() + "/login", {{"request", request}, {"username", "alice"}, {"password", "alice-password"}});
  EXPECT_EQ(forged->status, 400);
  EXPECT_FALSE(stranger.cookies.count("flint_session"));

  auto wrong = browser.post(app.auth() + "/login", {{"request", request}, {"username", "alice"}, {"password", "nope-nope"}});
  EXPECT_EQ(wrong->status, 401);
  EXPECT_NE(wrong->body.find("not right"), std::string::npos);
  auto unknown = browser.post(app.auth() + "/login", {{"request", request}, {"username", "nobody"}, {"password", "whatever1"}});
  EXPECT_EQ(unknown->status, 401);
  for (int i = 0; i < 4; ++i)
    browser.post(app.auth() + "/login", {{"request", request}, {"username", "alice"}, {"password", "nope-nope"}});
  auto locked = browser.post(app.auth() + "/login", {{"request", request}, {"username", "alice"}, {"password", "alice-password"}});
  EXPECT_EQ(locked->status, 401);
  EXPECT_NE(locked->body.find("Too many failed attempts"), std::string::npos);
  EXPECT_FALSE(browser.cookies.count("flint_session"));
  auto failures = json::parse(client().Get("/admin/instances/" + app.instance + "/audit?kind=auth", admin())->body);
  int failedLogins = 0;
  for (const auto& e : failures) failedLogins += e["action"] == "POST login" && e["outcome"] == 401 && e.contains("userId");
  EXPECT_GE(failedLogins, 5);
}

TEST(SmartAppLaunch, PatientLoginsNeedThePatientPortal) {
  App app = setUpPractice(false);
  Browser browser;
  auto page = browser.get(authorizePath(app, authorizeParams(app, kScope, s256(randomText()))));
  std::string request = hiddenRequest(page->body);
  auto refused = browser.post(app.auth() + "/login", {{"request", request}, {"username", "alice"}, {"password", "alice-password"}});
  EXPECT_EQ(refused->status, 401);
  EXPECT_NE(refused->body.find("not offered"), std::string::npos);
}

TEST(SmartAppLaunch, UsersAreManagedByTheAdminApiAndCli) {
  App app = setUpPractice();
  auto post = [&](const json& body) {
    return client().Post("/admin/instances/" + app.instance + "/users", admin(), body.dump(), "application/json");
  };
  EXPECT_EQ(post({{"username", "alice"}, {"password", "another-one"}, {"fhirUser", "Patient/x"}})->status, 400);
  EXPECT_EQ(post({{"username", "bob"}, {"password", "short"}, {"fhirUser", "Patient/x"}})->status, 400);
  EXPECT_EQ(post({{"username", "bob"}, {"password", "long-enough"}, {"fhirUser", "Organization/x"}})->status, 400);
  EXPECT_EQ(post({{"username", "Bob Smith"}, {"password", "long-enough"}, {"fhirUser", "Patient/x"}})->status, 400);
  for (const char* body : {"not json", "[1]", R"({"username":"x","patients":"p1"})"})
    EXPECT_EQ(client().Post("/admin/instances/" + app.instance + "/users", admin(), body, "application/json")->status, 400)
        << body;
  EXPECT_EQ(client().Post("/admin/instances/" + app.instance + "/clients", admin(), "{", "application/json")->status, 400);
  auto list = client().Get("/admin/instances/" + app.instance + "/users", admin());
  ASSERT_EQ(list->status, 200);
  EXPECT_EQ(list->body.find("alice-password"), std::string::npos);
  EXPECT_EQ(list->body.find("scrypt"), std::string::npos);
  EXPECT_EQ(json::parse(list->body).size(), 2u);
  std::string out;
  std::string cmd = "echo 'cli-password' | " + flintBinary() + " user create --instance " + app.instance +
                    " --username carol --patient " + app.otherPatientId + " 2>&1";
  ASSERT_EQ(system(cmd.c_str()), 0);
  ASSERT_EQ(runFlint({"user", "list", "--instance", app.instance}, &out), 0);
  EXPECT_NE(out.find("carol\tpatient\tPatient/" + app.otherPatientId), std::string::npos) << out;

  // carol signs in and sees her own record only.
  Browser browser;
  std::string verifier = randomText();
  std::string location = launch(app, browser, kScope, verifier, {}, true, "carol", "cli-password");
  json body = json::parse(exchange(app, queryParam(location, "code"), verifier)->body);
  EXPECT_EQ(body["patient"], app.otherPatientId);
}

TEST(SmartAppLaunch, AUserWhoActsForSeveralPatientsPicksOne) {
  App app = setUpPractice();
  auto created = client().Post("/admin/instances/" + app.instance + "/users", admin(),
                               json({{"username", "guardian"},
                                     {"password", "guardian-password"},
                                     {"fhirUser", "Patient/" + app.patientId},
                                     {"patients", {app.otherPatientId}}})
                                   .dump(),
                               "application/json");
  ASSERT_EQ(created->status, 201) << created->body;
  Browser browser;
  std::string verifier = randomText();
  auto page = browser.get(authorizePath(app, authorizeParams(app, kScope, s256(verifier))));
  std::string request = hiddenRequest(page->body);
  page = browser.post(app.auth() + "/login", {{"request", request}, {"username", "guardian"}, {"password", "guardian-password"}});
  EXPECT_NE(page->body.find("value=\"" + app.patientId + "\""), std::string::npos);
  EXPECT_NE(page->body.find("value=\"" + app.otherPatientId + "\""), std::string::npos);
  // Someone the user does not act for cannot be slipped in.
  auto done = browser.post(app.auth() + "/consent", {{"request", request}, {"decision", "allow"},
                                                     {"scope", "patient/Patient.rs"}, {"patient", "someone-else"}});
  ASSERT_EQ(done->status, 302);
  EXPECT_EQ(queryParam(done->get_header_value("Location"), "error"), "access_denied");

  page = browser.get(authorizePath(app, authorizeParams(app, kScope, s256(verifier))));
  request = hiddenRequest(page->body);
  done = browser.post(app.auth() + "/consent", {{"request", request}, {"decision", "allow"},
                                                {"scope", "patient/Patient.rs"}, {"patient", app.otherPatientId}});
  ASSERT_EQ(done->status, 302);
  json body = json::parse(exchange(app, queryParam(done->get_header_value("Location"), "code"), verifier)->body);
  EXPECT_EQ(body["patient"], app.otherPatientId);
  EXPECT_EQ(client().Get("/" + app.instance + "/fhir/Patient/" + app.otherPatientId, bearer(body["access_token"]))->status, 200);
  EXPECT_EQ(client().Get("/" + app.instance + "/fhir/Patient/" + app.patientId, bearer(body["access_token"]))->status, 403);
}

TEST(SmartAppLaunch, StaffUsersActThroughUserScopes) {
  App app = setUpPractice();
  Browser browser;
  std::string verifier = randomText();
  std::string location = launch(app, browser, "openid fhirUser user/*.rs", verifier, {}, false, "dr.who", "doctor-password");
  auto res = exchange(app, queryParam(location, "code"), verifier);
  ASSERT_EQ(res->status, 200) << res->body;
  json body = json::parse(res->body);
  EXPECT_EQ(body["scope"], "openid fhirUser user/*.rs");
  EXPECT_FALSE(body.contains("patient"));
  EXPECT_EQ(jwtPart(body["id_token"], 1)["fhirUser"], app.fhir() + "/Practitioner/p1");
  auto all = client().Get("/" + app.instance + "/fhir/Observation", bearer(body["access_token"]));
  ASSERT_EQ(all->status, 200);
  EXPECT_EQ(json::parse(all->body)["entry"].size(), 4u);
}

// SC-04/05, FG-01..03: the patient narrows Observation to laboratory results on the consent page;
// searches (every page, counts), reads and includes then show exactly those.
TEST(SmartAppLaunch, GranularCategoryScopesFilterSearchesReadsAndCounts) {
  App app = setUpPractice();
  Browser browser;
  std::string verifier = randomText();
  auto [request, page] = signInToConsent(app, browser, kScope, verifier);
  ASSERT_NE(page->body.find("Laboratory results"), std::string::npos);
  const std::string lab = kObservationCategory + "|laboratory";
  auto done = browser.post(app.auth() + "/consent", {{"request", request},
                                                     {"decision", "allow"},
                                                     {"scope", "patient/Patient.rs"},
                                                     {"scope", "patient/Observation.rs"},
                                                     {"extent:patient/Observation.rs", "some"},
                                                     {"category:patient/Observation.rs", lab},
                                                     // not offered for Observation: ignored
                                                     {"category:patient/Observation.rs", "http://x|made-up"}});
  ASSERT_EQ(done->status, 302);
  json body = json::parse(exchange(app, queryParam(done->get_header_value("Location"), "code"), verifier)->body);
  EXPECT_EQ(body["scope"], "launch/patient openid fhirUser patient/Patient.rs patient/Observation.rs?category=" + lab);
  std::string access = body["access_token"];
  auto c = client();
  const std::string base = "/" + app.instance + "/fhir";
  auto found = c.Get(base + "/Observation?_total=accurate&_count=1", bearer(access));
  ASSERT_EQ(found->status, 200) << found->body;
  json bundle = json::parse(found->body);
  EXPECT_EQ(bundle["total"], 1);
  ASSERT_EQ(bundle["entry"].size(), 1u);
  EXPECT_EQ(bundle["entry"][0]["resource"]["category"][0]["coding"][0]["code"], "laboratory");
  EXPECT_TRUE(linkOf(bundle, "next").empty());
  auto vitals = c.Get(base + "/Observation?category=vital-signs", bearer(access));
  EXPECT_EQ(json::parse(vitals->body)["entry"].size(), 0u);

  // Reads: the lab result yes, the vital signs no (FG-03).
  Browser staffBrowser;
  std::string staffVerifier = randomText();
  std::string staffCode = queryParam(
      launch(app, staffBrowser, "openid fhirUser user/*.rs", staffVerifier, {}, false, "dr.who", "doctor-password"), "code");
  std::string staff = json::parse(exchange(app, staffCode, staffVerifier)->body)["access_token"];
  auto everyObservation = json::parse(c.Get(base + "/Observation?subject=Patient/" + app.patientId, bearer(staff))->body);
  ASSERT_EQ(everyObservation["entry"].size(), 2u);
  for (const auto& e : everyObservation["entry"]) {
    std::string id = e["resource"]["id"];
    bool isLab = e["resource"]["category"][0]["coding"][0]["code"] == "laboratory";
    EXPECT_EQ(c.Get(base + "/Observation/" + id, bearer(access))->status, isLab ? 200 : 403) << id;
  }
  EXPECT_EQ(c.Get(base + "/Condition", bearer(access))->status, 403);

  // Chains and _has reach only what the scopes let the app search: Alice's vital signs exist
  // but are hidden from this app, so they cannot be probed for through _has either.
  auto byHiddenVitals = c.Get(base + "/Patient?_has:Observation:subject:category=vital-signs", bearer(access));
  ASSERT_EQ(byHiddenVitals->status, 200) << byHiddenVitals->body;
  EXPECT_FALSE(json::parse(byHiddenVitals->body).contains("entry"));
  auto byLabs = json::parse(c.Get(base + "/Patient?_has:Observation:subject:category=laboratory", bearer(access))->body);
  ASSERT_EQ(byLabs["entry"].size(), 1u);
  EXPECT_EQ(byLabs["entry"][0]["resource"]["id"], app.patientId);
  EXPECT_EQ(json::parse(c.Get(base + "/Patient?_has:Observation:subject:category=vital-signs", bearer(staff))->body)["entry"].size(),
            2u);
  EXPECT_EQ(c.Get(base + "/Patient?_has:Condition:subject:code:text=x", bearer(access))->status, 403);
  EXPECT_EQ(c.Get(base + "/Observation?subject:Patient.name=Bob", bearer(access))->status, 200);
}

std::string hiddenValue(const std::string& html, const std::string& name) {
  std::smatch m;
  return std::regex_search(html, m, std::regex("name=\"" + name + "\" value=\"([^\"]+)\"")) ? m[1].str() : "";
}

TEST(SmartAppLaunch, ThePatientSeesAndRevokesAuthorisedApps) {
  App app = setUpPractice();
  Browser browser;
  std::string verifier = randomText();
  json tokens = json::parse(exchange(app, queryParam(launch(app, browser, kScope, verifier), "code"), verifier)->body);
  std::string access = tokens["access_token"];
  const std::string readPath = "/" + app.instance + "/fhir/Patient/" + app.patientId;
  ASSERT_EQ(client().Get(readPath, bearer(access))->status, 200);

  auto discovery = json::parse(client().Get("/" + app.instance + "/fhir/.well-known/smart-configuration")->body);
  EXPECT_EQ(discovery["management_endpoint"], publicBase() + app.auth() + "/manage");

  auto page = browser.get(app.auth() + "/manage");
  ASSERT_EQ(page->status, 200);
  EXPECT_NE(page->body.find("Health Diary"), std::string::npos);
  EXPECT_NE(page->body.find("patient/Observation.rs"), std::string::npos);
  std::string grant = hiddenValue(page->body, "grant");
  std::string token = hiddenValue(page->body, "token");
  ASSERT_FALSE(grant.empty());

  // Someone else, signed in as themselves, cannot revoke alice's app; a form without the
  // session's token is refused.
  Browser doctor;
  auto signIn = doctor.post(app.auth() + "/login", {{"next", "manage"}, {"username", "dr.who"}, {"password", "doctor-password"}});
  ASSERT_EQ(signIn->status, 303);
  EXPECT_EQ(signIn->get_header_value("Location"), app.auth() + "/manage");
  auto doctorsPage = doctor.get(app.auth() + "/manage");
  ASSERT_EQ(doctorsPage->status, 200);
  EXPECT_NE(doctorsPage->body.find("No app has access"), std::string::npos);
  // The doctor's own app gives his page a form (and its token) to try with.
  launch(app, doctor, "openid user/Patient.rs", randomText(), {}, false, "dr.who", "doctor-password");
  doctorsPage = doctor.get(app.auth() + "/manage");
  ASSERT_NE(hiddenValue(doctorsPage->body, "grant"), grant);
  EXPECT_EQ(doctor.post(app.auth() + "/manage", {{"grant", grant}, {"token", hiddenValue(doctorsPage->body, "token")}})->status, 404);
  EXPECT_EQ(browser.post(app.auth() + "/manage", {{"grant", grant}, {"token", "forged"}})->status, 400);
  EXPECT_EQ(Browser().get(app.auth() + "/manage")->body.find("Health Diary"), std::string::npos);
  ASSERT_EQ(client().Get(readPath, bearer(access))->status, 200);

  auto revoked = browser.post(app.auth() + "/manage", {{"grant", grant}, {"token", token}});
  ASSERT_EQ(revoked->status, 303);
  EXPECT_EQ(client().Get(readPath, bearer(access))->status, 401);
  auto refresh = client().Post(app.auth() + "/token",
                               httplib::Headers{httplib::make_basic_authentication_header(app.clientId, app.secret)},
                               formEncode({{"grant_type", "refresh_token"}, {"refresh_token", tokens["refresh_token"]}}),
                               "application/x-www-form-urlencoded");
  expectOAuthError(refresh, 400, "invalid_grant");
  EXPECT_EQ(browser.get(app.auth() + "/manage")->body.find("Health Diary"), std::string::npos);
}

TEST(SmartAppLaunch, EhrLaunchCarriesPatientAndEncounterContext) {
  App app = setUpPractice();
  auto registered = registerClient(app.instance, {{"name", "Chart Helper"},
                                                  {"type", "confidential-symmetric"},
                                                  {"redirectUris", {kRedirect}},
                                                  {"launchUri", "https://app.example/launch"},
                                                  {"scope", "launch openid fhirUser offline_access user/*.rs patient/*.rs"}});
  json chart = json::parse(registered->body);
  App ehrApp = app;
  ehrApp.clientId = chart["clientId"];
  ehrApp.secret = chart["clientSecret"];

  Browser staff;
  ASSERT_EQ(staff.post(app.auth() + "/login", {{"next", "manage"}, {"username", "dr.who"}, {"password", "doctor-password"}})
                ->status,
            303);
  auto createLaunch = [&](Browser& who, const json& body) {
    auto headers = who.headers();
    return who.http.Post(app.auth() + "/launch", headers, body.dump(), "application/json");
  };
  json launchBody = {{"clientId", ehrApp.clientId}, {"patient", app.patientId}, {"encounter", "enc-1"}};
  auto created = createLaunch(staff, launchBody);
  ASSERT_EQ(created->status, 201) << created->body;
  json launch = json::parse(created->body);
  std::string launchUrl = launch["launchUrl"];
  EXPECT_EQ(launchUrl.rfind("https://app.example/launch?iss=", 0), 0u) << launchUrl;
  EXPECT_EQ(queryParam(launchUrl, "iss"), app.fhir());
  EXPECT_EQ(queryParam(launchUrl, "launch"), launch["launch"]);

  // Nobody but a signed-in staff user may create one; a form post from another site cannot.
  Browser anonymous;
  EXPECT_EQ(createLaunch(anonymous, launchBody)->status, 401);
  auto malformed = staff.http.Post(app.auth() + "/launch", staff.headers(), "{\"clientId\":", "application/json");
  EXPECT_EQ(malformed->status, 400);
  EXPECT_EQ(createLaunch(staff, {{"clientId", "no-such-app"}, {"patient", app.patientId}})->status, 400);
  EXPECT_EQ(createLaunch(staff, {{"clientId", ehrApp.clientId}})->status, 400);
  EXPECT_EQ(staff.http.Post(app.auth() + "/launch", staff.headers(), formEncode({{"clientId", ehrApp.clientId}}),
                            "application/x-www-form-urlencoded")
                ->status,
            415);

  // The app's authorization request, by POST as the certification kit sends it.
  std::string verifier = randomText();
  auto params = authorizeParams(ehrApp, "launch openid fhirUser offline_access user/*.rs patient/Patient.rs", s256(verifier));
  params.emplace_back("launch", launch["launch"]);
  auto page = staff.post(app.auth() + "/authorize", params);
  ASSERT_EQ(page->status, 200) << page->body;
  std::string request = hiddenRequest(page->body);
  EXPECT_EQ(page->body.find("name=\"patient\""), std::string::npos);  // no picker: the EHR chose
  auto done = staff.post(app.auth() + "/consent", {{"request", request}, {"decision", "allow"},
                                                    {"scope", "user/*.rs"}, {"scope", "patient/Patient.rs"},
                                                    {"offline", "yes"}});
  ASSERT_EQ(done->status, 302) << done->body;
  auto res = exchange(ehrApp, queryParam(done->get_header_value("Location"), "code"), verifier);
  ASSERT_EQ(res->status, 200) << res->body;
  json body = json::parse(res->body);
  EXPECT_EQ(body["patient"], app.patientId);
  EXPECT_EQ(body["encounter"], "enc-1");
  auto intro = client().Post(app.auth() + "/introspect", bearer(body["access_token"]),
                             formEncode({{"token", body["access_token"]}}), "application/x-www-form-urlencoded");
  EXPECT_EQ(json::parse(intro->body)["encounter"], "enc-1");
  EXPECT_EQ(body["need_patient_banner"], false);
  EXPECT_EQ(body["scope"], "launch openid fhirUser offline_access user/*.rs patient/Patient.rs");
  auto style = client().Get(std::string(body["smart_style_url"]).substr(publicBase().size()));
  ASSERT_EQ(style->status, 200);
  EXPECT_TRUE(json::parse(style->body).contains("color_background"));
  EXPECT_EQ(jwtPart(body["id_token"], 1)["fhirUser"], app.fhir() + "/Practitioner/p1");

  // A launch opens one authorization only, and only for its own app.
  auto again = staff.post(app.auth() + "/authorize", params);
  ASSERT_EQ(again->status, 302);
  EXPECT_EQ(queryParam(again->get_header_value("Location"), "error"), "invalid_request");
  json other = json::parse(createLaunch(staff, {{"clientId", app.clientId}, {"patient", app.patientId}})->body);
  auto wrongApp = authorizeParams(ehrApp, "launch openid", s256(verifier));
  wrongApp.emplace_back("launch", other["launch"]);
  auto refused = staff.get(authorizePath(ehrApp, wrongApp));
  ASSERT_EQ(refused->status, 302);
  EXPECT_EQ(queryParam(refused->get_header_value("Location"), "error"), "invalid_request");
}

// Confidential clients may authenticate with a signed JWT (ASYM-01) or client_secret_post, public
// clients with their id alone; each only in its own way.
TEST(SmartAppLaunch, EveryKindOfClientAuthenticatesItsOwnWay) {
  App app = setUpPractice();
  ClientKey key("P-384", "app-key");
  json asymmetric = json::parse(registerClient(app.instance, {{"name", "Signed app"},
                                                              {"type", "confidential-asymmetric"},
                                                              {"redirectUris", {kRedirect}},
                                                              {"jwks", {{"keys", {key.publicJwk("ES384")}}}},
                                                              {"scope", "launch/patient offline_access patient/*.rs"}})
                                    ->body);
  json publicApp = json::parse(registerClient(app.instance, {{"name", "Browser app"},
                                                             {"type", "public"},
                                                             {"redirectUris", {kRedirect}},
                                                             {"scope", "launch/patient patient/*.rs"}})
                                   ->body);
  auto codeFor = [&](const std::string& clientId, const std::string& verifier) {
    App other = app;
    other.clientId = clientId;
    Browser browser;
    return queryParam(launch(other, browser, "launch/patient offline_access patient/Patient.rs", verifier), "code");
  };
  auto token = [&](std::vector<std::pair<std::string, std::string>> form) {
    return client().Post(app.auth() + "/token", formEncode(form), "application/x-www-form-urlencoded");
  };

  std::string v1 = randomText();
  std::string c1 = codeFor(asymmetric["clientId"], v1);
  auto signedExchange = token({{"grant_type", "authorization_code"}, {"code", c1}, {"redirect_uri", kRedirect},
                               {"code_verifier", v1}, {"client_assertion_type", kAssertionType},
                               {"client_assertion", clientAssertion(key, "ES384", asymmetric["clientId"], tokenUrl(app.instance))}});
  ASSERT_EQ(signedExchange->status, 200) << signedExchange->body;
  json signedTokens = json::parse(signedExchange->body);
  auto refreshed = token({{"grant_type", "refresh_token"}, {"refresh_token", signedTokens["refresh_token"]},
                          {"client_assertion_type", kAssertionType},
                          {"client_assertion", clientAssertion(key, "ES384", asymmetric["clientId"], tokenUrl(app.instance))}});
  EXPECT_EQ(refreshed->status, 200) << refreshed->body;

  std::string v2 = randomText();
  std::string c2 = codeFor(app.clientId, v2);
  EXPECT_EQ(token({{"grant_type", "authorization_code"}, {"code", c2}, {"redirect_uri", kRedirect}, {"code_verifier", v2},
                   {"client_id", app.clientId}, {"client_secret", app.secret}})
                ->status,
            200);

  std::string v3 = randomText();
  std::string c3 = codeFor(publicApp["clientId"], v3);
  // A confidential client cannot pass for a public one by leaving its secret out.
  expectOAuthError(token({{"grant_type", "authorization_code"}, {"code", c3}, {"redirect_uri", kRedirect},
                          {"code_verifier", v3}, {"client_id", app.clientId}}),
                   401, "invalid_client");
  std::string v4 = randomText();
  std::string c4 = codeFor(publicApp["clientId"], v4);
  auto publicExchange = token({{"grant_type", "authorization_code"}, {"code", c4}, {"redirect_uri", kRedirect},
                               {"code_verifier", v4}, {"client_id", publicApp["clientId"]}});
  EXPECT_EQ(publicExchange->status, 200) << publicExchange->body;
  // A public client holding a secret-like parameter is not authenticated by it.
  expectOAuthError(token({{"grant_type", "refresh_token"}, {"refresh_token", "x"}, {"client_id", publicApp["clientId"]},
                          {"client_secret", "guess"}}),
                   401, "invalid_client");
}

TEST(SmartAppLaunch, AnAppMayAskForGranularScopesItself) {
  App app = setUpPractice();
  Browser browser;
  std::string verifier = randomText();
  const std::string vital = "patient/Observation.rs?category=" + kObservationCategory + "|vital-signs";
  std::string location = launch(app, browser, "launch/patient " + vital, verifier);
  json body = json::parse(exchange(app, queryParam(location, "code"), verifier)->body);
  EXPECT_EQ(body["scope"], "launch/patient " + vital);
  auto found = json::parse(client().Get("/" + app.instance + "/fhir/Observation", bearer(body["access_token"]))->body);
  ASSERT_EQ(found["entry"].size(), 1u);
  EXPECT_EQ(found["entry"][0]["resource"]["category"][0]["coding"][0]["code"], "vital-signs");
}

}  // namespace
}  // namespace flint::testing
