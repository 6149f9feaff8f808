// {instance}/auth/practice-apps: a practice admin (a staff user the admin API marked so) sees
// the population apps the developer programme enabled, and authorises each for this practice
// with the system/ scopes the practice chooses, or withdraws it. No practice, no data.
#include "auth/endpoints/endpoints.h"
#include "auth/endpoints/user_login.h"
#include "auth/pages/html_page.h"
#include "auth/practice/practice_apps.h"
#include "core/crypto/digest.h"

namespace flint::auth {

AuthResponse practiceAppsLoginPage(AuthContext& ctx, const std::string& error) {
  return signInPage(ctx, "practice-apps",
                    "Practice admins: sign in to choose which population apps may use this practice's data.", error);
}

AuthResponse practiceAppsEndpoint(AuthContext& ctx, const AuthRequest& req) {
  if (ctx.practiceApps == nullptr) return errorPage(404, "This server does not run the developer programme.");
  auto user = sessionUser(ctx, req.cookie);
  if (!user) return req.method == "GET" ? practiceAppsLoginPage(ctx, "") : errorPage(401, "Sign in again.");
  ctx.note.userId = user->id;
  if (!user->practiceAdmin) return errorPage(403, "Only the practice's admins choose which apps may use its data.");
  std::string notice;
  if (req.method == "POST") {
    std::string error;
    auto form = formParameters(req, error);
    if (!form || !crypto::constantTimeEquals((*form)["token"], sessionFormToken(req.cookie)))
      return errorPage(400, "This page has expired. Open it again.");
    long long id = 0;
    try {
      id = std::stoll((*form)["app"]);
    } catch (const std::exception&) {
      return errorPage(400, "No such app.");
    }
    const std::string actor = "practice admin " + user->username;
    try {
      if ((*form)["decision"] == "authorize") {
        ctx.practiceApps->authorize(ctx.instance, id, (*form)["scope"], actor);
        ctx.note.action = "authorize app " + std::to_string(id);
        return seeOther(ctx.urls.cookiePath + "/practice-apps?done=authorized");
      }
      ctx.practiceApps->deauthorize(ctx.instance, id);
      ctx.note.action = "withdraw app " + std::to_string(id);
      return seeOther(ctx.urls.cookiePath + "/practice-apps?done=withdrawn");
    } catch (const PracticeAppsError& e) {
      notice = "<div class=\"error\">" + escapeHtml(e.what()) + "</div>";
    }
  } else if (req.method != "GET") {
    return errorPage(405, "Use the practice apps page.");
  }
  for (const auto& [name, value] : req.query)
    if (name == "done") notice = "<div class=\"error\">" + std::string(value == "authorized" ? "Authorised." : "Withdrawn.") + "</div>";
  const std::string token = escapeHtml(sessionFormToken(req.cookie)), action = escapeHtml(ctx.urls.cookiePath) + "/practice-apps";
  std::string apps;
  for (const auto& app : ctx.practiceApps->available(ctx.instance)) {
    const bool on = !app.authorizedScope.empty();
    apps += "<fieldset><legend>" + escapeHtml(app.name) + "</legend>\n<p class=\"note\">" + escapeHtml(app.organization) +
            " · " + escapeHtml(app.description) + "</p>\n<p class=\"note\">" +
            (on ? "Authorised: " + escapeHtml(app.authorizedScope) : std::string("Not authorised")) + "</p>\n" +
            "<form method=\"post\" action=\"" + action + "\"><input type=\"hidden\" name=\"token\" value=\"" + token +
            "\"><input type=\"hidden\" name=\"app\" value=\"" + std::to_string(app.id) +
            "\"><label for=\"scope-" + std::to_string(app.id) + "\">Backend scopes it may use</label><input type=\"text\" id=\"scope-" +
            std::to_string(app.id) + "\" name=\"scope\" value=\"" + escapeHtml(on ? app.authorizedScope : "system/*.rs") +
            "\"><div class=\"buttons\"><button type=\"submit\" name=\"decision\" value=\"authorize\">" +
            (on ? "Change scopes" : "Authorise") + "</button>" +
            (on ? "<button type=\"submit\" name=\"decision\" value=\"withdraw\" class=\"secondary\">Withdraw</button>" : "") +
            "</div></form></fieldset>\n";
  }
  if (apps.empty()) apps = "<p>No population app is enabled by the developer programme yet.</p>";
  return htmlResponse(200, renderPage("practice-apps", "Population apps",
                                      {{"organization", ctx.instance.organizationName},
                                       {"user", user->displayName.empty() ? user->username : user->displayName},
                                       {"html:notice", notice},
                                       {"html:apps", apps}}));
}

}  // namespace flint::auth
