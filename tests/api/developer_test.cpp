// The developer-access programme over HTTP: accounts confirmed by a mailed code, access requests
// checked field by field and seen only by their owners, the reviewers' queue with business-day
// deadlines and flags, identity-only decisions recorded with who made them, and enablement: a
// patient-directed app on every portal instance with one client id (later ones too), a
// population app only where a practice authorised it.
#include <gtest/gtest.h>

#include <regex>
#include <thread>

#include "tests/support/flint_server.h"
#include "tests/support/form_browser.h"
#include "tests/support/smart_helpers.h"
#include "tests/support/smtp_sink.h"
#include "tests/support/test_certificate.h"

using namespace flint::testing;
using nlohmann::json;

namespace {

httplib::Headers session(const std::string& token) { return {{"Authorization", "Bearer " + token}}; }

json post(const std::string& path, const json& body, const httplib::Headers& headers, int status) {
  auto res = client().Post(path, headers, body.dump(), "application/json");
  EXPECT_TRUE(res);
  if (!res) return nullptr;
  EXPECT_EQ(res->status, status) << path << " " << body.dump() << "\n" << res->body;
  return res->body.empty() ? json() : json::parse(res->body);
}

json get(const std::string& path, const httplib::Headers& headers, int status = 200) {
  auto res = client().Get(path, headers);
  EXPECT_TRUE(res);
  if (!res) return nullptr;
  EXPECT_EQ(res->status, status) << path << "\n" << res->body;
  return json::parse(res->body);
}

// The newest mail to `email` in the outbox.
json lastMail(const std::string& email) {
  const json mails = get("/admin/developer/outbox?to=" + email, admin());
  return mails.empty() ? json::object() : mails[0];
}

std::string codeIn(const json& mail) {
  std::smatch m;
  const std::string body = mail.value("body", "");
  return std::regex_search(body, m, std::regex("code is ([0-9]{6})")) ? m[1].str() : "";
}

std::string uniqueEmail(const std::string& who) { return who + "-" + uniqueInstanceName("d") + "@acme.example"; }

// A confirmed, signed-in developer: the session token.
std::string developer(const std::string& email) {
  post("/developer/api/accounts", {{"email", email}, {"password", "correct horse battery"}}, {}, 202);
  post("/developer/api/accounts/confirm", {{"email", email}, {"code", codeIn(lastMail(email))}}, {}, 200);
  return post("/developer/api/sessions", {{"email", email}, {"password", "correct horse battery"}}, {}, 201)["token"];
}

std::string termsVersion() { return get("/developer/api/terms", {})["version"]; }

json accessRequest(const std::string& model, const std::string& identifierKind = "duns") {
  json identifier = identifierKind == "duns" ? json{{"kind", "duns"}, {"number", "123456789"}} : json{{"kind", "domain"}};
  json application = {{"name", "Acme " + model}, {"description", "Shows people their health records."},
                      {"accessModel", model}};
  if (model == "patient-directed") {
    application["redirectUris"] = {"https://app.acme.example/callback"};
    application["launchUri"] = "https://app.acme.example/launch";
  } else {
    application["jwksUrl"] = "https://app.acme.example/jwks.json";
  }
  return {{"organization", {{"legalName", "Acme Health, Inc."}, {"domain", "acme.example"}, {"identifier", identifier}}},
          {"contact", {{"name", "Ann Lee"}, {"email", "ann@acme.example"}}},
          {"application", application},
          {"attestations", {{"privacyPolicyUrl", "https://acme.example/privacy"}, {"termsUrl", "https://acme.example/terms"},
                            {"lawfulUse", true}, {"compliance", true}}},
          {"termsOfUse", {{"accepted", true}, {"version", termsVersion()}}}};
}

std::string decide(long long id, const std::string& decision, const json& body = json::object(), int status = 200) {
  return post("/admin/developer/requests/" + std::to_string(id) + "/" + decision, body, admin(), status).value("status", "");
}

// A patient-directed app's launch on `instance` as a browser makes it: authorize, sign in,
// consent, then the code for a token (a public client with PKCE). The token response's status and
// body; the authorize page's status and body when no code came of it.
std::pair<int, json> patientLaunch(const std::string& instance, const std::string& clientId, const std::string& username,
                                   const std::string& password) {
  const std::string verifier = "a-verifier-that-is-long-enough-for-pkce-0123456789";
  const std::string challenge = s256(verifier);
  const std::string redirect = "https://app.acme.example/callback", auth = "/" + instance + "/auth";
  FormBrowser browser;
  auto page = browser.get(auth + "/authorize?" + formEncode({{"response_type", "code"}, {"client_id", clientId},
                                                            {"redirect_uri", redirect}, {"scope", "launch/patient openid patient/Patient.rs"},
                                                            {"state", "s1"}, {"aud", publicBase() + "/" + instance + "/fhir"},
                                                            {"code_challenge", challenge}, {"code_challenge_method", "S256"}}));
  std::smatch m;
  if (!page || !std::regex_search(page->body, m, std::regex("name=\"request\" value=\"([^\"]+)\"")))
    return {page ? page->status : 0, page ? json(page->body) : json()};
  const std::string request = m[1];
  auto consent = browser.post(auth + "/login", {{"request", request}, {"username", username}, {"password", password}});
  if (!consent || consent->status != 200) return {consent ? consent->status : 0, consent ? json(consent->body) : json()};
  auto done = browser.post(auth + "/consent", {{"request", request}, {"decision", "allow"}, {"scope", "patient/Patient.rs"}});
  if (!done || done->status != 302) return {done ? done->status : 0, done ? json(done->body) : json()};
  const std::string location = done->get_header_value("Location");
  const std::string code = httplib::detail::decode_url(location.substr(location.find("code=") + 5, location.find('&', location.find("code=")) - location.find("code=") - 5), false);
  auto token = browser.http.Post(auth + "/token", formEncode({{"grant_type", "authorization_code"}, {"code", code}, {"redirect_uri", redirect},
                                                      {"client_id", clientId}, {"code_verifier", verifier}}),
                         "application/x-www-form-urlencoded");
  return {token ? token->status : 0, token ? json::parse(token->body) : json()};
}

// The client `clientId` on `instance` as the admin API lists it; null when it has none.
json clientOn(const std::string& instance, const std::string& clientId) {
  for (const auto& c : get("/admin/instances/" + instance + "/clients", admin()))
    if (c["clientId"] == clientId) return c;
  return nullptr;
}

}  // namespace

