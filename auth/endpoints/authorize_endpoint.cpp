// The user-facing half of the authorization code flow: {instance}/auth/authorize (GET or POST)
// checks the app's request and keeps it as a pending request bound to this browser by a cookie;
// /auth/login signs the user in (throttled); /auth/consent records what the user chose to share
// and sends the browser back to the app with a single-use code.
#include <algorithm>
#include <map>
#include <set>

#include "auth/endpoints/authorization_request.h"
#include "auth/endpoints/endpoints.h"
#include "auth/endpoints/user_login.h"
#include "auth/pages/html_page.h"
#include "auth/scopes/scope.h"
#include "auth/storage/grant_repository.h"
#include "auth/storage/user_repository.h"
#include "auth/tokens/user_tokens.h"
#include "core/clock.h"
#include "core/crypto/digest.h"
#include "core/crypto/encoding.h"
#include "core/url/query_string.h"

namespace flint::auth {
namespace {

constexpr const char* kFlowCookie = "flint_flow";
constexpr int kPendingSeconds = 600;
constexpr int64_t kCodeSeconds = 60;

std::string hashOf(const std::string& secret) { return crypto::hexEncode(crypto::sha256(secret)); }

std::string organizationLine(const AuthContext& ctx) { return ctx.instance.organizationName; }

// The pending request named by the form, if this browser is the one that started it.
struct Pending {
  std::string idHash;
  PendingRecord record;
  AuthorizationRequest request;
  ClientRecord client;
};

std::optional<Pending> pendingOf(AuthContext& ctx, const std::string& requestId, const std::string& cookie) {
  if (requestId.empty()) return std::nullopt;
  Pending p;
  p.idHash = hashOf(requestId);
  auto record = GrantRepository(ctx.session, ctx.instance).pending(p.idHash);
  std::string browser = cookieValue(cookie, kFlowCookie);
  // The cookie is what makes a forged cross-site form useless: SameSite keeps it from being sent.
  if (!record || browser.empty() || !crypto::constantTimeEquals(hashOf(browser), record->browserSha256))
    return std::nullopt;
  p.record = *record;
  p.request = AuthorizationRequest::fromJson(record->request);
  auto client = AuthRepository(ctx.session, ctx.instance).client(p.request.clientId);
  if (!client || client->disabled) return std::nullopt;
  p.client = *client;
  return p;
}

AuthResponse expired() {
  return errorPage(400, "This sign-in page has expired or was opened in another browser. Start again from the app.");
}

AuthResponse loginPage(AuthContext& ctx, const std::string& requestId, const std::string& appName,
                       const std::string& error) {
  std::map<std::string, std::string> values = {
      {"organization", organizationLine(ctx)},
      {"intro", appName + " is asking to connect to your health record. Sign in to choose what it may see."},
      {"action", ctx.urls.cookiePath + "/login"},
      {"html:hidden", "<input type=\"hidden\" name=\"request\" value=\"" + escapeHtml(requestId) + "\">"}};
  if (!error.empty()) values["html:error"] = "<div class=\"error\">" + escapeHtml(error) + "</div>";
  return htmlResponse(error.empty() ? 200 : 401, renderPage("login", "Sign in", values));
}

// Patient users act through patient/ scopes only: a user/ scope means their own record to them.
ScopeSet scopesFor(const UserRecord& user, const std::string& scope) {
  ScopeSet set = parseScopes(scope);
  if (user.kind != "patient") return set;
  ScopeSet out;
  out.other = set.other;
  for (auto s : set.resources) {
    if (s.context == ScopeContext::System) continue;
    if (s.context == ScopeContext::User) {
      s.context = ScopeContext::Patient;
      s.text = s.format();
    }
    out.resources.push_back(s);
  }
  return parseScopes(out.format());
}

// The patients this user may open an app for: a patient their own record and any linked ones.
std::vector<std::string> candidatePatients(AuthContext& ctx, const UserRecord& user) {
  std::vector<std::string> out;
  if (user.kind == "patient" && user.fhirUser.rfind("Patient/", 0) == 0) out.push_back(user.fhirUser.substr(8));
  for (auto& p : UserRepository(ctx.session, ctx.instance).patients(user.id))
    if (std::find(out.begin(), out.end(), p) == out.end()) out.push_back(p);
  return out;
}

// The kinds of Condition and Observation a patient can share on their own (ONC's (g)(10) guidance,
// US Core 7 scopes page), offered on the consent page as narrower grants.
struct Category {
  const char* type;
  const char* coding;  // system|code, the value of a category search
  const char* label;
};
constexpr Category kCategories[] = {
    {"Condition", "http://terminology.hl7.org/CodeSystem/condition-category|encounter-diagnosis", "Encounter diagnoses"},
    {"Condition", "http://terminology.hl7.org/CodeSystem/condition-category|problem-list-item", "Problem list"},
    {"Condition", "http://hl7.org/fhir/us/core/CodeSystem/condition-category|health-concern", "Health concerns"},
    {"Observation", "http://terminology.hl7.org/CodeSystem/observation-category|laboratory", "Laboratory results"},
    {"Observation", "http://terminology.hl7.org/CodeSystem/observation-category|vital-signs", "Vital signs"},
    {"Observation", "http://terminology.hl7.org/CodeSystem/observation-category|social-history", "Social history"},
    {"Observation", "http://terminology.hl7.org/CodeSystem/observation-category|survey", "Surveys"},
    {"Observation", "http://terminology.hl7.org/CodeSystem/observation-category|procedure", "Clinical tests"},
    {"Observation", "http://hl7.org/fhir/us/core/CodeSystem/us-core-category|sdoh", "Social needs (SDOH)"},
};

bool narrowable(const ResourceScope& s) {
  return s.query.empty() && s.context == ScopeContext::Patient && (s.type == "Condition" || s.type == "Observation");
}

std::string describe(const ResourceScope& s) {
  if (!s.query.empty()) {
    for (const auto& c : kCategories)
      if (s.type == c.type && s.query == std::string("category=") + c.coding) return s.type + " records: " + c.label;
    return s.type + " records matching " + s.query;
  }
  std::string what = s.type == "*" ? "All records" : s.type + " records";
  bool read = s.permissions & (fhir::kRead | fhir::kSearch);
  bool write = s.permissions & (fhir::kCreate | fhir::kUpdate | fhir::kDelete);
  return what + (read && write ? " (view and change)" : write ? " (change)" : "");
}

AuthResponse consentPage(AuthContext& ctx, const std::string& requestId, const Pending& p, const UserRecord& user) {
  ScopeSet scopes = scopesFor(user, p.request.scope);
  std::string list;
  for (const auto& s : scopes.resources) {
    const std::string value = escapeHtml(s.text);
    list += "<label class=\"choice\"><input type=\"checkbox\" name=\"scope\" value=\"" + value + "\" checked> <span>" +
            escapeHtml(describe(s)) + "</span></label>\n";
    if (!narrowable(s)) continue;
    list += "<div class=\"sub\"><label class=\"choice\"><input type=\"radio\" name=\"extent:" + value +
            "\" value=\"all\" checked> <span>All kinds</span></label>\n<label class=\"choice\"><input type=\"radio\" "
            "name=\"extent:" + value + "\" value=\"some\"> <span>Only these kinds:</span></label>\n";
    for (const auto& c : kCategories)
      if (s.type == c.type)
        list += "<label class=\"choice sub\"><input type=\"checkbox\" name=\"category:" + value + "\" value=\"" +
                escapeHtml(c.coding) + "\"> <span>" + escapeHtml(c.label) + "</span></label>\n";
    list += "</div>\n";
  }
  if (scopes.resources.empty()) list = "<p class=\"note\">No health records: only who you are.</p>";
  std::string patients;
  auto candidates = candidatePatients(ctx, user);
  bool wantsPatient = std::find(scopes.other.begin(), scopes.other.end(), "launch/patient") != scopes.other.end();
  // In an EHR launch the patient comes from the EHR, not from a choice.
  if (wantsPatient && candidates.size() > 1 && p.request.launchSha256.empty()) {
    patients = "<fieldset><legend>Whose record</legend>\n";
    for (size_t i = 0; i < candidates.size(); ++i)
      patients += "<label class=\"choice\"><input type=\"radio\" name=\"patient\" value=\"" + escapeHtml(candidates[i]) +
                  "\"" + (i == 0 ? " checked" : "") + "> <span>Patient/" + escapeHtml(candidates[i]) + "</span></label>\n";
    patients += "</fieldset>";
  }
  std::string offline;
  if (std::find(scopes.other.begin(), scopes.other.end(), "offline_access") != scopes.other.end())
    offline =
        "<fieldset><legend>Lasting access</legend><label class=\"choice\"><input type=\"checkbox\" name=\"offline\" "
        "value=\"yes\" checked> <span>Let the app keep access when you are not using it, for up to " +
        std::to_string(ctx.instance.refreshTokenDays) +
        " days after its last use. Untick to allow access only for this session; you can revoke it at any "
        "time.</span></label></fieldset>";
  return htmlResponse(200, renderPage("consent", "Share your data", {{"organization", organizationLine(ctx)},
                                                                       {"user", user.displayName.empty() ? user.username : user.displayName},
                                                                       {"app", p.client.name},
                                                                       {"action", ctx.urls.cookiePath + "/consent"},
                                                                       {"request", requestId},
                                                                       {"html:scopes", list},
                                                                       {"html:patients", patients},
                                                                       {"html:offline", offline}}));
}

// Records the grant and sends the browser back to the app with a single-use code.
AuthResponse issueCode(AuthContext& ctx, const AuthorizationRequest& r, const UserRecord& user, const ScopeSet& granted,
                       bool offline, const std::optional<LaunchRecord>& launch, const std::string& patientId) {
  GrantRecord grant;
  grant.clientId = r.clientId;
  grant.userId = user.id;
  grant.patientId = patientId;
  grant.scope = granted.format();
  if (launch) {
    grant.encounterId = launch->encounterId;
    grant.ehrLaunch = true;
  }
  bool online = std::find(granted.other.begin(), granted.other.end(), "online_access") != granted.other.end();
  if (offline || online) grant.refreshExpiresAt = epochSeconds() + int64_t(ctx.instance.refreshTokenDays) * 24 * 3600;
  GrantRepository grants(ctx.session, ctx.instance);
  grant.id = grants.insertGrant(grant);
  ctx.note.userId = user.id;
  ctx.note.clientId = r.clientId;
  ctx.note.patientId = patientId;
  std::string code = crypto::randomToken(32);
  grants.insertCode(hashOf(code), grant.id, r.redirectUri, r.codeChallenge, r.nonce, epochSeconds() + kCodeSeconds);
  return redirectTo(r.redirectUri, {{"code", code}, {"state", r.state}});
}

// A launch the provider companion made: the staff user signed in there and the practice installed
// the app, so no page is shown (the app runs in the companion's frame). What was asked, within
// the app's ceiling, is granted for this session only; without a patient in context there are no
// patient/ scopes.
AuthResponse companionAuthorization(AuthContext& ctx, const AuthorizationRequest& r) {
  auto refuse = [&](const std::string& why) {
    return redirectTo(r.redirectUri, {{"error", "access_denied"}, {"error_description", why}, {"state", r.state}});
  };
  auto launch = GrantRepository(ctx.session, ctx.instance).launch(r.launchSha256, true);
  if (!launch || launch->clientId != r.clientId) return refuse("the launch is expired, used, or not this app's");
  auto user = UserRepository(ctx.session, ctx.instance).byId(launch->userId);
  if (!user || user->disabled || user->kind != "staff") return refuse("the staff user who opened the app cannot sign in");
  ctx.note.action = "companion launch";
  const ScopeSet asked = scopesFor(*user, r.scope);
  ScopeSet granted;
  for (const auto& s : asked.resources)
    if (!launch->patientId.empty() || s.context != ScopeContext::Patient) granted.resources.push_back(s);
  for (const auto& o : asked.other)
    if (o != "offline_access" && (o != "launch/patient" || !launch->patientId.empty())) granted.other.push_back(o);
  return issueCode(ctx, r, *user, granted, false, launch, launch->patientId);
}

}  // namespace

AuthResponse authorizeEndpoint(AuthContext& ctx, const AuthRequest& req) {
  std::map<std::string, std::string> params;
  if (req.method == "GET") {
    for (const auto& [name, value] : req.query)
      if (!params.emplace(name, value).second) return errorPage(400, "The app sent parameter " + name + " twice.");
  } else if (req.method == "POST") {
    std::string error;
    auto form = formParameters(req, error);
    if (!form) return errorPage(400, "The app's request is malformed: " + error);
    params = std::move(*form);
  } else {
    return errorPage(405, "Use GET or POST.");
  }
  AuthResponse failure;
  ClientRecord client;
  auto request = checkAuthorizationRequest(ctx, params, failure, client);
  if (!request) return failure;
  if (!request->launchSha256.empty()) {
    const auto launch = GrantRepository(ctx.session, ctx.instance).launch(request->launchSha256, false);
    if (launch && launch->companion) return companionAuthorization(ctx, *request);
  }

  std::string requestId = crypto::randomToken(32);
  std::string browser = crypto::randomToken(32);
  GrantRepository grants(ctx.session, ctx.instance);
  grants.insertPending(hashOf(requestId), hashOf(browser), request->toJson(), epochSeconds() + kPendingSeconds);
  Pending p{hashOf(requestId), {}, *request, client};
  AuthResponse page;
  auto user = sessionUser(ctx, req.cookie);
  if (user) {
    grants.setPendingUser(p.idHash, user->id);
    page = consentPage(ctx, requestId, p, *user);
  } else {
    page = loginPage(ctx, requestId, client.name, "");
  }
  page.headers.emplace_back("Set-Cookie", setCookie(ctx.urls, kFlowCookie, browser, kPendingSeconds));
  return page;
}

AuthResponse loginEndpoint(AuthContext& ctx, const AuthRequest& req) {
  if (req.method != "POST") return errorPage(405, "Use the sign-in form.");
  std::string error;
  auto form = formParameters(req, error);
  if (!form) return errorPage(400, "The sign-in form is malformed.");
  const std::string& requestId = (*form)["request"];
  const std::string next = (*form)["next"];
  if (requestId.empty() && (next == "manage" || next == "practice-apps")) {
    auto login = checkLogin(ctx, (*form)["username"], (*form)["password"]);
    if (!login.user) return next == "manage" ? manageLoginPage(ctx, login.error) : practiceAppsLoginPage(ctx, login.error);
    AuthResponse r = seeOther(ctx.urls.cookiePath + "/" + next);
    r.headers.emplace_back("Set-Cookie", startSession(ctx, *login.user));
    return r;
  }
  auto p = pendingOf(ctx, requestId, req.cookie);
  if (!p) return expired();
  auto login = checkLogin(ctx, (*form)["username"], (*form)["password"]);
  if (!login.user) return loginPage(ctx, requestId, p->client.name, login.error);
  const UserRecord* user = &*login.user;
  std::string cookie = startSession(ctx, *user);
  GrantRepository(ctx.session, ctx.instance).setPendingUser(p->idHash, user->id);
  AuthResponse page = consentPage(ctx, requestId, *p, *user);
  page.headers.emplace_back("Set-Cookie", cookie);
  return page;
}

AuthResponse consentEndpoint(AuthContext& ctx, const AuthRequest& req) {
  if (req.method != "POST" || req.contentType != "application/x-www-form-urlencoded")
    return errorPage(405, "Use the consent form.");
  auto pairs = url::parseQuery(req.body);
  if (!pairs) return errorPage(400, "The consent form is malformed.");
  std::string requestId, decision, patient;
  bool offline = false;
  std::set<std::string> chosen;
  std::set<std::string> narrowed;                      // scopes whose extent is "some"
  std::map<std::string, std::set<std::string>> kinds;  // scope -> chosen category codings
  for (const auto& [name, value] : *pairs) {
    if (name == "request") requestId = value;
    else if (name == "decision") decision = value;
    else if (name == "patient") patient = value;
    else if (name == "offline") offline = value == "yes";
    else if (name == "scope") chosen.insert(value);
    else if (name.rfind("extent:", 0) == 0 && value == "some") narrowed.insert(name.substr(7));
    else if (name.rfind("category:", 0) == 0) kinds[name.substr(9)].insert(value);
  }
  auto p = pendingOf(ctx, requestId, req.cookie);
  if (!p || p->record.userId == 0) return expired();
  GrantRepository grants(ctx.session, ctx.instance);
  grants.deletePending(p->idHash);
  const AuthorizationRequest& r = p->request;
  ctx.note.userId = p->record.userId;
  ctx.note.clientId = r.clientId;
  ctx.note.action = decision == "allow" ? "allow" : "deny";
  if (decision != "allow")
    return redirectTo(r.redirectUri, {{"error", "access_denied"}, {"error_description", "the user declined"}, {"state", r.state}});

  auto user = UserRepository(ctx.session, ctx.instance).byId(p->record.userId);
  if (!user || user->disabled) return expired();
  ScopeSet offered = scopesFor(*user, r.scope);
  ScopeSet granted;
  // Only what was offered can be granted, whatever the form says.
  for (const auto& s : offered.resources) {
    if (!chosen.count(s.text)) continue;
    if (!narrowable(s) || !narrowed.count(s.text)) {
      granted.resources.push_back(s);
      continue;
    }
    for (const auto& c : kCategories) {
      if (s.type != c.type || !kinds[s.text].count(c.coding)) continue;
      ResourceScope part = s;
      part.v1 = false;
      part.query = std::string("category=") + c.coding;
      part.text = part.format();
      granted.resources.push_back(part);
    }
  }
  bool patientScopes = false;
  for (const auto& s : granted.resources) patientScopes |= s.context == ScopeContext::Patient;
  bool wantsPatient = false;
  for (const auto& o : offered.other) {
    if (o == "offline_access" && !offline) continue;
    if (o == "launch/patient") wantsPatient = true;
    granted.other.push_back(o);
  }
  std::string patientId;
  std::optional<LaunchRecord> launch;
  if (!r.launchSha256.empty()) {
    // The launch opens this one authorization, for the staff user who created it.
    launch = grants.launch(r.launchSha256, true);
    if (!launch || launch->userId != user->id || launch->clientId != r.clientId)
      return redirectTo(r.redirectUri, {{"error", "access_denied"},
                                        {"error_description", "the launch is expired, used, or not this user's"},
                                        {"state", r.state}});
    patientId = launch->patientId;
  } else if (patientScopes || wantsPatient) {
    auto candidates = candidatePatients(ctx, *user);
    if (!patient.empty() && std::find(candidates.begin(), candidates.end(), patient) != candidates.end())
      patientId = patient;
    else if (patient.empty() && !candidates.empty())
      patientId = candidates.front();
    else
      return redirectTo(r.redirectUri, {{"error", "access_denied"},
                                        {"error_description", "no patient this user may act for"},
                                        {"state", r.state}});
  }
  return issueCode(ctx, r, *user, granted, offline, launch, patientId);
}

}  // namespace flint::auth
