#include "server/developer_page_parts.h"

#include "core/text/html_template.h"
#include "fhir_resources/rest/instant.h"

namespace flint::server::portal {

using text::escapeHtml;

std::string dateOf(int64_t epochSeconds) { return fhir::formatInstant(epochSeconds * 1000).substr(0, 10); }

std::string definition(const std::string& term, const std::string& text) {
  return "<dt>" + escapeHtml(term) + "</dt><dd>" + escapeHtml(text) + "</dd>";
}

std::string appNameOf(const developer::RequestRow& request) {
  return request.details.find("application")->stringAt("name").value_or("");
}

std::string flagBadge(const developer::Deadlines& d) {
  if (d.flag.empty()) return "";
  return "<span class=\"flag " + escapeHtml(d.flag) + "\">" + (d.flag == "overdue" ? "overdue" : "due soon") + "</span>";
}

void addRequestSummary(Values& values, const developer::RequestRow& r, const developer::Deadlines& d) {
  values["id"] = std::to_string(r.id);
  values["appName"] = appNameOf(r);
  values["accessModel"] = r.accessModel;
  values["status"] = r.status;
  values["html:flag"] = flagBadge(d);
  values["received"] = developer::formatDay(d.received);
  values["verificationDue"] = developer::formatDay(d.verificationDue);
  std::string enablement;
  if (d.verified) enablement += definition("Verified", developer::formatDay(*d.verified));
  if (d.enablementDue) enablement += definition("Enablement due", developer::formatDay(*d.enablementDue));
  if (d.enabled) enablement += definition("Enabled", developer::formatDay(*d.enabled));
  values["html:enablement"] = enablement;
  values["html:clientId"] = r.clientId.empty() ? "" : "<dt>Client id</dt><dd><code>" + escapeHtml(r.clientId) + "</code></dd>";
}

std::string decisionsList(const std::vector<developer::DecisionRow>& decisions, bool withAuthors) {
  if (decisions.empty()) return "<p class=\"note\">None yet.</p>";
  std::string html = "<ul class=\"plain\">";
  for (const auto& d : decisions) {
    html += "<li><strong>" + escapeHtml(d.decision) + "</strong> on " + escapeHtml(dateOf(d.decidedAt));
    if (withAuthors) html += " by " + escapeHtml(d.actor);
    for (const auto& reason : developer::denialReasons())
      if (reason.code == d.reason) html += "<br>" + escapeHtml(reason.text);
    if (!d.note.empty()) html += "<br><span class=\"note\">" + escapeHtml(d.note) + "</span>";
    html += "</li>";
  }
  return html + "</ul>";
}

std::string instancesList(const std::vector<developer::AppClients::Placement>& placements, const std::string& publicUrl) {
  if (placements.empty()) return "<p class=\"note\">Not enabled on any practice yet.</p>";
  std::string html = "<ul class=\"plain\">";
  for (const auto& p : placements)
    html += "<li><strong>" + escapeHtml(p.instance) + "</strong><br><code>" + escapeHtml(publicUrl + "/" + p.instance + "/fhir") +
            "</code><br><span class=\"note\">" + escapeHtml(p.scope) + "</span></li>";
  return html + "</ul>";
}

std::string loginsList(const std::vector<auth::SeededLogin>& logins) {
  std::string html = "<ul class=\"plain\">";
  for (const auto& l : logins)
    html += "<li>" + escapeHtml(l.fhirUser.rfind("Patient/", 0) == 0 ? "Patient" : "Clinician") + ": <code class=\"username\">" +
            escapeHtml(l.username) + "</code> / <code class=\"password\">" + escapeHtml(l.password) + "</code> (" +
            escapeHtml(l.fhirUser) + ")</li>";
  return html + "</ul>";
}

std::string sandboxAppsList(const std::vector<developer::SandboxApp>& apps) {
  if (apps.empty()) return "<p class=\"note\">Your apps appear here, with their sandbox client ids, once you request access for them.</p>";
  std::string html = "<ul class=\"plain\">";
  for (const auto& a : apps)
    html += "<li>" + escapeHtml(a.name) + " (" + escapeHtml(a.accessModel) + "): <code class=\"sandbox-client\">" +
            escapeHtml(a.clientId) + "</code></li>";
  return html + "</ul>";
}

}  // namespace flint::server::portal