TEST(DeveloperProgramme, AccountsAreConfirmedByAMailedCode) {
  const std::string email = uniqueEmail("ann");
  const json weak = post("/developer/api/accounts", {{"email", "not-an-address"}, {"password", "short"}}, {}, 422);
  EXPECT_EQ(weak["resourceType"], "OperationOutcome");
  EXPECT_EQ(weak["issue"].size(), 2u) << weak.dump();
  EXPECT_EQ(weak["issue"][0]["expression"][0], "email");
  EXPECT_EQ(weak["issue"][1]["expression"][0], "password");

  EXPECT_EQ(client().Post("/developer/api/accounts", "{\"email\":", "application/json")->status, 400);
  post("/developer/api/accounts", {{"email", email}, {"password", "correct horse battery"}}, {}, 202);
  const std::string code = codeIn(lastMail(email));
  ASSERT_EQ(code.size(), 6u) << lastMail(email).dump();
  post("/developer/api/sessions", {{"email", email}, {"password", "correct horse battery"}}, {}, 403);
  const std::string wrong = code == "000000" ? "000001" : "000000";
  for (int i = 0; i < 5; ++i) post("/developer/api/accounts/confirm", {{"email", email}, {"code", wrong}}, {}, 400);
  post("/developer/api/accounts/confirm", {{"email", email}, {"code", code}}, {}, 400);  // five tries use a code up
  post("/developer/api/accounts/resend", {{"email", email}}, {}, 202);
  const std::string fresh = codeIn(lastMail(email));
  post("/developer/api/accounts/confirm", {{"email", email}, {"code", fresh}}, {}, 200);
  post("/developer/api/accounts/confirm", {{"email", email}, {"code", fresh}}, {}, 400);  // a code works once

  // Signing up again tells nothing new to the caller; the owner is told by mail.
  post("/developer/api/accounts", {{"email", email}, {"password", "another password!"}}, {}, 202);
  EXPECT_NE(lastMail(email)["body"].get<std::string>().find("already has an account"), std::string::npos);
  post("/developer/api/accounts/resend", {{"email", uniqueEmail("nobody")}}, {}, 202);

  post("/developer/api/sessions", {{"email", email}, {"password", "wrong password!"}}, {}, 401);
  post("/developer/api/sessions", {{"email", uniqueEmail("nobody")}, {"password", "wrong password!"}}, {}, 401);
  const std::string token = post("/developer/api/sessions", {{"email", email}, {"password", "correct horse battery"}}, {}, 201)["token"];
  EXPECT_EQ(get("/developer/api/me", session(token))["email"], email);
  get("/developer/api/me", {}, 401);
  get("/developer/api/me", session(token + "x"), 401);
  ASSERT_EQ(client().Delete("/developer/api/sessions", session(token))->status, 204);
  get("/developer/api/me", session(token), 401);
  const std::string lapsing = post("/developer/api/sessions", {{"email", email}, {"password", "correct horse battery"}}, {}, 201)["token"];
  get("/developer/api/me", session(lapsing), 200);
  psql(databaseUrl(), "UPDATE flint.developer_sessions SET expires_at = now() - interval '1 second' WHERE account_id = "
                      "(SELECT id FROM flint.developer_accounts WHERE email = '" + email + "')");
  get("/developer/api/me", session(lapsing), 401);

  for (int i = 0; i < 5; ++i)
    post("/developer/api/sessions", {{"email", email}, {"password", "wrong password!"}}, {}, 401);
  // Locked after five failures, even with the right password.
  post("/developer/api/sessions", {{"email", email}, {"password", "correct horse battery"}}, {}, 429);
  EXPECT_EQ(psql(databaseUrl(), "SELECT count(*) FROM flint.developer_accounts WHERE password_hash NOT LIKE 'scrypt$%'"), "0\n");
}

