// The provider companion at /{instance}/companion/: staff sign-in (a session cookie below the
// companion), the launcher of the practice's global apps, and the applications registry as JSON
// (GET .../companion/api/apps?scope=) for a signed-in staff session. Phone-first pages, no script.
#include <set>

#include "auth/endpoints/auth_http.h"
#include "auth/launches/ehr_launch.h"
#include "auth/storage/auth_repository.h"
#include "companion/apps/app_registry.h"
#include "companion/staff/staff_session.h"
#include "core/instances/data_routing.h"
#include "core/crypto/digest.h"
#include "core/json/json_writer.h"
#include "core/text/html_template.h"
#include "server/app.h"
#include "server/companion_page_kit.h"
#include "server/responses.h"

namespace flint::server {
namespace {

using namespace companion_pages;
using text::escapeHtml;

std::string letterIcon(const std::string& name) {
  const unsigned char first = name.empty() ? '?' : static_cast<unsigned char>(name[0]);
  const std::string letter = std::isalnum(first) ? std::string(1, char(std::toupper(first))) : "?";
  const std::string hue = std::to_string(crypto::sha256(name)[0] * 360 / 256);
  return "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"48\" height=\"48\" viewBox=\"0 0 48 48\"><rect width=\"48\" "
         "height=\"48\" rx=\"10\" fill=\"hsl(" + hue + ",45%,38%)\"/><text x=\"24\" y=\"32\" font-family=\"sans-serif\" "
         "font-size=\"24\" font-weight=\"700\" fill=\"#fff\" text-anchor=\"middle\">" + letter + "</text></svg>";
}

// What the manifest's url_permissions let the app's frame do.
std::pair<std::string, std::string> frameAttributes(const std::string& permissions) {
  std::string sandbox = "allow-forms", allow;
  const std::string padded = " " + permissions + " ";
  auto has = [&](const char* p) { return padded.find(std::string(" ") + p + " ") != std::string::npos; };
  if (has("SCRIPTS")) sandbox += " allow-scripts";
  if (has("ALLOW_SAME_ORIGIN")) sandbox += " allow-same-origin";
  for (const auto& [permission, feature] : {std::pair{"MICROPHONE", "microphone"}, std::pair{"CAMERA", "camera"},
                                            std::pair{"CLIPBOARD_READ", "clipboard-read"},
                                            std::pair{"CLIPBOARD_WRITE", "clipboard-write"}})
    if (has(permission)) allow += (allow.empty() ? "" : "; ") + std::string(feature);
  return {sandbox, allow};
}

}  // namespace

http::HttpResponse App::openCompanionApp(const http::HttpRequest& req, const instances::Instance& instance,
                                         const auth::UserRecord& staff, const std::string& clientId,
                                         const std::string& sessionToken) {
  const std::string path = "/" + instance.name + "/companion";
  auto& session = instances::primarySession(instance);
  std::optional<companion::CompanionApp> app;
  {
    db::Transaction tx(session);
    for (auto& a : companion::AppRegistry(session, instance).list())
      if (a.clientId == clientId) app = std::move(a);
    tx.commit();
  }
  auto refuse = [&](int status, const std::string& message) {
    return page(status, instance, "Cannot open", "<section><h1>Cannot open this app</h1><div class=\"error\">" +
                                                     escapeHtml(message) + "</div><p><a href=\"" + path + "/\">Back</a></p></section>",
                sessionToken);
  };
  if (!app) return refuse(404, "There is no such app.");
  const std::string patientId = req.queryParam("patient").value_or(""), encounterId = req.queryParam("encounter").value_or("");
  // Exactly the scope's context: none, the patient, or the patient and the note (encounter).
  const bool wantsPatient = app->scope != "global", wantsEncounter = app->scope == "note_specific";
  if (wantsPatient != !patientId.empty() || wantsEncounter != !encounterId.empty())
    return refuse(400, app->scope == "global"          ? "This app opens without a patient."
                       : app->scope == "patient_specific" ? "This app opens with a patient, and only that."
                                                          : "This app opens inside a note: a patient and an encounter.");
  std::string banner;
  if (wantsPatient) {
    const auto patients = companionSearch(instance, staff, "Patient", {{"_id", patientId}});
    if (patients.empty()) return refuse(404, "There is no such patient.");
    banner = patientBanner(patients.front());
    if (wantsEncounter) {
      if (companionSearch(instance, staff, "Encounter", {{"_id", encounterId}, {"patient", patientId}}).empty())
        return refuse(404, "There is no such encounter of this patient.");
      banner += " · encounter " + encounterId;
    }
  }
  auth::NewLaunch launch;
  try {
    launch = auth::createLaunch(session, instance, config_.publicUrl + "/" + instance.name + "/fhir",
                                {app->clientId, staff.id, patientId, encounterId, true});
  } catch (const auth::LaunchError& e) {
    return refuse(409, e.what());
  }
  const auto [sandbox, allow] = frameAttributes(app->framePermissions);
  const std::string nonce = crypto::randomToken(16);
  const std::string back = wantsEncounter ? path + "/patients/" + patientId + "/encounters/" + encounterId
                           : wantsPatient ? path + "/patients/" + patientId
                                          : path + "/";
  auto r = page(200, instance, app->name,
                fill("app", {{"name", app->name},
                             {"back", back},
                             {"src", launch.launchUrl},
                             {"sandbox", sandbox},
                             {"allow", allow},
                             {"nonce", nonce},
                             {"html:banner", banner.empty() ? "" : "<div class=\"banner\">" + escapeHtml(banner) + "</div>"}}),
                sessionToken);
  // The frame goes from the launch URL through Flint's authorization (a redirect) to a redirect URI.
  std::set<std::string> origins = {companion::originOf(app->launchUrl)};
  if (const auto client = auth::AuthRepository(session, instance).client(app->clientId))
    for (const auto& uri : client->redirectUris) origins.insert(companion::originOf(uri));
  std::string frames = "'self'";
  for (const auto& origin : origins) frames += " " + origin;
  for (auto& [name, value] : r.headers)
    if (name == "Content-Security-Policy")
      value = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' https:; script-src 'nonce-" + nonce +
              "'; frame-src " + frames + "; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
  return r;
}

http::HttpResponse App::handleCompanion(const http::HttpRequest& req, const instances::Instance& instance) {
  const auto& s = req.segments;  // {instance}, companion, ...
  const std::string base = config_.publicUrl + "/" + instance.name + "/companion";
  const std::string path = "/" + instance.name + "/companion";
  const bool secure = config_.publicUrl.rfind("https://", 0) == 0;
  auto& session = instances::primarySession(instance);
  const std::string token = auth::cookieValue(std::string(req.header("cookie")), kCookie);
  const auto staff = companion::staffOf(session, instance, token);
  const std::string what = s.size() >= 3 ? s[2] : "";

  if (what == "signin" && s.size() == 3 && req.method == "POST") {
    const auto form = formOf(req);
    const auto result = companion::signInStaff(session, instance, form.count("username") ? form.at("username") : "",
                                               form.count("password") ? form.at("password") : "");
    if (!result.user)
      return page(401, instance, "Sign in",
                  fill("signin", {{"action", path + "/signin"},
                                  {"html:error", "<div class=\"error\">" + escapeHtml(result.error) + "</div>"}}),
                  "");
    auto r = seeOther(path + "/");
    r.headers.emplace_back("Set-Cookie", std::string(kCookie) + "=" + result.token + "; Path=" + path + "; Max-Age=" +
                                             std::to_string(companion::kStaffSessionSeconds) + "; HttpOnly; SameSite=Strict" +
                                             (secure ? "; Secure" : ""));
    return r;
  }
  if (what == "signout" && s.size() == 3 && req.method == "POST") {
    const auto form = formOf(req);
    if (staff && form.count("token") && crypto::constantTimeEquals(form.at("token"), companion::staffFormToken(token)))
      companion::signOutStaff(session, instance, token);
    auto r = seeOther(path + "/");
    r.headers.emplace_back("Set-Cookie", std::string(kCookie) + "=; Path=" + path + "; Max-Age=0; HttpOnly; SameSite=Strict");
    return r;
  }
  if (what == "api") {
    if (!staff) return outcomeResponse(401, "login", "sign in to the companion first");
    if (s.size() == 4 && s[3] == "apps" && req.method == "GET") {
      std::string scope = req.queryParam("scope").value_or("");
      if (scope.rfind("provider_companion_", 0) == 0) scope = scope.substr(std::string("provider_companion_").size());
      if (!scope.empty() && scope != "global" && scope != "patient_specific" && scope != "note_specific")
        return outcomeResponse(400, "invalid",
                               "scope must be provider_companion_global, provider_companion_patient_specific or "
                               "provider_companion_note_specific");
      db::Transaction tx(session);
      json::Value list = json::Value::array();
      for (const auto& app : companion::AppRegistry(session, instance).list(scope)) {
        json::Value v = json::Value::object();
        v.set("plugin", json::Value::string(app.plugin));
        v.set("class", json::Value::string(app.key));
        v.set("name", json::Value::string(app.name));
        v.set("description", json::Value::string(app.description));
        v.set("iconUrl", json::Value::string(iconUrl(app, base)));
        v.set("scope", json::Value::string("provider_companion_" + app.scope));
        v.set("menuPosition", json::Value::string(app.menuPosition));
        v.set("menuOrder", json::Value::number(int64_t(app.menuOrder)));
        v.set("clientId", json::Value::string(app.clientId));
        list.push(std::move(v));
      }
      tx.commit();
      auto r = jsonResponse(200, json::write(list));
      r.headers.emplace_back("Cache-Control", "no-store");
      return r;
    }
    return outcomeResponse(404, "not-found", "no companion API endpoint at this path");
  }
  if (!staff) {
    if (req.method != "GET") return seeOther(path + "/");
    return page(200, instance, "Sign in", fill("signin", {{"action", path + "/signin"}}), "");
  }
  if (what == "open" && s.size() == 4 && req.method == "GET") return openCompanionApp(req, instance, *staff, s[3], token);
  if (what == "patients" && req.method == "GET") return companionPatientPages(req, instance, *staff, token);
  if (what == "icons" && s.size() == 4 && req.method == "GET") {
    db::Transaction tx(session);
    for (const auto& app : companion::AppRegistry(session, instance).list())
      if (app.clientId + ".svg" == s[3]) {
        http::HttpResponse r;
        r.contentType = "image/svg+xml";
        r.body = letterIcon(app.name);
        r.headers = {{"Cache-Control", "private, max-age=3600"},
                     {"X-Content-Type-Options", "nosniff"},
                     {"Content-Security-Policy", "default-src 'none'"}};
        return r;
      }
    return outcomeResponse(404, "not-found", "no such icon");
  }
  if (what.empty() && req.method == "GET") {
    db::Transaction tx(session);
    std::string apps;
    for (const auto& app : companion::AppRegistry(session, instance).list("global"))
      apps += "<li><a href=\"" + escapeHtml(path + "/open/" + app.clientId) + "\"><img alt=\"\" src=\"" +
              escapeHtml(iconUrl(app, path)) + "\"><span class=\"name\">" + escapeHtml(app.name) + "</span></a></li>";
    tx.commit();
    return page(200, instance, "Apps",
                fill("home", {{"user", staff->displayName.empty() ? staff->username : staff->displayName},
                              {"html:search", companionSearchForm(req, instance, *staff)},
                              {"html:apps", apps.empty() ? "<p class=\"note\">No apps are installed yet.</p>"
                                                         : "<ul class=\"apps\">" + apps + "</ul>"}}),
                token);
  }
  return page(404, instance, "Not found", "<section><h1>Not found</h1><p>There is no such page.</p></section>", token);
}

}  // namespace flint::server
