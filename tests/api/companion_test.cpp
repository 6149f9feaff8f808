// The provider companion, first part: a plugin's companion applications registered as SMART
// clients of the instance when it is installed (Flint's launch_url and redirect_uris checked, the
// admin's scope ceiling applied, clients disabled when an app or the plugin goes), and the staff
// sign-in with the registry as JSON, filtered by scope, for staff sessions only.
#include <gtest/gtest.h>

#include "tests/support/flint_server.h"
#include "tests/support/form_browser.h"
#include "tests/support/smart_helpers.h"

using namespace flint::testing;
using nlohmann::json;

namespace {

json application(const std::string& cls, const std::string& scope, const std::string& name) {
  return {{"class", cls},
          {"name", name},
          {"description", name + " for the practice"},
          {"icon", "assets/icon.png"},
          {"scope", scope},
          {"launch_url", "https://apps.example/" + cls + "/launch"},
          {"redirect_uris", {"https://apps.example/" + cls + "/callback"}}};
}

json manifest(const std::string& plugin, const json& applications) {
  return {{"sdk_version", "0.203.0"},
          {"plugin_version", "1.0.0"},
          {"name", plugin},
          {"description", "Companion apps"},
          {"components", {{"applications", applications}}},
          {"tags", json::object()},
          {"license", ""},
          {"readme", false}};
}

httplib::Result install(const std::string& instance, const json& body) {
  return client().Post("/admin/instances/" + instance + "/plugins", admin(), body.dump(), "application/json");
}

json clientOn(const std::string& instance, const std::string& clientId) {
  for (const auto& c : json::parse(client().Get("/admin/instances/" + instance + "/clients", admin())->body))
    if (c["clientId"] == clientId) return c;
  return nullptr;
}

std::string staffUser(const std::string& instance, const std::string& username, const std::string& fhirUser = "Practitioner/p1") {
  auto res = client().Post("/admin/instances/" + instance + "/users", admin(),
                           json{{"username", username}, {"password", username + "-password"}, {"fhirUser", fhirUser}}.dump(),
                           "application/json");
  EXPECT_EQ(res->status, 201) << res->body;
  return username;
}

}  // namespace

TEST(CompanionApps, InstallingAPluginRegistersItsCompanionAppsAsSmartClients) {
  const std::string instance = securedInstance("comp-reg");
  const json apps = json::array({application("charts.Launcher", "provider_companion_global", "Rounds"),
                                 application("charts.Tab", "provider_companion_patient_specific", "Care plan"),
                                 application("charts.Note", "provider_companion_note_specific", "Note helper"),
                                 {{"class", "charts.Drawer"}, {"name", "Drawer"}, {"description", "EHR only"},
                                  {"icon", "assets/d.png"}, {"scope", "patient_specific"}}});
  auto res = install(instance, {{"manifest", manifest("charts", apps)}, {"applicationScope", "user/Patient.rs patient/*.rs"}});
  ASSERT_EQ(res->status, 201) << res->body;
  const json installed = json::parse(res->body);
  ASSERT_EQ(installed["applications"].size(), 3u) << "only the companion's scopes are companion apps";
  std::map<std::string, std::string> clientOf;
  for (const auto& a : installed["applications"]) clientOf[a["class"]] = a["clientId"];
  const json tab = clientOn(instance, clientOf["charts.Tab"]);
  ASSERT_FALSE(tab.is_null());
  EXPECT_EQ(tab["type"], "public");
  EXPECT_EQ(tab["name"], "Care plan");
  EXPECT_EQ(tab["launchUri"], "https://apps.example/charts.Tab/launch");
  EXPECT_EQ(tab["redirectUris"], json({"https://apps.example/charts.Tab/callback"}));
  EXPECT_EQ(tab["scope"], "launch openid fhirUser user/Patient.rs patient/*.rs") << "the admin's ceiling, launchable";

  // Re-installed without one app and with another's URL changed: the dropped app's client stops,
  // the changed app gets a new client, the unchanged one keeps its id.
  json fewer = json::array({application("charts.Launcher", "provider_companion_global", "Rounds"),
                            application("charts.Tab", "provider_companion_patient_specific", "Care plan")});
  fewer[1]["launch_url"] = "https://apps.example/v2/launch";
  res = install(instance, {{"manifest", manifest("charts", fewer)}});
  ASSERT_EQ(res->status, 201) << res->body;
  const json reinstalled = json::parse(res->body);
  ASSERT_EQ(reinstalled["applications"].size(), 2u) << res->body;
  std::map<std::string, std::string> now;
  for (const auto& a : reinstalled["applications"]) now[a["class"]] = a["clientId"];
  EXPECT_EQ(now["charts.Launcher"], clientOf["charts.Launcher"]);
  EXPECT_NE(now["charts.Tab"], clientOf["charts.Tab"]);
  EXPECT_TRUE(clientOn(instance, clientOf["charts.Tab"])["disabled"].get<bool>());
  EXPECT_TRUE(clientOn(instance, clientOf["charts.Note"])["disabled"].get<bool>());
  EXPECT_FALSE(clientOn(instance, now["charts.Tab"])["disabled"].get<bool>());

  ASSERT_EQ(client().Delete("/admin/instances/" + instance + "/plugins/charts", admin())->status, 204);
  for (const auto& [cls, id] : now) EXPECT_TRUE(clientOn(instance, id)["disabled"].get<bool>()) << cls;
}