TEST(DeveloperProgramme, RequestsAreCheckedAndSeenOnlyByTheirOwners) {
  const std::string token = developer(uniqueEmail("bo"));
  json bad = accessRequest("patient-directed");
  bad["contact"]["email"] = "bo@gmail.com";
  bad["termsOfUse"]["version"] = "an old one";
  bad["fees"] = {{"amount", 100}};
  const json refused = post("/developer/api/requests", bad, session(token), 422);
  std::set<std::string> fields;
  for (const auto& issue : refused["issue"]) fields.insert(issue["expression"][0].get<std::string>());
  EXPECT_EQ(fields, (std::set<std::string>{"contact.email", "termsOfUse.version", "fees"})) << refused.dump();
  post("/developer/api/requests", accessRequest("patient-directed"), {}, 401);
  post("/developer/api/requests", "not an object", session(token), 400);
  json huge = accessRequest("patient-directed");
  huge["application"]["description"] = std::string(200000, 'x');
  const json tooLong = post("/developer/api/requests", huge, session(token), 422);
  EXPECT_EQ(tooLong["issue"][0]["expression"][0], "application.description") << tooLong.dump();

  const json created = post("/developer/api/requests", accessRequest("patient-directed"), session(token), 201);
  EXPECT_EQ(created["status"], "received");
  EXPECT_EQ(created["termsOfUseVersion"], termsVersion());
  EXPECT_EQ(created["deadlines"]["running"], "verification");
  const std::string received = created["receivedAt"].get<std::string>().substr(0, 10);
  const std::string due = created["deadlines"]["verificationDue"];
  EXPECT_GE(due, received);
  EXPECT_EQ(created["domainVerification"]["url"], "https://acme.example/.well-known/flint-verification.txt");
  EXPECT_EQ(created["domainVerification"]["token"].get<std::string>().rfind("flint-verification=", 0), 0u);
  const json receipt = lastMail(created["account"]);
  EXPECT_NE(receipt["body"].get<std::string>().find("by " + due + " (ten business days)"), std::string::npos) << receipt;
  EXPECT_EQ(psql(databaseUrl(), "SELECT count(*) FROM flint.terms_of_use WHERE version = '" + termsVersion() + "'"), "1\n");

  const std::string id = std::to_string(created["id"].get<long long>());
  EXPECT_EQ(get("/developer/api/requests/" + id, session(token))["application"]["name"], "Acme patient-directed");
  const std::string other = developer(uniqueEmail("cy"));
  get("/developer/api/requests/" + id, session(other), 404);
  EXPECT_TRUE(get("/developer/api/requests", session(other)).empty());
  EXPECT_EQ(get("/developer/api/requests", session(token)).size(), 1u);
  get("/developer/api/requests/x1", session(token), 404);
}

TEST(DeveloperProgramme, TheQueueFlagsDeadlinesAndRecordsEachDecision) {
  const std::string token = developer(uniqueEmail("di"));
  const long long id = post("/developer/api/requests", accessRequest("population", "domain"), session(token), 201)["id"];
  const long long late = post("/developer/api/requests", accessRequest("population"), session(token), 201)["id"];
  psql(databaseUrl(), "UPDATE flint.developer_requests SET received_at = now() - interval '40 days' WHERE id = " +
                          std::to_string(late));
  const json queue = get("/admin/developer/requests", admin());
  json lateEntry, freshEntry;
  for (const auto& r : queue["requests"]) {
    if (r["id"] == late) lateEntry = r;
    if (r["id"] == id) freshEntry = r;
  }
  EXPECT_EQ(lateEntry["deadlines"]["flag"], "overdue") << queue.dump();
  EXPECT_FALSE(freshEntry["deadlines"].contains("flag")) << freshEntry.dump();
  EXPECT_GE(queue["summary"]["overdue"].get<int>(), 1);
  get("/admin/developer/requests", {}, 401);

  auto metrics = client().Get("/metrics", admin());
  ASSERT_EQ(metrics->status, 200);
  EXPECT_TRUE(std::regex_search(metrics->body, std::regex("flint_developer_requests_overdue [1-9]"))) << metrics->body;
  EXPECT_EQ(client().Get("/metrics")->status, 401);
  std::string output;
  EXPECT_EQ(runFlint({"developer", "overdue"}, &output), 1) << output;
  EXPECT_NE(output.find(std::to_string(late) + "\treceived\tverification due"), std::string::npos) << output;

  decide(id, "enable", json::object(), 409);
  decide(id, "verify", json::object(), 409);  // a domain identifier needs the domain shown to be controlled first
  decide(id, "deny", {{"reason", "we do not like the product"}}, 422);
  decide(id, "domain-verified", {{"reviewer", "Rita"}, {"note", "TXT record seen"}});
  EXPECT_EQ(decide(id, "verify", {{"reviewer", "Rita"}}), "verified");
  const json verified = get("/admin/developer/requests/" + std::to_string(id), admin());
  EXPECT_EQ(verified["deadlines"]["running"], "enablement");
  EXPECT_TRUE(verified["deadlines"]["verifiedOnTime"].get<bool>());
  ASSERT_EQ(verified["decisions"].size(), 2u);
  EXPECT_EQ(verified["decisions"][0]["decision"], "domain-verified");
  EXPECT_EQ(verified["decisions"][0]["by"], "admin API (Rita)");
  EXPECT_EQ(verified["decisions"][1]["decision"], "verify");
  EXPECT_NE(lastMail(verified["account"])["subject"].get<std::string>().find("verified"), std::string::npos);

  EXPECT_EQ(decide(late, "deny", {{"reason", "identity-unconfirmed"}, {"note", "no such registration"}}), "denied");
  const json denied = get("/developer/api/requests/" + std::to_string(late), session(token));
  EXPECT_EQ(denied["decisions"][0]["reasonText"],
            "The organisation's legal name and business identifier could not be confirmed.");
  EXPECT_FALSE(denied["decisions"][0].contains("by")) << "the developer sees the decision, not the reviewer";
  decide(late, "verify", json::object(), 409);
  decide(999999999, "verify", json::object(), 404);
}

