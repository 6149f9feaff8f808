#include "developer/requests/access_request.h"

#include <algorithm>
#include <set>
#include <vector>

#include "core/text/ascii_case.h"
#include "developer/developer_error.h"

namespace flint::developer {
namespace {

using json::Value;

const std::set<std::string>& stateCodes() {
  static const std::set<std::string> codes = {
      "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "FL", "GA", "HI", "ID", "IL", "IN", "IA", "KS", "KY", "LA", "ME",
      "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ", "NM", "NY", "NC", "ND", "OH", "OK", "OR", "PA",
      "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA", "WV", "WI", "WY", "DC", "PR", "GU", "VI", "AS", "MP"};
  return codes;
}

std::string trimmed(const std::string& s) {
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return "";
  return s.substr(first, s.find_last_not_of(" \t\r\n") - first + 1);
}

bool allDigits(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// The host of an absolute http(s) URL, or empty when `url` is not one.
std::string hostOf(const std::string& url, const std::string& scheme) {
  const std::string prefix = scheme + "://";
  if (url.size() > 2000 || url.rfind(prefix, 0) != 0) return "";
  if (url.find_first_of(" \t\r\n<>\"#") != std::string::npos) return "";
  std::string authority = url.substr(prefix.size(), url.find_first_of("/?", prefix.size()) - prefix.size());
  if (authority.find('@') != std::string::npos) return "";
  if (authority.rfind('[', 0) == 0) return authority.substr(0, authority.find(']') + 1);
  return text::asciiLower(authority.substr(0, authority.find(':')));
}

bool isLoopback(const std::string& host) { return host == "127.0.0.1" || host == "localhost" || host == "[::1]"; }

// Collects every problem of a request, then throws them together.
class Checker {
 public:
  void problem(const std::string& field, const std::string& message) { problems_.push_back({field, message}); }

  // The object at `path` of `parent` (its members checked against `allowed`), or null (a problem).
  const Value* object(const Value& parent, const std::string& key, const std::string& path,
                      const std::set<std::string>& allowed) {
    const Value* v = parent.find(key);
    if (v == nullptr || !v->isObject()) {
      problem(path, "is required, as an object");
      return nullptr;
    }
    for (const auto& [name, value] : v->members())
      if (!allowed.count(name)) problem(path + "." + name, "is not a field of a request");
    return v;
  }

  // The trimmed text at `key`, of `min` to `max` characters; "" (a problem) otherwise.
  std::string text(const Value* parent, const std::string& key, const std::string& path, size_t min, size_t max) {
    if (parent == nullptr) return "";
    const Value* v = parent->find(key);
    if (v == nullptr || !v->isString()) {
      if (min > 0) problem(path, "is required");
      else if (v != nullptr && !v->isNull()) problem(path, "must be text");
      return "";
    }
    std::string t = trimmed(v->text());
    if (t.size() < min) problem(path, min == 1 ? "is required" : "must have at least " + std::to_string(min) + " characters");
    else if (t.size() > max) problem(path, "must have at most " + std::to_string(max) + " characters");
    else if (std::any_of(t.begin(), t.end(), [](unsigned char c) { return c < 0x20 && c != '\n' && c != '\t'; }))
      problem(path, "must not hold control characters");
    else return t;
    return "";
  }

  bool isTrue(const Value* parent, const std::string& key, const std::string& path, const std::string& what) {
    const Value* v = parent == nullptr ? nullptr : parent->find(key);
    if (parent != nullptr && (v == nullptr || !v->isBool() || !v->asBool())) problem(path, what);
    return v != nullptr && v->isBool() && v->asBool();
  }

  // An https URL (http only on loopback when `loopbackAllowed`); "" (a problem) otherwise.
  std::string url(const Value* parent, const std::string& key, const std::string& path, bool required,
                  bool loopbackAllowed = false) {
    const std::string u = text(parent, key, path, required ? 1 : 0, 2000);
    if (u.empty()) return "";
    if (!hostOf(u, "https").empty()) return u;
    if (loopbackAllowed && isLoopback(hostOf(u, "http"))) return u;
    problem(path, loopbackAllowed ? "must be an https URL (http only on 127.0.0.1, [::1] or localhost)"
                                  : "must be an https URL");
    return "";
  }

  void finish() const {
    if (problems_.empty()) return;
    std::string message = "the request has " + std::to_string(problems_.size()) + " problem" +
                          (problems_.size() == 1 ? "" : "s") + ":";
    for (const auto& p : problems_) message += " " + p.field + " " + p.message + ";";
    message.pop_back();
    throw DeveloperError(422, "invalid_request", message, problems_);
  }

 private:
  std::vector<FieldProblem> problems_;
};

Value str(const std::string& s) { return Value::string(s); }

}  // namespace

bool isDomainName(const std::string& name) {
  if (name.size() > 253 || name.find('.') == std::string::npos) return false;
  size_t start = 0;
  while (start <= name.size()) {
    const size_t end = std::min(name.find('.', start), name.size());
    const std::string label = name.substr(start, end - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') return false;
    for (char c : label)
      if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
    start = end + 1;
  }
  return !allDigits(name.substr(name.rfind('.') + 1));
}

bool isEmailAddress(const std::string& email) {
  const auto at = email.find('@');
  if (at == 0 || at == std::string::npos || email.find('@', at + 1) != std::string::npos || email.size() > 254) return false;
  const std::string local = email.substr(0, at);
  if (local.size() > 64 || local.find_first_of(" \t\r\n\"(),:;<>[\\]") != std::string::npos) return false;
  return isDomainName(email.substr(at + 1));
}

AccessRequest parseAccessRequest(const Value& body, const std::string& termsVersion) {
  Checker check;
  if (!body.isObject()) throw DeveloperError(400, "invalid_request", "the request must be a JSON object");
  for (const auto& [name, value] : body.members())
    if (name != "organization" && name != "contact" && name != "application" && name != "attestations" &&
        name != "termsOfUse")
      check.problem(name, "is not a field of a request");

  AccessRequest out;
  Value details = Value::object();

  const Value* org = check.object(body, "organization", "organization", {"legalName", "domain", "identifier"});
  Value organization = Value::object();
  organization.set("legalName", str(check.text(org, "legalName", "organization.legalName", 2, 200)));
  out.domain = text::asciiLower(check.text(org, "domain", "organization.domain", 1, 253));
  const bool domainValid = isDomainName(out.domain);
  if (!out.domain.empty() && !domainValid)
    check.problem("organization.domain", "must be a domain name the organisation controls, e.g. example.com");
  organization.set("domain", str(out.domain));
  const Value* id = org == nullptr ? nullptr
                                   : check.object(*org, "identifier", "organization.identifier", {"kind", "state", "number"});
  Value identifier = Value::object();
  const std::string kind = check.text(id, "kind", "organization.identifier.kind", 1, 40);
  identifier.set("kind", str(kind));
  if (kind == "domain") {
    if (id->find("state") || id->find("number"))
      check.problem("organization.identifier", "a domain identifier is organization.domain itself: no state or number");
  } else if (kind == "state-registration") {
    const std::string state = check.text(id, "state", "organization.identifier.state", 1, 2);
    if (!state.empty() && !stateCodes().count(state))
      check.problem("organization.identifier.state", "must be a two-letter U.S. state or territory code, e.g. CA");
    const std::string number = check.text(id, "number", "organization.identifier.number", 1, 40);
    if (!number.empty() && number.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-") !=
                               std::string::npos)
      check.problem("organization.identifier.number", "must be the registration number: letters, digits and hyphens");
    identifier.set("state", str(state));
    identifier.set("number", str(number));
  } else if (kind == "duns") {
    std::string number = check.text(id, "number", "organization.identifier.number", 1, 11);
    number.erase(std::remove(number.begin(), number.end(), '-'), number.end());
    if (!number.empty() && (number.size() != 9 || !allDigits(number)))
      check.problem("organization.identifier.number", "must be a D-U-N-S number: nine digits");
    identifier.set("number", str(number));
  } else if (!kind.empty()) {
    check.problem("organization.identifier.kind", "must be domain, state-registration or duns");
  }
  organization.set("identifier", std::move(identifier));
  details.set("organization", std::move(organization));

  const Value* contact = check.object(body, "contact", "contact", {"name", "email", "phone"});
  Value person = Value::object();
  person.set("name", str(check.text(contact, "name", "contact.name", 2, 200)));
  const std::string email = text::asciiLower(check.text(contact, "email", "contact.email", 1, 254));
  if (!email.empty()) {
    const std::string host = email.substr(email.find('@') + 1);
    if (!isEmailAddress(email)) check.problem("contact.email", "must be an e-mail address");
    else if (domainValid && host != out.domain && !(host.size() > out.domain.size() &&
                                                           host.compare(host.size() - out.domain.size() - 1,
                                                                        std::string::npos, "." + out.domain) == 0))
      check.problem("contact.email", "must be an address on the organisation's domain (" + out.domain + ")");
  }
  person.set("email", str(email));
  if (const std::string phone = check.text(contact, "phone", "contact.phone", 0, 40); !phone.empty())
    person.set("phone", str(phone));
  details.set("contact", std::move(person));

  const Value* app = check.object(body, "application", "application",
                                  {"name", "description", "accessModel", "redirectUris", "jwksUrl", "launchUri"});
  Value application = Value::object();
  application.set("name", str(check.text(app, "name", "application.name", 2, 100)));
  application.set("description", str(check.text(app, "description", "application.description", 10, 2000)));
  out.accessModel = check.text(app, "accessModel", "application.accessModel", 1, 40);
  if (!out.accessModel.empty() && out.accessModel != "patient-directed" && out.accessModel != "population")
    check.problem("application.accessModel", "must be patient-directed or population");
  application.set("accessModel", str(out.accessModel));
  Value redirects = Value::array();
  if (app != nullptr) {
    if (const Value* uris = app->find("redirectUris"); uris != nullptr && !uris->isArray()) {
      check.problem("application.redirectUris", "must be a list of URLs");
    } else if (uris != nullptr) {
      if (uris->items().size() > 20) check.problem("application.redirectUris", "may list at most 20 URLs");
      for (size_t i = 0; i < uris->items().size() && i < 20; ++i) {
        Value holder = Value::object();
        holder.set("uri", uris->items()[i]);
        const std::string uri = check.url(&holder, "uri", "application.redirectUris[" + std::to_string(i) + "]", true, true);
        if (!uri.empty()) redirects.push(str(uri));
      }
    }
  }
  const std::string jwksUrl = check.url(app, "jwksUrl", "application.jwksUrl", false);
  const std::string launchUri = check.url(app, "launchUri", "application.launchUri", false, true);
  const Value* givenUris = app == nullptr ? nullptr : app->find("redirectUris");
  if (out.accessModel == "patient-directed" && app != nullptr &&
      (givenUris == nullptr || (givenUris->isArray() && givenUris->items().empty())))
    check.problem("application.redirectUris", "a patient-directed app needs at least one redirect URI");
  if (out.accessModel == "population" && jwksUrl.empty() && app != nullptr && !app->find("jwksUrl"))
    check.problem("application.jwksUrl", "a population (backend services) app needs the URL of its JWKS");
  application.set("redirectUris", std::move(redirects));
  if (!jwksUrl.empty()) application.set("jwksUrl", str(jwksUrl));
  if (!launchUri.empty()) application.set("launchUri", str(launchUri));
  details.set("application", std::move(application));

  const Value* att = check.object(body, "attestations", "attestations",
                                  {"privacyPolicyUrl", "termsUrl", "lawfulUse", "compliance"});
  Value attestations = Value::object();
  attestations.set("privacyPolicyUrl", str(check.url(att, "privacyPolicyUrl", "attestations.privacyPolicyUrl", true)));
  attestations.set("termsUrl", str(check.url(att, "termsUrl", "attestations.termsUrl", true)));
  attestations.set("lawfulUse", Value::boolean(check.isTrue(
                                    att, "lawfulUse", "attestations.lawfulUse",
                                    "must be true: the application accesses data only as the patient or the organisation "
                                    "authorises")));
  attestations.set("compliance", Value::boolean(check.isTrue(att, "compliance", "attestations.compliance",
                                                             "must be true: you will comply with applicable law")));
  details.set("attestations", std::move(attestations));

  const Value* terms = check.object(body, "termsOfUse", "termsOfUse", {"accepted", "version"});
  check.isTrue(terms, "accepted", "termsOfUse.accepted", "must be true: access requires agreeing to the Terms of Use");
  const std::string version = check.text(terms, "version", "termsOfUse.version", 1, 100);
  if (!version.empty() && version != termsVersion)
    check.problem("termsOfUse.version", "must be the version in force (" + termsVersion + "): read and accept it");

  check.finish();
  out.details = std::move(details);
  return out;
}

}  // namespace flint::developer
