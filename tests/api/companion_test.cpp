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