TEST(DeveloperProgramme, APatientDirectedAppGetsOneClientIdOnEveryPortal) {
  const std::string a = securedInstance("dev-a"), b = securedInstance("dev-b");
  const std::string noPortal = securedInstance("dev-c", false);
  const std::string token = developer(uniqueEmail("ed"));
  const std::string sandbox = post("/developer/api/sandboxes", {{"name", uniqueInstanceName("ed")}, {"patients", 1}},
                                   session(token), 201)["name"];
  const long long id = post("/developer/api/requests", accessRequest("patient-directed"), session(token), 201)["id"];
  decide(id, "enable", json::object(), 409);  // an unverified developer gets no production client
  EXPECT_FALSE(get("/developer/api/requests/" + std::to_string(id), session(token)).contains("clientId"));
  EXPECT_TRUE(get("/developer/api/requests/" + std::to_string(id), session(token))["instances"].empty());
  decide(id, "verify");
  EXPECT_EQ(decide(id, "enable"), "enabled");
  const std::string clientId = get("/developer/api/requests/" + std::to_string(id), session(token))["clientId"];
  ASSERT_FALSE(clientId.empty());
  for (const auto& instance : {a, b}) {
    const json c = clientOn(instance, clientId);
    ASSERT_FALSE(c.is_null()) << instance;
    EXPECT_EQ(c["type"], "public");
    EXPECT_EQ(c["redirectUris"], json({"https://app.acme.example/callback"}));
    EXPECT_FALSE(c["disabled"].get<bool>());
    EXPECT_NE(c["scope"].get<std::string>().find("patient/*.rs"), std::string::npos);
  }
  EXPECT_TRUE(clientOn(noPortal, clientId).is_null());
  EXPECT_TRUE(clientOn(sandbox, clientId).is_null()) << "a sandbox is not a production portal";

  const std::string later = securedInstance("dev-d");
  EXPECT_FALSE(clientOn(later, clientId).is_null()) << "an instance that gains a portal later gets the app too";
  const json mine = get("/developer/api/requests/" + std::to_string(id), session(token));
  std::set<std::string> where;
  for (const auto& p : mine["instances"]) where.insert(p["instance"].get<std::string>());
  EXPECT_TRUE(where.count(a) && where.count(b) && where.count(later)) << mine.dump();
  EXPECT_FALSE(where.count(noPortal));

  auto patched = client().Patch("/admin/instances/" + later, admin(), R"({"patientPortal": false})", "application/json");
  ASSERT_EQ(patched->status, 200) << patched->body;
  EXPECT_TRUE(clientOn(later, clientId)["disabled"].get<bool>()) << "a portal switched off takes the app's client away";
  patched = client().Patch("/admin/instances/" + noPortal, admin(), R"({"patientPortal": true})", "application/json");
  EXPECT_FALSE(clientOn(noPortal, clientId).is_null());

  EXPECT_EQ(decide(id, "revoke", {{"note", "the developer asked"}}), "revoked");
  EXPECT_TRUE(clientOn(a, clientId)["disabled"].get<bool>());
  EXPECT_TRUE(clientOn(b, clientId)["disabled"].get<bool>());
  EXPECT_TRUE(get("/developer/api/requests/" + std::to_string(id), session(token))["instances"].empty());
  const std::string afterRevoke = securedInstance("dev-e");
  EXPECT_TRUE(clientOn(afterRevoke, clientId).is_null());
}