TEST(CompanionApps, AnApplicationThatCannotBeLaunchedInstallsNothing) {
  const std::string instance = securedInstance("comp-bad");
  auto refused = [&](const json& body, const std::string& path) {
    auto res = install(instance, body);
    EXPECT_EQ(res->status, 400) << res->body;
    EXPECT_NE(res->body.find(path), std::string::npos) << res->body;
  };
  json noLaunch = application("x.A", "provider_companion_global", "A");
  noLaunch.erase("launch_url");
  refused({{"manifest", manifest("bad", json::array({noLaunch}))}}, "$.components.applications[0].launch_url");
  json plainHttp = application("x.A", "provider_companion_global", "A");
  plainHttp["redirect_uris"] = {"http://apps.example/cb"};
  refused({{"manifest", manifest("bad", json::array({plainHttp}))}}, "redirect_uris[0]");
  refused({{"manifest", manifest("bad", json::array({application("x.A", "provider_companion_global", "A")}))},
           {"applicationScope", "system/*.rs"}},
          "applicationScope");
  auto notScopes = install(instance, {{"manifest", manifest("bad", json::array({application("x.A", "provider_companion_global", "A")}))},
                                      {"applicationScope", json::array({"user/*.rs"})}});
  EXPECT_EQ(notScopes->status, 400) << notScopes->body;
  json keyed = manifest("bad", json::array({application("x.A", "provider_companion_global", "A")}));
  keyed["variables"] = {{{"name", "smart_client_type"}, {"default", "confidential-asymmetric"}}};
  refused({{"manifest", keyed}}, "smart_jwks_url");
  EXPECT_EQ(client().Get("/admin/instances/" + instance + "/plugins", admin())->body, "[]") << "nothing was installed";

  json loopback = application("x.A", "provider_companion_global", "A");
  loopback["launch_url"] = "http://127.0.0.1:9000/launch";
  loopback["redirect_uris"] = {"http://localhost:9000/cb"};
  EXPECT_EQ(install(instance, {{"manifest", manifest("dev", json::array({loopback}))}})->status, 201)
      << "an app in development on loopback";
}

