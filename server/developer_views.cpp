#include "server/developer_views.h"

#include "core/json/json_parser.h"
#include "fhir_resources/rest/fhir_error.h"
#include "fhir_resources/rest/instant.h"
#include "server/responses.h"

namespace flint::server {
namespace {

using json::Value;

std::string instant(int64_t epochSeconds) { return fhir::formatInstant(epochSeconds * 1000); }

void setDay(Value& v, const char* key, const std::optional<developer::Day>& day) {
  if (day) v.set(key, Value::string(developer::formatDay(*day)));
}

}  // namespace

Value requestJson(const developer::RequestRow& r, const developer::Deadlines& d) {
  Value v = Value::object();
  v.set("id", Value::number(r.id));
  v.set("status", Value::string(r.status));
  v.set("accessModel", Value::string(r.accessModel));
  v.set("account", Value::string(r.accountEmail));
  v.set("receivedAt", Value::string(instant(r.receivedAt)));
  if (r.verifiedAt) v.set("verifiedAt", Value::string(instant(*r.verifiedAt)));
  if (r.enabledAt) v.set("enabledAt", Value::string(instant(*r.enabledAt)));
  if (r.closedAt) v.set("closedAt", Value::string(instant(*r.closedAt)));
  if (!r.clientId.empty()) v.set("clientId", Value::string(r.clientId));
  Value deadlines = Value::object();
  setDay(deadlines, "verificationDue", d.verificationDue);
  setDay(deadlines, "enablementDue", d.enablementDue);
  if (!d.running.empty()) deadlines.set("running", Value::string(d.running));
  if (!d.flag.empty()) deadlines.set("flag", Value::string(d.flag));
  if (d.verifiedOnTime) deadlines.set("verifiedOnTime", Value::boolean(*d.verifiedOnTime));
  if (d.enabledOnTime) deadlines.set("enabledOnTime", Value::boolean(*d.enabledOnTime));
  v.set("deadlines", std::move(deadlines));
  Value domain = Value::object();
  const std::string host = r.details.find("organization")->stringAt("domain").value_or("");
  domain.set("url", Value::string("https://" + host + "/.well-known/flint-verification.txt"));
  domain.set("token", Value::string(r.domainToken));
  v.set("domainVerification", std::move(domain));
  v.set("termsOfUseVersion", Value::string(r.termsVersion));
  for (const auto& [key, value] : r.details.members()) v.set(key, value);
  return v;
}

Value decisionsJson(const std::vector<developer::DecisionRow>& decisions, bool withAuthors) {
  Value list = Value::array();
  for (const auto& d : decisions) {
    Value v = Value::object();
    v.set("decision", Value::string(d.decision));
    v.set("at", Value::string(instant(d.decidedAt)));
    if (withAuthors) v.set("by", Value::string(d.actor));
    if (!d.reason.empty()) {
      v.set("reason", Value::string(d.reason));
      for (const auto& r : developer::denialReasons())
        if (r.code == d.reason) v.set("reasonText", Value::string(r.text));
    }
    if (!d.note.empty()) v.set("note", Value::string(d.note));
    list.push(std::move(v));
  }
  return list;
}

Value placementsJson(const std::vector<developer::AppClients::Placement>& placements, const std::string& publicUrl) {
  Value list = Value::array();
  for (const auto& p : placements) {
    Value v = Value::object();
    v.set("instance", Value::string(p.instance));
    v.set("fhirBaseUrl", Value::string(publicUrl + "/" + p.instance + "/fhir"));
    v.set("scope", Value::string(p.scope));
    v.set("authorizedBy", Value::string(p.authorizedBy));
    v.set("authorizedAt", Value::string(instant(p.authorizedAt)));
    list.push(std::move(v));
  }
  return list;
}

Value loginsJson(const std::vector<auth::SeededLogin>& logins) {
  Value list = Value::array();
  for (const auto& login : logins) {
    Value v = Value::object();
    v.set("username", Value::string(login.username));
    v.set("password", Value::string(login.password));
    v.set("fhirUser", Value::string(login.fhirUser));
    list.push(std::move(v));
  }
  return list;
}

Value sandboxJson(const developer::Sandbox& sandbox, const std::vector<auth::SeededLogin>& logins,
                  const std::string& publicUrl) {
  const auto& row = sandbox.row;
  Value v = Value::object();
  v.set("name", Value::string(row.name));
  v.set("status", Value::string(row.status));
  v.set("patients", Value::number(int64_t(row.patients)));
  v.set("createdAt", Value::string(instant(row.createdAt)));
  v.set("expiresAt", Value::string(instant(row.expiresAt)));
  v.set("fhirBaseUrl", Value::string(publicUrl + "/" + row.name + "/fhir"));
  v.set("smartConfiguration", Value::string(publicUrl + "/" + row.name + "/fhir/.well-known/smart-configuration"));
  if (logins.empty()) {
    Value names = Value::array();
    for (const auto& username : sandbox.usernames) {
      Value login = Value::object();
      login.set("username", Value::string(username));
      names.push(std::move(login));
    }
    v.set("logins", std::move(names));
  } else {
    v.set("logins", loginsJson(logins));
  }
  Value apps = Value::array();
  for (const auto& app : sandbox.apps) {
    Value a = Value::object();
    a.set("requestId", Value::number(app.requestId));
    a.set("name", Value::string(app.name));
    a.set("accessModel", Value::string(app.accessModel));
    a.set("clientId", Value::string(app.clientId));
    apps.push(std::move(a));
  }
  v.set("apps", std::move(apps));
  return v;
}

Value developerBody(const std::string& body, bool emptyIsObject) {
  if (body.empty() && emptyIsObject) return Value::object();
  Value v;
  try {
    v = json::parse(body);
  } catch (const json::ParseError& e) {
    throw developer::DeveloperError(400, "invalid_request", std::string("the body is not JSON: ") + e.what());
  }
  if (!v.isObject()) throw developer::DeveloperError(400, "invalid_request", "the body must be a JSON object");
  return v;
}

long long requestIdOf(const std::string& text) {
  if (text.empty() || text.size() > 18 || text.find_first_not_of("0123456789") != std::string::npos)
    throw developer::DeveloperError(404, "not_found", "there is no request " + text);
  return std::stoll(text);
}

http::HttpResponse developerErrorResponse(const developer::DeveloperError& e) {
  const int status = e.status();
  const std::string code = status == 401 ? "login" : status == 403 ? "forbidden" : status == 404 ? "not-found"
                           : status == 409 ? "conflict" : status == 429 ? "throttled" : "invalid";
  http::HttpResponse r;
  r.status = status;
  r.contentType = kFhirJson;
  std::vector<fhir::Issue> issues;
  for (const auto& p : e.problems()) issues.push_back({code, p.field + " " + p.message, p.field, ""});
  if (issues.empty()) issues.push_back({code, e.code() + ": " + e.what(), "", ""});
  r.body = fhir::operationOutcome("error", issues);
  if (status == 401) r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"flint-developer\"");
  return r;
}

}  // namespace flint::server