TEST(DeveloperProgramme, APopulationAppWorksOnlyWherePracticesAuthoriseIt) {
  const std::string practice = securedInstance("dev-p"), elsewhere = securedInstance("dev-q");
  const std::string token = developer(uniqueEmail("fay"));
  const long long id = post("/developer/api/requests", accessRequest("population"), session(token), 201)["id"];
  const std::string path = "/admin/instances/" + practice + "/developer-apps/" + std::to_string(id) + "/authorize";
  post(path, {{"scope", "system/Patient.rs"}}, admin(), 409);  // not enabled yet
  decide(id, "verify");
  decide(id, "enable");
  const std::string clientId = get("/admin/developer/requests/" + std::to_string(id), admin())["clientId"];
  EXPECT_TRUE(clientOn(practice, clientId).is_null()) << "enabled is only available: no practice, no data";

  ClientKey key("RSA", "k1");
  expectOAuthError(requestToken(practice, clientAssertion(key, "RS384", clientId, tokenUrl(practice)), "system/Patient.rs"),
                   401, "invalid_client");

  post(path, {{"scope", "patient/*.rs"}}, admin(), 422);
  post(path, json::object(), admin(), 422);
  post(path, {{"scope", "system/Patient.rs"}}, {}, 401);
  const json placed = post(path, {{"scope", "system/Patient.rs system/Observation.rs"}, {"reviewer", "Dr Practice"}}, admin(), 200);
  ASSERT_EQ(placed["instances"].size(), 1u);
  EXPECT_EQ(placed["instances"][0]["instance"], practice);
  EXPECT_EQ(placed["instances"][0]["authorizedBy"], "admin API (Dr Practice)");
  const json c = clientOn(practice, clientId);
  EXPECT_EQ(c["type"], "backend");
  EXPECT_EQ(c["jwksUrl"], "https://app.acme.example/jwks.json");
  EXPECT_TRUE(clientOn(elsewhere, clientId).is_null());

  post("/admin/instances/" + practice + "/developer-apps/" + std::to_string(id) + "/deauthorize", json::object(), admin(), 200);
  EXPECT_TRUE(clientOn(practice, clientId)["disabled"].get<bool>());
}

// The token is fetched from https://<domain>/.well-known/flint-verification.txt with the
// certificate verified for the domain (here a test CA, the site on loopback).
TEST(DeveloperProgramme, DomainControlIsShownByTheTokenOverVerifiedTls) {
  char dir[] = "/tmp/flint-domain-XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  const TestCertificate cert = makeTestCertificate(dir, "DNS:acme.example");
  httplib::SSLServer site(cert.certificateFile.c_str(), cert.privateKeyFile.c_str());
  std::string published = "not the token";
  site.Get("/.well-known/flint-verification.txt",
           [&](const httplib::Request&, httplib::Response& res) { res.set_content(published, "text/plain"); });
  const int port = site.bind_to_any_port("127.0.0.1");
  std::thread serving([&] { site.listen_after_bind(); });
  const std::string at = "127.0.0.1:" + std::to_string(port);
  {
    FlintServer checker({"--developer-ca-file", cert.certificateFile, "--developer-domain-resolve",
                         "acme.example=" + at + ",impostor.example=" + at});
    auto c = client(checker);
    const std::string token = developer(uniqueEmail("gus"));
    const json created = post("/developer/api/requests", accessRequest("patient-directed", "domain"), session(token), 201);
    const std::string check = "/developer/api/requests/" + std::to_string(created["id"].get<long long>()) + "/check-domain";
    auto res = c.Post(check, session(token), "", "application/json");
    ASSERT_EQ(res->status, 422) << res->body;
    EXPECT_NE(res->body.find("no line of the file is this request's token"), std::string::npos) << res->body;

    published = "# Flint\n" + created["domainVerification"]["token"].get<std::string>() + "\r\n";
    EXPECT_EQ(c.Post(check, session(developer(uniqueEmail("hal"))), "", "application/json")->status, 404)
        << "only the request's owner asks for its check";
    res = c.Post(check, session(token), "", "application/json");
    ASSERT_EQ(res->status, 200) << res->body;
    const json decisions = get("/admin/developer/requests/" + std::to_string(created["id"].get<long long>()), admin())["decisions"];
    ASSERT_EQ(decisions.size(), 1u);
    EXPECT_EQ(decisions[0]["decision"], "domain-verified");
    EXPECT_EQ(decisions[0]["by"].get<std::string>().rfind("automatic check", 0), 0u);
    EXPECT_EQ(decide(created["id"], "verify"), "verified");

    json impostor = accessRequest("patient-directed", "domain");
    impostor["organization"]["domain"] = "impostor.example";
    impostor["contact"]["email"] = "ann@impostor.example";
    const json other = post("/developer/api/requests", impostor, session(token), 201);
    published = other["domainVerification"]["token"];
    res = c.Post("/developer/api/requests/" + std::to_string(other["id"].get<long long>()) + "/check-domain", session(token), "",
                 "application/json");
    ASSERT_EQ(res->status, 422) << res->body;
    EXPECT_NE(res->body.find("certificate is not valid for impostor.example"), std::string::npos) << res->body;
  }
  site.stop();
  serving.join();
}