TEST(CompanionApps, StaffSignInAndTheRegistryByScope) {
  const std::string instance = securedInstance("comp-staff"), other = securedInstance("comp-other");
  ASSERT_EQ(install(instance, {{"manifest", manifest("charts", json::array({
                                                                    application("c.Global", "provider_companion_global", "Rounds"),
                                                                    application("c.Tab", "provider_companion_patient_specific", "Care plan"),
                                                                    application("c.Note", "provider_companion_note_specific", "Note helper"),
                                                                }))}})
                ->status,
            201);
  staffUser(instance, "nurse");
  staffUser(instance, "pat", "Patient/x");
  staffUser(other, "nurse");
  const std::string base = "/" + instance + "/companion";

  FormBrowser anonymous;
  auto signinPage = anonymous.get(base + "/");
  ASSERT_EQ(signinPage->status, 200);
  EXPECT_NE(signinPage->body.find("Staff sign-in"), std::string::npos);
  EXPECT_EQ(anonymous.get(base + "/api/apps")->status, 401);
  EXPECT_EQ(anonymous.post(base + "/signin", {{"username", "nurse"}, {"password", "wrong-password"}})->status, 401);
  auto patient = anonymous.post(base + "/signin", {{"username", "pat"}, {"password", "pat-password"}});
  EXPECT_EQ(patient->status, 401);
  EXPECT_NE(patient->body.find("for the practice&#39;s staff"), std::string::npos) << patient->body;

  // A patient signed in to the authorization server (the patient portal's session) is no one here.
  FormBrowser portal;
  ASSERT_EQ(portal.post("/" + instance + "/auth/login", {{"next", "manage"}, {"username", "pat"}, {"password", "pat-password"}})->status, 303);
  ASSERT_TRUE(portal.cookies.count("flint_session"));
  portal.cookies["flint_companion"] = portal.cookies["flint_session"];
  EXPECT_EQ(portal.get(base + "/api/apps")->status, 401);
  EXPECT_NE(portal.get(base + "/")->body.find("Staff sign-in"), std::string::npos);

  FormBrowser nurse;
  auto in = nurse.post(base + "/signin", {{"username", "nurse"}, {"password", "nurse-password"}});
  ASSERT_EQ(in->status, 303);
  EXPECT_NE(in->get_header_value("Set-Cookie").find("Path=" + base + "; "), std::string::npos);
  EXPECT_NE(in->get_header_value("Set-Cookie").find("HttpOnly; SameSite=Strict"), std::string::npos);
  auto home = nurse.get(base + "/");
  ASSERT_EQ(home->status, 200);
  EXPECT_NE(home->body.find("Rounds"), std::string::npos);
  EXPECT_EQ(home->body.find("Care plan"), std::string::npos) << "the launcher holds global apps only";

  const json all = json::parse(nurse.get(base + "/api/apps")->body);
  EXPECT_EQ(all.size(), 3u);
  const json tabs = json::parse(nurse.get(base + "/api/apps?scope=provider_companion_patient_specific")->body);
  ASSERT_EQ(tabs.size(), 1u);
  EXPECT_EQ(tabs[0]["name"], "Care plan");
  EXPECT_EQ(tabs[0]["scope"], "provider_companion_patient_specific");
  const std::string icon = tabs[0]["iconUrl"];
  EXPECT_EQ(icon.rfind(publicBase() + base + "/icons/", 0), 0u) << icon;
  auto svg = nurse.get(icon.substr(publicBase().size()));
  EXPECT_EQ(svg->status, 200);
  EXPECT_EQ(svg->get_header_value("Content-Type"), "image/svg+xml");
  EXPECT_EQ(nurse.get(base + "/api/apps?scope=everything")->status, 400);

  // The session is this instance's only; signing out ends it.
  FormBrowser elsewhere;
  elsewhere.cookies = nurse.cookies;
  EXPECT_EQ(elsewhere.get("/" + other + "/companion/api/apps")->status, 401);
  std::smatch m;
  ASSERT_TRUE(std::regex_search(home->body, m, std::regex("name=\"token\" value=\"([^\"]+)\"")));
  const std::string cookie = nurse.cookies["flint_companion"];
  EXPECT_EQ(nurse.post(base + "/signout", {{"token", m[1].str()}})->status, 303);
  FormBrowser replay;
  replay.cookies["flint_companion"] = cookie;
  EXPECT_EQ(replay.get(base + "/api/apps")->status, 401);
}

