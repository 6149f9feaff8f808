// {instance}/auth/manage (SMART management_endpoint): a signed-in patient sees the apps they
// authorised, what each was granted and when it was last used, and revokes any of them. A
// revocation reaches every server process within a second: access and refresh tokens stop.
#include <ctime>

#include "auth/endpoints/endpoints.h"
#include "auth/endpoints/user_login.h"
#include "auth/pages/html_page.h"
#include "auth/storage/grant_repository.h"
#include "auth/tokens/revocation_list.h"
#include "core/clock.h"
#include "core/crypto/digest.h"

namespace flint::auth {
namespace {

std::string when(int64_t epochSeconds) {
  if (epochSeconds == 0) return "never";
  std::time_t t = epochSeconds;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%d %H:%M UTC", &tm);
  return buffer;
}

}  // namespace

AuthResponse signInPage(AuthContext& ctx, const std::string& next, const std::string& intro, const std::string& error) {
  std::map<std::string, std::string> values = {
      {"organization", ctx.instance.organizationName},
      {"intro", intro},
      {"action", ctx.urls.cookiePath + "/login"},
      {"html:hidden", "<input type=\"hidden\" name=\"next\" value=\"" + escapeHtml(next) + "\">"}};
  if (!error.empty()) values["html:error"] = "<div class=\"error\">" + escapeHtml(error) + "</div>";
  return htmlResponse(error.empty() ? 200 : 401, renderPage("login", "Sign in", values));
}

AuthResponse manageLoginPage(AuthContext& ctx, const std::string& error) {
  return signInPage(ctx, "manage", "Sign in to see which apps can access your health record.", error);
}

AuthResponse manageEndpoint(AuthContext& ctx, const AuthRequest& req) {
  auto user = sessionUser(ctx, req.cookie);
  if (!user) return req.method == "GET" ? manageLoginPage(ctx, "") : errorPage(401, "Sign in again to manage your apps.");
  ctx.note.userId = user->id;
  GrantRepository grants(ctx.session, ctx.instance);
  const std::string formToken = sessionFormToken(req.cookie);
  if (req.method == "POST") {
    std::string error;
    auto form = formParameters(req, error);
    if (!form || !crypto::constantTimeEquals((*form)["token"], formToken))
      return errorPage(400, "This page has expired. Open your apps list again.");
    int64_t id = 0;
    try {
      id = std::stoll((*form)["grant"]);
    } catch (const std::exception&) {
      return errorPage(400, "No such app authorisation.");
    }
    auto grant = grants.grant(id);
    if (!grant || grant->userId != user->id) return errorPage(404, "No such app authorisation.");
    ctx.note.clientId = grant->clientId;
    ctx.note.patientId = grant->patientId;
    ctx.note.action = "revoke";
    ctx.revocations.revoke(ctx.instance.id, RevocationKind::Grant, std::to_string(id),
                           epochSeconds() + kMaxAccessTokenSeconds);
    grants.revokeGrant(id);
    return seeOther(ctx.urls.cookiePath + "/manage?revoked=1");
  }
  if (req.method != "GET") return errorPage(405, "Use the apps page.");
  std::string apps;
  for (const auto& g : grants.activeGrantsOfUser(user->id, kMaxAccessTokenSeconds)) {
    apps += "<fieldset><legend>" + escapeHtml(g.clientName) + "</legend>\n<p class=\"note\">Authorised " +
            escapeHtml(when(g.createdAt)) + " · last used " + escapeHtml(when(g.lastUsedAt)) +
            (g.grant.refreshExpiresAt > 0 ? " · keeps access while you are away" : "") + "</p>\n<p class=\"note\">" +
            escapeHtml(g.grant.scope) + "</p>\n<form method=\"post\" action=\"" + escapeHtml(ctx.urls.cookiePath) +
            "/manage\"><input type=\"hidden\" name=\"grant\" value=\"" + std::to_string(g.grant.id) +
            "\"><input type=\"hidden\" name=\"token\" value=\"" + escapeHtml(formToken) +
            "\"><div class=\"buttons\"><button type=\"submit\" class=\"secondary\">Revoke access</button></div></form>"
            "</fieldset>\n";
  }
  if (apps.empty()) apps = "<p>No app has access to your record.</p>";
  bool revoked = false;
  for (const auto& [name, value] : req.query) revoked |= name == "revoked";
  return htmlResponse(200, renderPage("manage", "Your apps",
                                      {{"organization", ctx.instance.organizationName},
                                       {"user", user->displayName.empty() ? user->username : user->displayName},
                                       {"html:notice", revoked ? "<div class=\"error\">Access revoked.</div>" : ""},
                                       {"html:apps", apps}}));
}

}  // namespace flint::auth