TEST(DeveloperProgramme, SandboxesAreTheDevelopersOwnAndNeverProduction) {
  const std::string production = securedInstance("dev-prod");
  const std::string email = uniqueEmail("gus");
  const std::string token = developer(email), other = developer(uniqueEmail("hal"));
  const long long appId = post("/developer/api/requests", accessRequest("patient-directed"), session(token), 201)["id"];

  const std::string name = uniqueInstanceName("gus");
  const json refused = post("/developer/api/sandboxes", {{"name", "Not A Name"}, {"patients", 999}}, session(token), 422);
  ASSERT_EQ(refused["issue"].size(), 2u) << refused.dump();
  EXPECT_EQ(refused["issue"][0]["expression"][0], "name");
  EXPECT_EQ(refused["issue"][1]["expression"][0], "patients");
  post("/developer/api/sandboxes", {{"name", name}}, {}, 401);
  post("/developer/api/sandboxes", {{"name", name}, {"patients", "many"}}, session(token), 422);
  post("/developer/api/sandboxes", {{"name", name}, {"patients", 2.5}}, session(token), 422);
  EXPECT_EQ(client().Post("/developer/api/sandboxes", session(token), "{\"name\":", "application/json")->status, 400);

  const json made = post("/developer/api/sandboxes", {{"name", name}, {"patients", 2}}, session(token), 201);
  const std::string sandbox = made["name"];
  EXPECT_EQ(sandbox, "sandbox-" + name);
  EXPECT_EQ(made["fhirBaseUrl"], publicBase() + "/" + sandbox + "/fhir");
  ASSERT_EQ(made["logins"].size(), 2u) << made.dump();
  EXPECT_EQ(made["logins"][0]["username"], "test-patient");
  const std::string patientPassword = made["logins"][0]["password"];
  EXPECT_GE(patientPassword.size(), 12u);
  ASSERT_EQ(made["apps"].size(), 1u);
  const std::string sandboxClient = made["apps"][0]["clientId"];
  EXPECT_EQ(sandboxClient.rfind("sandbox-", 0), 0u);
  EXPECT_FALSE(get("/developer/api/sandboxes/" + sandbox, session(token))["logins"][0].contains("password"))
      << "a password is shown once";
  get("/developer/api/sandboxes/" + sandbox, session(other), 404);
  post("/developer/api/sandboxes", {{"name", name}}, session(other), 409);

  // Seeded, and guarded like production: no token, no data; the test patient's launch works.
  EXPECT_EQ(client().Get("/" + sandbox + "/fhir/Patient")->status, 401);
  const auto [status, granted] = patientLaunch(sandbox, sandboxClient, "test-patient", patientPassword);
  ASSERT_EQ(status, 200) << granted.dump();
  const std::string patient = granted["patient"];
  auto read = client().Get("/" + sandbox + "/fhir/Patient/" + patient, bearer(granted["access_token"]));
  ASSERT_EQ(read->status, 200) << read->body;
  EXPECT_EQ(client().Get("/" + production + "/fhir/Patient/" + patient, bearer(granted["access_token"]))->status, 401)
      << "a sandbox token is not production's";

  // The sandbox client is unknown to production, even once the app is enabled there.
  decide(appId, "verify");
  decide(appId, "enable");
  const std::string productionClient = get("/developer/api/requests/" + std::to_string(appId), session(token))["clientId"];
  EXPECT_NE(productionClient, sandboxClient);
  EXPECT_TRUE(clientOn(production, sandboxClient).is_null());
  EXPECT_EQ(patientLaunch(production, sandboxClient, "test-patient", patientPassword).first, 400);
  EXPECT_TRUE(clientOn(sandbox, productionClient).is_null());

  // A later app is registered on the sandbox at once; a population app's sandbox client is
  // refused by production's token endpoint.
  post("/developer/api/requests", accessRequest("population"), session(token), 201);
  const json apps = get("/developer/api/sandboxes/" + sandbox, session(token))["apps"];
  ASSERT_EQ(apps.size(), 2u) << apps.dump();
  const std::string backend = apps[0]["accessModel"] == "population" ? apps[0]["clientId"] : apps[1]["clientId"];
  EXPECT_EQ(clientOn(sandbox, backend)["type"], "backend");
  ClientKey key("RSA", "k1");
  expectOAuthError(requestToken(production, clientAssertion(key, "RS384", backend, tokenUrl(production)), "system/Patient.rs"),
                   401, "invalid_client");

  // Never in the directory.
  EXPECT_EQ(client().Get("/directory")->body.find(sandbox), std::string::npos);

  // New passwords on request: the old one stops working.
  const json fresh = post("/developer/api/sandboxes/" + sandbox + "/logins", json::object(), session(token), 200);
  EXPECT_NE(fresh[0]["password"], patientPassword);
  EXPECT_EQ(patientLaunch(sandbox, sandboxClient, "test-patient", patientPassword).first, 401);

  // The limit (two), and a delete frees a slot.
  const std::string second = post("/developer/api/sandboxes", {{"name", name + "-2"}, {"patients", 1}}, session(token), 201)["name"];
  const json limited = post("/developer/api/sandboxes", {{"name", name + "-3"}, {"patients", 1}}, session(token), 409);
  EXPECT_NE(limited["issue"][0]["diagnostics"].get<std::string>().find("2 sandboxes"), std::string::npos) << limited.dump();
  ASSERT_EQ(client().Delete("/developer/api/sandboxes/" + second, session(token))->status, 204);
  EXPECT_NE(client().Get("/" + second + "/fhir/metadata")->status, 200);
  get("/developer/api/sandboxes/" + second, session(token), 404);
  const std::string third = post("/developer/api/sandboxes", {{"name", name + "-3"}, {"patients", 1}}, session(token), 201)["name"];
  EXPECT_EQ(get("/developer/api/sandboxes", session(token)).size(), 2u);

  // A reminder a week before the end, then expiry (the sweep the server runs every five minutes).
  const std::string where = " WHERE name = '" + sandbox + "'";
  psql(databaseUrl(), "UPDATE flint.developer_sandboxes SET expires_at = now() + interval '3 days'" + where);
  std::string out;
  ASSERT_EQ(runFlint({"developer", "sweep"}, &out), 0) << out;
  EXPECT_NE(lastMail(email)["subject"].get<std::string>().find(sandbox + " expires on"), std::string::npos) << lastMail(email);
  EXPECT_EQ(client().Get("/" + sandbox + "/fhir/metadata")->status, 200);
  psql(databaseUrl(), "UPDATE flint.developer_sandboxes SET expires_at = now() - interval '1 second'" + where);
  ASSERT_EQ(runFlint({"developer", "sweep"}, &out), 0) << out;
  EXPECT_NE(lastMail(email)["subject"].get<std::string>().find(sandbox + " has expired"), std::string::npos) << lastMail(email);
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));  // a server learns another process's change within a second
  EXPECT_NE(client().Get("/" + sandbox + "/fhir/metadata")->status, 200);
  get("/developer/api/sandboxes/" + sandbox, session(token), 404);
  EXPECT_FALSE(get("/developer/api/sandboxes/" + third, session(token)).is_null());

  // Only the programme makes sandboxes.
  auto named = client().Post("/admin/instances", admin(),
                             json{{"name", "sandbox-" + uniqueInstanceName("x")}, {"organization", {{"name", "X"}}}}.dump(),
                             "application/json");
  EXPECT_EQ(named->status, 400) << named->body;
}