namespace {

// A system token to put test records in place.
std::string systemToken(const std::string& instance) {
  ClientKey key("RSA", "k1");
  const std::string id = backendClient(instance, {{"keys", {key.publicJwk("RS384")}}}, "system/*.cruds");
  auto res = requestToken(instance, clientAssertion(key, "RS384", id, tokenUrl(instance)), "system/*.cruds");
  return json::parse(res->body)["access_token"];
}

std::string create(const std::string& instance, const std::string& token, const json& resource) {
  auto res = client().Post("/" + instance + "/fhir/" + resource["resourceType"].get<std::string>(), bearer(token),
                           resource.dump(), "application/fhir+json");
  EXPECT_EQ(res->status, 201) << res->body;
  return json::parse(res->body)["id"];
}

// The launch id in the app's frame of a companion page.
std::string launchIn(const std::string& html) {
  std::smatch m;
  if (!std::regex_search(html, m, std::regex("iframe id=\"app-frame\"[^>]* src=\"([^\"]+)\""))) return "";
  const std::string src = std::regex_replace(m[1].str(), std::regex("&amp;"), "&");
  const size_t at = src.find("launch=");
  return at == std::string::npos ? "" : httplib::detail::decode_url(src.substr(at + 7), false);
}

// The app's side of the launch: authorize (no page: a redirect with a code), then the token.
std::pair<int, json> appLaunch(const std::string& instance, const std::string& clientId, const std::string& redirect,
                               const std::string& launch, const std::string& scope) {
  const std::string verifier = "companion-verifier-0123456789-0123456789-0123456789";
  auto res = client().Get("/" + instance + "/auth/authorize?" +
                          formEncode({{"response_type", "code"}, {"client_id", clientId}, {"redirect_uri", redirect},
                                      {"scope", scope}, {"state", "st"}, {"aud", publicBase() + "/" + instance + "/fhir"},
                                      {"launch", launch}, {"code_challenge", s256(verifier)}, {"code_challenge_method", "S256"}}));
  const std::string location = res ? res->get_header_value("Location") : "";
  const size_t at = location.find("code=");
  if (!res || res->status != 302 || at == std::string::npos) return {res ? res->status : 0, json(location)};
  const std::string code = httplib::detail::decode_url(location.substr(at + 5, location.find('&', at) - at - 5), false);
  auto token = client().Post("/" + instance + "/auth/token",
                             formEncode({{"grant_type", "authorization_code"}, {"code", code}, {"redirect_uri", redirect},
                                         {"client_id", clientId}, {"code_verifier", verifier}}),
                             "application/x-www-form-urlencoded");
  return {token->status, json::parse(token->body)};
}

}  // namespace

