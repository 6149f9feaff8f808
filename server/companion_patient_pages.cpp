// The companion's patient pages, read through the FHIR search engine as the signed-in staff
// member: the patient search (name, birth date, identifier), the patient page (banner, a built-in
// timeline of recent Encounters, Conditions and Observations, and a tab per patient-specific app)
// and an encounter (the companion's "note") with a tab per note-specific app.
#include "companion/apps/app_registry.h"
#include "core/instances/data_routing.h"
#include "core/json/json_parser.h"
#include "core/text/html_template.h"
#include "fhir_resources/rest/fhir_router.h"
#include "fhir_resources/rest/url_encoding.h"
#include "server/app.h"
#include "server/companion_page_kit.h"

namespace flint::server {
namespace {

using namespace companion_pages;
using text::escapeHtml;

std::string itemList(const std::vector<std::string>& items, const std::string& none) {
  if (items.empty()) return "<p class=\"note\">" + escapeHtml(none) + "</p>";
  std::string html = "<ul class=\"list\">";
  for (const auto& item : items) html += "<li>" + item + "</li>";
  return html + "</ul>";
}

std::string valueText(const json::Value& observation) {
  if (const auto* q = observation.find("valueQuantity"))
    return (q->find("value") ? q->find("value")->text() : "") + " " + q->stringAt("unit").value_or(q->stringAt("code").value_or(""));
  if (auto s = observation.stringAt("valueString")) return *s;
  if (const auto* c = observation.find("valueCodeableConcept")) return conceptText(c);
  return "";
}

std::string dateOf(const json::Value& resource, std::initializer_list<const char*> paths) {
  for (const char* path : paths) {
    const std::string p(path);
    const size_t dot = p.find('.');
    const json::Value* v = resource.find(p.substr(0, dot));
    if (v != nullptr && dot != std::string::npos) v = v->isObject() ? v->find(p.substr(dot + 1)) : nullptr;
    if (v != nullptr && v->isString()) return v->text().substr(0, 10);
  }
  return "";
}

std::string encounterTitle(const json::Value& encounter) {
  const json::Value* types = encounter.find("type");
  const std::string title = conceptText(types != nullptr && types->isArray() && !types->items().empty() ? &types->items().front() : nullptr);
  return title.empty() ? "Encounter" : title;
}

}  // namespace

std::vector<json::Value> App::companionSearch(const instances::Instance& instance, const auth::UserRecord& staff,
                                              const std::string& type, const fhir::Params& params) {
  auto& session = instances::primarySession(instance);
  fhir::FhirRequest req;
  req.method = "GET";
  req.segments = {type};
  req.params = params;
  req.baseUrl = config_.publicUrl + "/" + instance.name + "/fhir";
  fhir::FhirContext ctx{instance, session, settings_, unrestrictedAccess()};
  const auto result = fhir::routeFhirRequest(ctx, req);
  auto event = audit::eventOf(instance);
  event.kind = "fhir";
  event.action = "GET " + type;
  event.target = type;
  for (const auto& [name, value] : params) event.detail += (event.detail.empty() ? "" : ",") + name;
  event.outcome = result.status;
  event.clientId = "companion";
  event.userId = staff.id;
  for (const auto& [name, value] : params)
    if (name == "patient" || (type == "Patient" && name == "_id")) event.patientId = value;
  audit_.record(std::move(event));
  std::vector<json::Value> out;
  if (result.status != 200) return out;
  const json::Value bundle = json::parse(result.body);
  if (const auto* entries = bundle.find("entry"))
    for (const auto& entry : entries->items())
      if (const auto* resource = entry.find("resource"); resource != nullptr && resource->stringAt("resourceType") == type)
        out.push_back(*resource);
  return out;
}

http::HttpResponse App::companionPatientPages(const http::HttpRequest& req, const instances::Instance& instance,
                                              const auth::UserRecord& staff, const std::string& token) {
  const auto& s = req.segments;  // {instance}, companion, patients[, {id}[, encounters, {id}]]
  const std::string path = "/" + instance.name + "/companion";
  auto notFound = [&](const std::string& what) {
    return page(404, instance, "Not found", "<section><h1>Not found</h1><p>" + escapeHtml(what) + "</p></section>", token);
  };
  if (s.size() == 3) return page(200, instance, "Find a patient", companionSearchForm(req, instance, staff), token);
  const std::string patientId = s[3];
  const auto patients = companionSearch(instance, staff, "Patient", {{"_id", patientId}});
  if (patients.empty()) return notFound("There is no such patient.");
  const json::Value& patient = patients.front();
  auto session = [&]() -> db::Session& { return instances::primarySession(instance); };
  auto tabs = [&](const std::string& scope, const std::string& query) {
    std::string html;
    db::Transaction tx(session());
    for (const auto& app : companion::AppRegistry(session(), instance).list(scope))
      html += "<a class=\"tab\" href=\"" + escapeHtml(path + "/open/" + app.clientId + "?" + query) + "\">" + escapeHtml(app.name) + "</a>";
    tx.commit();
    return html;
  };
  if (s.size() == 4) {
    std::vector<std::string> encounters, conditions, observations;
    for (const auto& e : companionSearch(instance, staff, "Encounter", {{"patient", patientId}, {"_sort", "-date"}, {"_count", "10"}})) {
      encounters.push_back("<a href=\"" + escapeHtml(path + "/patients/" + patientId + "/encounters/" + e.stringAt("id").value_or("")) +
                           "\">" + escapeHtml(encounterTitle(e)) + "</a><span class=\"note\">" +
                           escapeHtml(dateOf(e, {"period.start"}) + " · " + e.stringAt("status").value_or("")) + "</span>");
    }
    for (const auto& c : companionSearch(instance, staff, "Condition", {{"patient", patientId}, {"_count", "10"}}))
      conditions.push_back(escapeHtml(conceptText(c.find("code"))) + "<br><span class=\"note\">" +
                           escapeHtml(conceptText(c.find("clinicalStatus")) + " " + dateOf(c, {"onsetDateTime", "recordedDate"})) +
                           "</span>");
    for (const auto& o : companionSearch(instance, staff, "Observation", {{"patient", patientId}, {"_sort", "-date"}, {"_count", "10"}}))
      observations.push_back(escapeHtml(conceptText(o.find("code"))) + ": <strong>" + escapeHtml(valueText(o)) +
                             "</strong><br><span class=\"note\">" + escapeHtml(dateOf(o, {"effectiveDateTime", "issued"})) + "</span>");
    return page(200, instance, humanName(patient),
                fill("patient", {{"banner", patientBanner(patient)},
                                 {"html:tabs", tabs("patient_specific", "patient=" + fhir::percentEncode(patientId))},
                                 {"html:encounters", itemList(encounters, "No encounters.")},
                                 {"html:conditions", itemList(conditions, "No conditions.")},
                                 {"html:observations", itemList(observations, "No observations.")}}),
                token);
  }
  if (s.size() == 6 && s[4] == "encounters") {
    const auto found = companionSearch(instance, staff, "Encounter", {{"_id", s[5]}, {"patient", patientId}});
    if (found.empty()) return notFound("There is no such encounter of this patient.");
    const json::Value& e = found.front();
    const std::string title = encounterTitle(e);
    return page(200, instance, title,
                fill("encounter", {{"banner", patientBanner(patient)},
                                   {"title", title},
                                   {"when", dateOf(e, {"period.start"})},
                                   {"status", e.stringAt("status").value_or("")},
                                   {"back", path + "/patients/" + patientId},
                                   {"html:tabs", tabs("note_specific", "patient=" + fhir::percentEncode(patientId) +
                                                                          "&encounter=" + fhir::percentEncode(s[5]))}}),
                token);
  }
  return notFound("There is no such page.");
}

std::string App::companionSearchForm(const http::HttpRequest& req, const instances::Instance& instance,
                                     const auth::UserRecord& staff) {
  const std::string path = "/" + instance.name + "/companion";
  std::map<std::string, std::string> values{{"action", path + "/patients"}};
  fhir::Params params;
  for (const char* name : {"name", "birthdate", "identifier"}) {
    const std::string value = req.queryParam(name).value_or("");
    values[name] = value;
    if (!value.empty()) params.emplace_back(name, value);
  }
  if (!params.empty()) {
    params.emplace_back("_count", "20");
    std::vector<std::string> found;
    for (const auto& p : companionSearch(instance, staff, "Patient", params))
      found.push_back("<a href=\"" + escapeHtml(path + "/patients/" + p.stringAt("id").value_or("")) + "\">" +
                      escapeHtml(humanName(p)) + "</a><span class=\"note\">" + escapeHtml(patientBanner(p)) + "</span>");
    values["html:results"] = itemList(found, "No patient matches.");
  }
  return fill("search", values);
}

}  // namespace flint::server