TEST(DeveloperProgramme, MailGoesOutOverSmtpWhenConfigured) {
  SmtpSink sink;
  FlintServer mailing({"--smtp-url", "smtp://127.0.0.1:" + std::to_string(sink.port()), "--mail-from",
                       "Flint Programme <programme@flint.example>"});
  httplib::Client http = client(mailing);
  const std::string email = uniqueEmail("ivy");
  ASSERT_EQ(http.Post("/developer/api/accounts", json{{"email", email}, {"password", "correct horse battery"}}.dump(),
                      "application/json")->status, 202);
  std::optional<ReceivedMail> mail;
  for (int i = 0; i < 100 && !mail; ++i) {
    for (const auto& m : sink.received())
      if (m.to == std::vector<std::string>{email}) mail = m;
    if (!mail) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_TRUE(mail) << "the code was not delivered over SMTP";
  EXPECT_EQ(mail->from, "programme@flint.example");
  EXPECT_NE(mail->data.find("From: Flint Programme <programme@flint.example>"), std::string::npos) << mail->data;
  EXPECT_NE(mail->data.find("To: " + email), std::string::npos);
  EXPECT_NE(mail->data.find("Content-Type: text/plain; charset=utf-8"), std::string::npos);
  std::smatch code;
  ASSERT_TRUE(std::regex_search(mail->data, code, std::regex("code is ([0-9]{6})"))) << mail->data;
  ASSERT_EQ(http.Post("/developer/api/accounts/confirm", json{{"email", email}, {"code", code[1].str()}}.dump(),
                      "application/json")->status, 200);
  EXPECT_TRUE(lastMail(email).contains("sentAt")) << lastMail(email);

  // A refused recipient is retried later, with the server's complaint kept for admins.
  const std::string refused = "refuse-" + uniqueEmail("jo");
  http.Post("/developer/api/accounts", json{{"email", refused}, {"password", "correct horse battery"}}.dump(), "application/json");
  json entry;
  for (int i = 0; i < 100 && !entry.contains("lastError"); ++i) {
    entry = lastMail(refused);
    if (!entry.contains("lastError")) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_NE(entry.value("lastError", "").find("550"), std::string::npos) << entry;
  EXPECT_EQ(entry.value("attempts", 0), 1) << entry;
  EXPECT_FALSE(entry.contains("sentAt"));
}

TEST(DeveloperProgramme, ReviewerAccountsDecideButNeverOnTheirOwnRequests) {
  const std::string reviewerEmail = uniqueEmail("kim");
  const std::string reviewer = developer(reviewerEmail), applicant = developer(uniqueEmail("lou"));
  const long long theirs = post("/developer/api/requests", accessRequest("patient-directed"), session(applicant), 201)["id"];
  const long long own = post("/developer/api/requests", accessRequest("patient-directed"), session(reviewer), 201)["id"];
  const std::string path = "/admin/developer/requests/" + std::to_string(theirs) + "/verify";

  get("/admin/developer/requests", session(reviewer), 403);  // not a reviewer yet
  get("/admin/developer/requests", {}, 401);
  auto made = client().Put("/admin/developer/reviewers/" + reviewerEmail, admin(), "", "application/json");
  ASSERT_EQ(made->status, 200) << made->body;
  EXPECT_NE(made->body.find(reviewerEmail), std::string::npos);
  EXPECT_EQ(client().Put("/admin/developer/reviewers/" + uniqueEmail("nobody"), admin(), "", "application/json")->status, 404);
  EXPECT_EQ(client().Put("/admin/developer/reviewers/" + reviewerEmail, session(reviewer), "", "application/json")->status, 401)
      << "reviewers do not make reviewers";

  EXPECT_FALSE(get("/admin/developer/requests", session(reviewer))["requests"].empty());
  EXPECT_FALSE(get("/admin/developer/denial-reasons", session(reviewer)).empty());
  get("/admin/developer/outbox", session(reviewer), 401);  // the codes in it are the admins' to see
  const json verified = post(path, json::object(), session(reviewer), 200);
  EXPECT_EQ(verified["status"], "verified");
  EXPECT_EQ(verified["decisions"][0]["by"], "reviewer " + reviewerEmail);
  post("/admin/developer/requests/" + std::to_string(own) + "/verify", json::object(), session(reviewer), 403);
  post(path, json::object(), session(applicant), 403);

  ASSERT_EQ(client().Delete("/admin/developer/reviewers/" + reviewerEmail, admin())->status, 200);
  get("/admin/developer/requests", session(reviewer), 403);
}

TEST(DeveloperProgramme, APracticeAdminAuthorisesPopulationAppsOnItsPage) {
  const std::string practice = securedInstance("dev-pa");
  const std::string token = developer(uniqueEmail("max"));
  const long long id = post("/developer/api/requests", accessRequest("population"), session(token), 201)["id"];
  decide(id, "verify");
  decide(id, "enable");
  const std::string clientId = get("/admin/developer/requests/" + std::to_string(id), admin())["clientId"];
  auto staff = [&](const std::string& username, bool practiceAdmin) {
    auto res = client().Post("/admin/instances/" + practice + "/users", admin(),
                             json{{"username", username}, {"password", username + "-password"},
                                  {"fhirUser", "Practitioner/p1"}, {"practiceAdmin", practiceAdmin}}.dump(),
                             "application/json");
    ASSERT_EQ(res->status, 201) << res->body;
    EXPECT_EQ(json::parse(res->body)["practiceAdmin"], practiceAdmin);
  };
  staff("boss", true);
  staff("clerk", false);
  auto patientAdmin = client().Post("/admin/instances/" + practice + "/users", admin(),
                                    json{{"username", "pat"}, {"password", "pat-password"}, {"fhirUser", "Patient/x"},
                                         {"practiceAdmin", true}}.dump(),
                                    "application/json");
  EXPECT_EQ(patientAdmin->status, 400) << "only staff can be practice admins";

  const std::string page = "/" + practice + "/auth/practice-apps";
  auto signIn = [&](FormBrowser& browser, const std::string& username) {
    auto login = browser.get(page);
    EXPECT_NE(login->body.find("value=\"practice-apps\""), std::string::npos);
    auto in = browser.post("/" + practice + "/auth/login",
                           {{"next", "practice-apps"}, {"username", username}, {"password", username + "-password"}});
    EXPECT_EQ(in->status, 303) << in->body;
    return browser.get(page);
  };
  FormBrowser clerk;
  EXPECT_EQ(signIn(clerk, "clerk")->status, 403);

  FormBrowser boss;
  const auto listed = signIn(boss, "boss");
  ASSERT_EQ(listed->status, 200) << listed->body;
  EXPECT_NE(listed->body.find("Acme population"), std::string::npos);
  EXPECT_NE(listed->body.find("Not authorised"), std::string::npos);
  std::smatch m;
  ASSERT_TRUE(std::regex_search(listed->body, m, std::regex("name=\"token\" value=\"([^\"]+)\"")));
  const std::string formToken = m[1];
  const std::string app = std::to_string(id);
  EXPECT_EQ(boss.post(page, {{"app", app}, {"decision", "authorize"}, {"scope", "system/*.rs"}})->status, 400)
      << "a form without the page's token";
  const auto refused = boss.post(page, {{"token", formToken}, {"app", app}, {"decision", "authorize"}, {"scope", "patient/*.rs"}});
  EXPECT_EQ(refused->status, 200);
  EXPECT_NE(refused->body.find("class=\"error\""), std::string::npos);
  EXPECT_TRUE(clientOn(practice, clientId).is_null());

  EXPECT_EQ(boss.post(page, {{"token", formToken}, {"app", app}, {"decision", "authorize"}, {"scope", "system/Observation.rs"}})->status, 303);
  const json c = clientOn(practice, clientId);
  ASSERT_FALSE(c.is_null());
  EXPECT_EQ(c["scope"], "system/Observation.rs");
  const json placed = get("/admin/developer/requests/" + std::to_string(id), admin())["instances"];
  ASSERT_EQ(placed.size(), 1u);
  EXPECT_EQ(placed[0]["authorizedBy"], "practice admin boss");
  EXPECT_NE(boss.get(page)->body.find("Authorised: system/Observation.rs"), std::string::npos);

  EXPECT_EQ(boss.post(page, {{"token", formToken}, {"app", app}, {"decision", "withdraw"}})->status, 303);
  EXPECT_TRUE(clientOn(practice, clientId)["disabled"].get<bool>());
}