TEST(CompanionApps, AnOpenedAppGetsExactlyItsContextOnce) {
  const std::string instance = securedInstance("comp-launch");
  auto res = install(instance, {{"manifest", manifest("ward", json::array({
                                                                  application("w.Board", "provider_companion_global", "Board"),
                                                                  application("w.Tab", "provider_companion_patient_specific", "Plan"),
                                                                  application("w.Note", "provider_companion_note_specific", "Note"),
                                                              }))},
                                {"applicationScope", "user/*.rs patient/*.rs"}});
  ASSERT_EQ(res->status, 201) << res->body;
  std::map<std::string, std::string> clientOf;
  const json installed = json::parse(res->body);
  for (const auto& a : installed["applications"]) clientOf[a["class"]] = a["clientId"];
  const std::string token = systemToken(instance);
  const std::string alice = create(instance, token, {{"resourceType", "Patient"}, {"name", {{{"family", "Alvarez"}, {"given", {"Ana"}}}}},
                                                     {"birthDate", "1970-02-03"}, {"gender", "female"}});
  const std::string bob = create(instance, token, {{"resourceType", "Patient"}, {"name", {{{"family", "Brown"}}}}});
  const std::string visit = create(instance, token, {{"resourceType", "Encounter"}, {"status", "in-progress"},
                                                     {"class", {{"system", "http://terminology.hl7.org/CodeSystem/v3-ActCode"}, {"code", "AMB"}}},
                                                     {"subject", {{"reference", "Patient/" + alice}}}});
  const std::string bobsVisit = create(instance, token, {{"resourceType", "Encounter"}, {"status", "finished"},
                                                         {"class", {{"system", "http://terminology.hl7.org/CodeSystem/v3-ActCode"}, {"code", "AMB"}}},
                                                         {"subject", {{"reference", "Patient/" + bob}}}});
  staffUser(instance, "doc");
  FormBrowser doc;
  ASSERT_EQ(doc.post("/" + instance + "/companion/signin", {{"username", "doc"}, {"password", "doc-password"}})->status, 303);
  const std::string open = "/" + instance + "/companion/open/";

  // The patient search, the patient's page with its tabs and timeline, and the encounter's.
  auto found = doc.get("/" + instance + "/companion/patients?name=Alvarez");
  ASSERT_EQ(found->status, 200);
  EXPECT_NE(found->body.find("/companion/patients/" + alice + "\">Ana Alvarez"), std::string::npos) << found->body;
  EXPECT_EQ(found->body.find(bob), std::string::npos);
  auto chart = doc.get("/" + instance + "/companion/patients/" + alice);
  ASSERT_EQ(chart->status, 200);
  EXPECT_NE(chart->body.find("Ana Alvarez · born 1970-02-03 · female"), std::string::npos);
  EXPECT_NE(chart->body.find(open + clientOf["w.Tab"] + "?patient=" + alice), std::string::npos) << "a tab per patient app";
  EXPECT_EQ(chart->body.find(clientOf["w.Note"]), std::string::npos);
  EXPECT_NE(chart->body.find("/encounters/" + visit), std::string::npos) << "the timeline's encounters";
  auto note = doc.get("/" + instance + "/companion/patients/" + alice + "/encounters/" + visit);
  ASSERT_EQ(note->status, 200);
  EXPECT_NE(note->body.find(open + clientOf["w.Note"] + "?patient=" + alice + "&amp;encounter=" + visit), std::string::npos);
  EXPECT_EQ(doc.get("/" + instance + "/companion/patients/" + alice + "/encounters/" + bobsVisit)->status, 404);
  EXPECT_EQ(doc.get("/" + instance + "/companion/patients/nobody")->status, 404);
  EXPECT_EQ(FormBrowser().get("/" + instance + "/companion/patients/" + alice)->body.find("Alvarez"), std::string::npos)
      << "signed out: no patient data";

  // Exactly the scope's context.
  EXPECT_EQ(doc.get(open + clientOf["w.Tab"])->status, 400);
  EXPECT_EQ(doc.get(open + clientOf["w.Board"] + "?patient=" + alice)->status, 400);
  EXPECT_EQ(doc.get(open + clientOf["w.Note"] + "?patient=" + alice)->status, 400);
  EXPECT_EQ(doc.get(open + clientOf["w.Note"] + "?patient=" + alice + "&encounter=" + bobsVisit)->status, 404);
  EXPECT_EQ(doc.get(open + clientOf["w.Tab"] + "?patient=nobody")->status, 404);
  EXPECT_EQ(FormBrowser().get(open + clientOf["w.Board"])->status, 200) << "signed out: the sign-in page";
  EXPECT_TRUE(launchIn(FormBrowser().get(open + clientOf["w.Board"])->body).empty());

  // A note app: the patient and the encounter, no banner needed, and no other patient.
  auto notePage = doc.get(open + clientOf["w.Note"] + "?patient=" + alice + "&encounter=" + visit);
  ASSERT_EQ(notePage->status, 200) << notePage->body;
  EXPECT_NE(notePage->body.find("Ana Alvarez · born 1970-02-03 · female"), std::string::npos);
  EXPECT_NE(notePage->get_header_value("Content-Security-Policy").find("frame-src 'self' https://apps.example;"), std::string::npos)
      << notePage->get_header_value("Content-Security-Policy");
  const std::string noteLaunch = launchIn(notePage->body);
  ASSERT_FALSE(noteLaunch.empty()) << notePage->body;
  const std::string noteRedirect = "https://apps.example/w.Note/callback";
  auto [status, granted] = appLaunch(instance, clientOf["w.Note"], noteRedirect, noteLaunch, "launch openid fhirUser patient/*.rs");
  ASSERT_EQ(status, 200) << granted.dump();
  EXPECT_EQ(granted["patient"], alice);
  EXPECT_EQ(granted["encounter"], visit);
  EXPECT_EQ(granted["need_patient_banner"], false);
  EXPECT_EQ(client().Get("/" + instance + "/fhir/Patient/" + alice, bearer(granted["access_token"]))->status, 200);
  EXPECT_EQ(client().Get("/" + instance + "/fhir/Patient/" + bob, bearer(granted["access_token"]))->status, 403);

  // Once only, for that app only, within five minutes.
  EXPECT_NE(appLaunch(instance, clientOf["w.Note"], noteRedirect, noteLaunch, "launch patient/*.rs").first, 200);
  const std::string tabLaunch = launchIn(doc.get(open + clientOf["w.Tab"] + "?patient=" + bob)->body);
  EXPECT_NE(appLaunch(instance, clientOf["w.Note"], noteRedirect, tabLaunch, "launch patient/*.rs").first, 200)
      << "another app's launch";
  const std::string late = launchIn(doc.get(open + clientOf["w.Tab"] + "?patient=" + bob)->body);
  const std::string schema = psql(databaseUrl(), "SELECT schema_name FROM flint.instances WHERE name = '" + instance + "'");
  psql(databaseUrl(), "UPDATE \"" + schema.substr(0, schema.find('\n')) + "\".auth_launches SET expires_at = now() - interval '1 second'"
                      " WHERE used_at IS NULL");
  EXPECT_NE(appLaunch(instance, clientOf["w.Tab"], "https://apps.example/w.Tab/callback", late, "launch patient/*.rs").first, 200);

  // A global app: no patient, and no patient/ scopes without one.
  const std::string boardLaunch = launchIn(doc.get(open + clientOf["w.Board"])->body);
  auto [boardStatus, board] = appLaunch(instance, clientOf["w.Board"], "https://apps.example/w.Board/callback", boardLaunch,
                                        "launch openid fhirUser user/Patient.rs patient/*.rs");
  ASSERT_EQ(boardStatus, 200) << board.dump();
  EXPECT_FALSE(board.contains("patient"));
  EXPECT_EQ(board["scope"], "launch openid fhirUser user/Patient.rs");
}

