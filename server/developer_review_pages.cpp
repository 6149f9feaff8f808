// The reviewers' pages under /developer/review, for accounts an admin made reviewers: the queue
// with deadlines and flags, and a request with its details and the decisions its status allows
// (a denial only for an identity reason from the fixed list). The admin key uses the JSON API.
#include "core/clock.h"
#include "core/text/html_template.h"
#include "server/app.h"
#include "server/developer_page_parts.h"
#include "server/developer_views.h"
#include "server/responses.h"

namespace flint::server {
namespace {

using portal::Values;
using text::escapeHtml;

std::string detailsOf(const developer::RequestRow& r) {
  const auto& org = *r.details.find("organization");
  const auto& id = *org.find("identifier");
  const auto& contact = *r.details.find("contact");
  const auto& app = *r.details.find("application");
  const auto& att = *r.details.find("attestations");
  const std::string kind = id.stringAt("kind").value_or("");
  std::string identifier = kind == "domain" ? "domain " + org.stringAt("domain").value_or("")
                           : kind == "duns" ? "D-U-N-S " + id.stringAt("number").value_or("")
                                            : id.stringAt("state").value_or("") + " registration " + id.stringAt("number").value_or("");
  std::string uris;
  if (const auto* list = app.find("redirectUris"))
    for (const auto& uri : list->items()) uris += (uris.empty() ? "" : ", ") + uri.text();
  return portal::definition("Organisation", org.stringAt("legalName").value_or("")) +
         portal::definition("Identifier", identifier) +
         portal::definition("Contact", contact.stringAt("name").value_or("") + " <" + contact.stringAt("email").value_or("") + ">") +
         portal::definition("Access model", r.accessModel) +
         portal::definition("Description", app.stringAt("description").value_or("")) +
         (uris.empty() ? "" : portal::definition("Redirect URIs", uris)) +
         (app.stringAt("jwksUrl") ? portal::definition("JWKS URL", *app.stringAt("jwksUrl")) : "") +
         portal::definition("Privacy policy", att.stringAt("privacyPolicyUrl").value_or("")) +
         portal::definition("Terms of Use", "version " + r.termsVersion + " accepted");
}

std::string decisionForm(long long id, const std::string& decision, const std::string& label, const std::string& csrf,
                         const std::string& style = "", const std::string& reasonHtml = "") {
  return portal::fill("decision", {{"action", "/developer/review/" + std::to_string(id) + "/" + decision},
                                   {"decision", decision},
                                   {"label", label},
                                   {"style", style},
                                   {"csrf", csrf},
                                   {"html:reason", reasonHtml}});
}

std::string denialReasons() {
  std::string html = "<label for=\"reason\">Identity reason</label><select id=\"reason\" name=\"reason\" required>";
  for (const auto& r : developer::denialReasons())
    html += "<option value=\"" + escapeHtml(r.code) + "\">" + escapeHtml(r.text) + "</option>";
  return html + "</select>";
}

}  // namespace

http::HttpResponse App::handleReviewPages(const http::HttpRequest& req, const developer::Account& account,
                                          const std::string& token, const std::string& nav) {
  const auto& s = req.segments;  // developer, review, ...
  if (!account.reviewer)
    return portal::page(403, "Not allowed",
                        portal::fill("message", {{"heading", "Not allowed"},
                                                 {"message", "Only the programme's reviewers see the queue."},
                                                 {"back", "/developer/home"}}),
                        nav);
  auto& session = db::Session::forThisThread(config_.databaseUrl);
  auto review = reviews(session);
  const auto today = developer::utcDay(epochSeconds());
  const std::string csrf = portal::csrfToken(token);
  if (s.size() == 2 && req.method == "GET") {
    const auto queue = review.queue(today);
    int overdue = 0, dueSoon = 0;
    std::string rows;
    for (const auto& e : queue) {
      const auto& d = e.deadlines;
      overdue += d.flag == "overdue";
      dueSoon += d.flag == "due-soon";
      rows += "<tr><td><a href=\"/developer/review/" + std::to_string(e.request.id) + "\">#" + std::to_string(e.request.id) +
              "</a></td><td>" + escapeHtml(e.request.details.find("organization")->stringAt("legalName").value_or("")) +
              "<br>" + escapeHtml(portal::appNameOf(e.request)) + "</td><td>" + escapeHtml(e.request.status) + "</td><td>" +
              escapeHtml(d.running) + " due " +
              escapeHtml(developer::formatDay(d.running == "verification" ? d.verificationDue : *d.enablementDue)) + " " +
              portal::flagBadge(d) + "</td></tr>";
    }
    return portal::page(
        200, "Review queue",
        portal::fill("review-queue",
                     {{"today", developer::formatDay(today)},
                      {"open", std::to_string(queue.size())},
                      {"overdue", std::to_string(overdue)},
                      {"dueSoon", std::to_string(dueSoon)},
                      {"html:requests", rows.empty() ? "<p class=\"note\">Nothing waits.</p>"
                                                     : "<div class=\"table\"><table><tr><th>Request</th><th>Organisation · app</th>"
                                                       "<th>Status</th><th>Deadline</th></tr>" + rows + "</table></div>"}}),
        nav);
  }
  const long long id = requestIdOf(s.size() >= 3 ? s[2] : "");
  Values values;
  if (s.size() == 4 && req.method == "POST") {
    const auto form = portal::formOf(req);
    portal::checkCsrf(form, token);
    const std::string& decision = s[3];
    const std::string actor = "reviewer " + account.email;
    const auto note = form.count("note") ? form.at("note") : "";
    try {
      decideOnRequest(review, id, decision, account.id, actor, note, form.count("reason") ? form.at("reason") : "");
      return seeOther("/developer/review/" + std::to_string(id));
    } catch (const developer::DeveloperError& e) {
      if (e.status() == 404) throw;
      portal::addProblems(values, e);
    }
  } else if (s.size() != 3 || req.method != "GET") {
    throw developer::DeveloperError(404, "not_found", "there is no such page");
  }
  const auto entry = review.request(id, today);
  const auto& r = entry.request;
  portal::addRequestSummary(values, r, entry.deadlines);
  values["account"] = r.accountEmail;
  values["html:details"] = detailsOf(r);
  values["html:decisions"] = portal::decisionsList(review.decisions(id), true);
  std::string actions;
  if (r.status == "received") {
    if (r.details.find("organization")->find("identifier")->stringAt("kind").value_or("") == "domain")
      actions += decisionForm(id, "check-domain", "Check the domain token", csrf, "secondary") +
                 decisionForm(id, "domain-verified", "Domain shown by DNS TXT record", csrf, "secondary");
    actions += decisionForm(id, "verify", "Verify identity", csrf) + decisionForm(id, "deny", "Deny", csrf, "danger", denialReasons());
  } else if (r.status == "verified") {
    actions += decisionForm(id, "enable", "Enable for production", csrf);
  }
  if (r.status == "verified" || r.status == "enabled") actions += decisionForm(id, "revoke", "Revoke", csrf, "danger");
  values["html:actions"] = actions.empty() ? "<p class=\"note\">Nothing to decide in this status.</p>" : actions;
  return portal::page(values.count("html:error") ? 409 : 200, "Request #" + std::to_string(id),
                      portal::fill("review-request", values), nav);
}

}  // namespace flint::server
