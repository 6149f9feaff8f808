// The developer-access programme over HTTP: accounts confirmed by a mailed code, access requests
// checked field by field and seen only by their owners, the reviewers' queue with business-day
// deadlines and flags, identity-only decisions recorded with who made them, and enablement: a
// patient-directed app on every portal instance with one client id (later ones too), a
// population app only where a practice authorised it.
#include <gtest/gtest.h>

#include <regex>
#include <thread>

#include "tests/support/flint_server.h"
#include "tests/support/smart_helpers.h"
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
  const std::string noPortal = securedInstance("dev-c", false), sandbox = securedInstance("sandbox-dev");
  const std::string token = developer(uniqueEmail("ed"));
  const long long id = post("/developer/api/requests", accessRequest("patient-directed"), session(token), 201)["id"];
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