TEST(CompanionApps, WhatAnAppDoesIsAttributedToTheStaffUserWhoOpenedIt) {
  const std::string instance = securedInstance("comp-audit");
  auto res = install(instance, {{"manifest", manifest("notes", json::array({application("n.Note", "provider_companion_note_specific", "Vitals")}))},
                                {"applicationScope", "user/Observation.cru patient/*.rs"}});
  ASSERT_EQ(res->status, 201) << res->body;
  const std::string app = json::parse(res->body)["applications"][0]["clientId"];
  const std::string token = systemToken(instance);
  const std::string alice = create(instance, token, {{"resourceType", "Patient"}, {"name", {{{"family", "Alvarez"}}}}});
  const std::string visit = create(instance, token, {{"resourceType", "Encounter"}, {"status", "in-progress"},
                                                     {"class", {{"system", "http://terminology.hl7.org/CodeSystem/v3-ActCode"}, {"code", "AMB"}}},
                                                     {"subject", {{"reference", "Patient/" + alice}}}});
  staffUser(instance, "medic");
  long long medicId = 0;
  for (const auto& u : json::parse(client().Get("/admin/instances/" + instance + "/users", admin())->body))
    if (u["username"] == "medic") medicId = u["id"];
  FormBrowser medic;
  ASSERT_EQ(medic.post("/" + instance + "/companion/signin", {{"username", "medic"}, {"password", "medic-password"}})->status, 303);
  ASSERT_EQ(medic.get("/" + instance + "/companion/patients/" + alice)->status, 200);
  const std::string launch =
      launchIn(medic.get("/" + instance + "/companion/open/" + app + "?patient=" + alice + "&encounter=" + visit)->body);
  auto [status, granted] = appLaunch(instance, app, "https://apps.example/n.Note/callback", launch, "launch user/Observation.c");
  ASSERT_EQ(status, 200) << granted.dump();
  const json observation = {{"resourceType", "Observation"}, {"status", "final"}, {"code", {{"text", "Pulse"}}},
                            {"subject", {{"reference", "Patient/" + alice}}}, {"encounter", {{"reference", "Encounter/" + visit}}},
                            {"valueQuantity", {{"value", 72}, {"unit", "/min"}}}};
  auto written = client().Post("/" + instance + "/fhir/Observation", bearer(granted["access_token"]), observation.dump(),
                               "application/fhir+json");
  ASSERT_EQ(written->status, 201) << written->body;

  const json events = json::parse(client().Get("/admin/instances/" + instance + "/audit?kind=fhir&client=" + app, admin())->body);
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events[0]["action"], "POST Observation");
  EXPECT_EQ(events[0]["userId"], medicId) << "the staff user, never a plugin identity";
  EXPECT_EQ(events[0]["patient"], alice);
  EXPECT_NE(events[0]["detail"].get<std::string>().find("encounter=" + visit), std::string::npos) << events[0];
  const json own = json::parse(client().Get("/admin/instances/" + instance + "/audit?kind=fhir&client=companion", admin())->body);
  ASSERT_FALSE(own.empty()) << "the companion's own reads are audited too";
  EXPECT_EQ(own[0]["userId"], medicId);
}
