// The developer portal's pages under /developer (server-rendered, no script, phone-first): sign
// up, confirm, sign in, the developer's apps with their status and deadlines, the access request
// form, a request's page (where it is enabled, with base URLs), and sandboxes. The JSON API under
// /developer/api does the same for programs.
#include "core/clock.h"
#include "core/text/html_template.h"
#include "developer/accounts/account_service.h"
#include "developer/requests/request_form.h"
#include "fhir_resources/rest/url_encoding.h"
#include "developer/sandboxes/sandbox_service.h"
#include "server/app.h"
#include "server/developer_page_parts.h"
#include "server/developer_views.h"
#include "server/responses.h"

namespace flint::server {
namespace {

using portal::Values;
using text::escapeHtml;

std::string field(const std::map<std::string, std::string>& form, const std::string& name) {
  const auto it = form.find(name);
  return it == form.end() ? "" : it->second;
}

std::string query(const http::HttpRequest& req, const char* name) { return req.queryParam(name).value_or(""); }

// Notices a redirect asks for by code, so no text of the URL reaches the page.
std::string notice(const http::HttpRequest& req) {
  static const std::map<std::string, std::string> texts = {
      {"sent", "We mailed a six-digit code to the address. It works for 30 minutes."},
      {"confirmed", "Your address is confirmed. Sign in to continue."},
      {"requested", "Request received: we mailed you a receipt with the verification due date."},
      {"checked", "Your domain's token was found: the domain is verified."},
      {"deleted", "The sandbox is deleted."},
      {"signed-out", "You are signed out."}};
  const auto it = texts.find(query(req, "notice"));
  return it == texts.end() ? "" : portal::box("notice", it->second);
}

}  // namespace

std::string App::portalNav(const std::optional<developer::Account>& account, const std::string& token) const {
  if (!account) return portal::fill("nav-signed-out", {});
  return portal::fill("nav-signed-in", {{"csrf", portal::csrfToken(token)},
                                        {"html:review", account->reviewer ? "<a href=\"/developer/review\">Review queue</a>" : ""}});
}

http::HttpResponse App::handleDeveloperPages(const http::HttpRequest& req) {
  const auto& s = req.segments;  // developer, ...
  const std::string& m = req.method;
  const bool secure = config_.publicUrl.rfind("https://", 0) == 0;
  auto& session = db::Session::forThisThread(config_.databaseUrl);
  developer::AccountService accounts(session);
  const std::string token = portal::sessionToken(req);
  const auto account = accounts.fromSession(token);
  const std::string nav = portalNav(account, token);
  const std::string page = s.size() >= 2 ? s[1] : "";
  Values values;
  try {
    if (s.size() == 1 && m == "GET")
      return portal::page(200, "Developer access",
                          portal::fill("landing", {{"termsVersion", developerTerms_.version},
                                                   {"sandboxLimit", std::to_string(sandboxSettings_.limit)}}),
                          nav);
    if (page == "signup" && s.size() == 2) {
      if (m == "POST") {
        const auto form = portal::formOf(req);
        values["email"] = field(form, "email");
        accounts.signUp(field(form, "email"), field(form, "password"));
        return seeOther("/developer/confirm?notice=sent&email=" + fhir::percentEncode(field(form, "email")));
      }
      return portal::page(200, "Create an account", portal::fill("signup", values), nav);
    }
    if (page == "confirm" && s.size() == 2) {
      values["email"] = query(req, "email");
      values["html:notice"] = notice(req);
      if (m == "POST") {
        const auto form = portal::formOf(req);
        values["email"] = field(form, "email");
        accounts.confirm(field(form, "email"), field(form, "code"));
        return seeOther("/developer/signin?notice=confirmed&email=" + fhir::percentEncode(field(form, "email")));
      }
      return portal::page(200, "Confirm your address", portal::fill("confirm", values), nav);
    }
    if (page == "resend" && s.size() == 2 && m == "POST") {
      const auto form = portal::formOf(req);
      accounts.resendCode(field(form, "email"));
      return seeOther("/developer/confirm?notice=sent&email=" + fhir::percentEncode(field(form, "email")));
    }
    if (page == "signin" && s.size() == 2) {
      values["email"] = query(req, "email");
      values["html:notice"] = notice(req);
      if (m == "POST") {
        const auto form = portal::formOf(req);
        values["email"] = field(form, "email");
        const std::string fresh = accounts.signIn(field(form, "email"), field(form, "password"));
        auto r = seeOther("/developer/home");
        r.headers.emplace_back("Set-Cookie", portal::sessionCookie(fresh, secure));
        return r;
      }
      return portal::page(200, "Sign in", portal::fill("signin", values), nav);
    }
    if (page == "signout" && s.size() == 2 && m == "POST") {
      portal::checkCsrf(portal::formOf(req), token);
      accounts.signOut(token);
      auto r = seeOther("/developer/signin?notice=signed-out");
      r.headers.emplace_back("Set-Cookie", portal::clearedSessionCookie(secure));
      return r;
    }
    if (!account) return seeOther("/developer/signin");
    if (page == "review") return handleReviewPages(req, *account, token, nav);
    if (page == "home" && s.size() == 2 && m == "GET") return developerHome(*account, token, nav, notice(req), {});
    if (page == "requests") return handleRequestPages(req, *account, token, nav);
    if (page == "sandboxes") return handleSandboxPages(req, *account, token, nav);
  } catch (const developer::DeveloperError& e) {
    if (e.status() == 403 && e.code() == "forbidden")
      return portal::page(403, "Not allowed", portal::fill("message", {{"heading", "Not allowed"}, {"message", e.what()}, {"back", "/developer/home"}}), nav);
    portal::addProblems(values, e);
    const std::string which = page == "signup" ? "signup" : page == "confirm" ? "confirm" : page == "signin" ? "signin" : "";
    if (!which.empty()) return portal::page(e.status(), "Developer access", portal::fill(which, values), nav);
    return portal::page(e.status(), "Something went wrong",
                        portal::fill("message", {{"heading", "This did not work"}, {"message", e.what()}, {"back", "/developer"}}), nav);
  }
  return portal::page(404, "Not found",
                      portal::fill("message", {{"heading", "Not found"}, {"message", "There is no such page."}, {"back", "/developer"}}),
                      nav);
}

http::HttpResponse App::developerHome(const developer::Account& account, const std::string& token, const std::string& nav,
                                      const std::string& noticeHtml, Values values) {
  auto& session = db::Session::forThisThread(config_.databaseUrl);
  developer::RequestService requests(session, developerTerms_, calendar_);
  const auto today = developer::utcDay(epochSeconds());
  std::string list;
  for (const auto& r : requests.mine(account)) {
    const auto d = developer::deadlinesOf(r, calendar_, today);
    list += "<li><a href=\"/developer/requests/" + std::to_string(r.id) + "\">" + escapeHtml(portal::appNameOf(r)) + "</a> · " +
            escapeHtml(r.accessModel) + " · <strong class=\"status\">" + escapeHtml(r.status) + "</strong>" +
            (d.running.empty() ? "" : "<br><span class=\"note\">" + escapeHtml(d.running) + " due " +
                                          escapeHtml(developer::formatDay(d.running == "verification" ? d.verificationDue
                                                                                                       : *d.enablementDue)) +
                                          "</span>") +
            "</li>";
  }
  std::string boxes;
  for (const auto& sandbox : developer::SandboxService(session, sandboxSettings_).mine(account)) {
    const auto& row = sandbox.row;
    const std::string csrf = escapeHtml(portal::csrfToken(token)), base = "/developer/sandboxes/" + escapeHtml(row.name);
    boxes += "<li><strong class=\"sandbox\">" + escapeHtml(row.name) + "</strong> · " + std::to_string(row.patients) +
             " patients · until " + escapeHtml(portal::dateOf(row.expiresAt)) + "<br><code>" +
             escapeHtml(config_.publicUrl + "/" + row.name + "/fhir") + "</code><br>Sign-ins: ";
    for (size_t i = 0; i < sandbox.usernames.size(); ++i)
      boxes += (i ? ", " : "") + ("<code>" + escapeHtml(sandbox.usernames[i]) + "</code>");
    boxes += portal::sandboxAppsList(sandbox.apps) + "<div class=\"buttons\"><form method=\"post\" action=\"" + base +
             "/logins\"><input type=\"hidden\" name=\"csrf\" value=\"" + csrf +
             "\"><button type=\"submit\" class=\"secondary\">New test passwords</button></form><form method=\"post\" action=\"" +
             base + "/delete\"><input type=\"hidden\" name=\"csrf\" value=\"" + csrf +
             "\"><button type=\"submit\" class=\"danger\">Delete</button></form></div></li>";
  }
  values["email"] = account.email;
  values["csrf"] = portal::csrfToken(token);
  values["html:notice"] = noticeHtml;
  values["html:requests"] = list.empty() ? "<p class=\"note\">No requests yet.</p>" : "<ul class=\"plain\">" + list + "</ul>";
  values["html:sandboxes"] = boxes.empty() ? "" : "<ul class=\"plain\">" + boxes + "</ul>";
  values["sandboxLimit"] = std::to_string(sandboxSettings_.limit);
  values["sandboxDays"] = std::to_string(sandboxSettings_.lifetimeDays);
  values["maxPatients"] = std::to_string(sandboxSettings_.maxPatients);
  if (values.find("patients") == values.end()) values["patients"] = "10";
  const int status = values.count("html:error") ? 422 : 200;
  return portal::page(status, "Your apps", portal::fill("home", values), nav);
}

http::HttpResponse App::handleRequestPages(const http::HttpRequest& req, const developer::Account& account,
                                           const std::string& token, const std::string& nav) {
  const auto& s = req.segments;  // developer, requests, ...
  auto& session = db::Session::forThisThread(config_.databaseUrl);
  developer::RequestService requests(session, developerTerms_, calendar_);
  const auto today = developer::utcDay(epochSeconds());
  Values values{{"csrf", portal::csrfToken(token)}, {"termsVersion", developerTerms_.version}};
  auto formPage = [&](int status, const std::map<std::string, std::string>& form) {
    for (const auto& [name, value] : form) values[name] = value;
    for (const char* choice : {"organization.identifier.kind", "application.accessModel"})
      if (auto it = form.find(choice); it != form.end()) values["html:checked:" + it->second] = "checked";
    for (const char* box : {"attestations.lawfulUse", "attestations.compliance", "termsOfUse.accepted"})
      if (form.count(box)) values["html:checked:" + std::string(box)] = "checked";
    return portal::page(status, "Request production access", portal::fill("request-form", values), nav);
  };
  if (s.size() == 3 && s[2] == "new" && req.method == "GET") return formPage(200, {});
  if (s.size() == 2 && req.method == "POST") {
    const auto form = portal::formOf(req);
    portal::checkCsrf(form, token);
    const auto request = developer::requestFromForm(form);
    try {
      const auto row = requests.submit(account, request);
      developer::SandboxService(session, sandboxSettings_).registerAppsOf(account);
      return seeOther("/developer/requests/" + std::to_string(row.id) + "?notice=requested");
    } catch (const developer::DeveloperError& e) {
      if (e.status() != 422) throw;
      portal::addProblems(values, e);
      return formPage(422, developer::formFromRequest(request));
    }
  }
  if (s.size() == 4 && s[3] == "check-domain" && req.method == "POST") {
    portal::checkCsrf(portal::formOf(req), token);
    const auto row = requests.mineById(account, requestIdOf(s[2]));
    reviews(session).checkDomain(row.id, domainCheckSettings(), "automatic check (asked by " + account.email + ")");
    return seeOther("/developer/requests/" + std::to_string(row.id) + "?notice=checked");
  }
  if (s.size() == 3 && req.method == "GET") {
    const auto row = requests.mineById(account, requestIdOf(s[2]));
    auto review = reviews(session);
    portal::addRequestSummary(values, row, developer::deadlinesOf(row, calendar_, today));
    values["html:notice"] = notice(req);
    values["html:decisions"] = portal::decisionsList(review.decisions(row.id), false);
    values["html:instances"] = portal::instancesList(review.placements(row.id), config_.publicUrl);
    const std::string kind = row.details.find("organization")->find("identifier")->stringAt("kind").value_or("");
    if (kind == "domain" && row.status == "received")
      values["html:domain"] = portal::fill(
          "domain", {{"url", "https://" + row.details.find("organization")->stringAt("domain").value_or("") +
                                 "/.well-known/flint-verification.txt"},
                     {"token", row.domainToken},
                     {"action", "/developer/requests/" + std::to_string(row.id) + "/check-domain"},
                     {"csrf", portal::csrfToken(token)}});
    return portal::page(200, portal::appNameOf(row), portal::fill("request", values), nav);
  }
  return portal::page(404, "Not found",
                      portal::fill("message", {{"heading", "Not found"}, {"message", "There is no such page."}, {"back", "/developer/home"}}),
                      nav);
}

http::HttpResponse App::handleSandboxPages(const http::HttpRequest& req, const developer::Account& account,
                                           const std::string& token, const std::string& nav) {
  const auto& s = req.segments;  // developer, sandboxes, ...
  if (req.method != "POST") return seeOther("/developer/home#sandboxes");
  auto& session = db::Session::forThisThread(config_.databaseUrl);
  developer::SandboxService sandboxes(session, sandboxSettings_);
  const auto form = portal::formOf(req);
  portal::checkCsrf(form, token);
  auto loginsPage = [&](const developer::Sandbox& sandbox, const std::vector<auth::SeededLogin>& logins) {
    return portal::page(200, "Sandbox " + sandbox.row.name,
                        portal::fill("sandbox-logins", {{"name", sandbox.row.name},
                                                        {"fhirBase", config_.publicUrl + "/" + sandbox.row.name + "/fhir"},
                                                        {"html:logins", portal::loginsList(logins)},
                                                        {"html:apps", "<h2>Your apps' sandbox client ids</h2>" +
                                                                          portal::sandboxAppsList(sandbox.apps)}}),
                        nav);
  };
  if (s.size() == 2) {
    const std::string patients = field(form, "patients");
    try {
      if (patients.empty() || patients.size() > 6 || patients.find_first_not_of("0123456789") != std::string::npos)
        throw developer::DeveloperError(422, "invalid_request", "the sandbox cannot be made so",
                                        {{"patients", "must be a whole number"}});
      const auto created = sandboxes.create(account, field(form, "name"), std::stoi(patients));
      instanceChanged(session, created.sandbox.row.name);
      return loginsPage(created.sandbox, created.logins);
    } catch (const developer::DeveloperError& e) {
      Values values{{"sandboxName", field(form, "name")}, {"patients", patients}};
      portal::addProblems(values, e);
      return developerHome(account, token, nav, "", values);
    }
  }
  if (s.size() == 4 && s[3] == "logins") return loginsPage(sandboxes.mineByName(account, s[2]), sandboxes.resetLogins(account, s[2]));
  if (s.size() == 4 && s[3] == "delete") {
    sandboxes.remove(account, s[2]);
    instanceChanged(session, s[2]);
    return seeOther("/developer/home?notice=deleted#sandboxes");
  }
  return seeOther("/developer/home#sandboxes");
}

}  // namespace flint::server
