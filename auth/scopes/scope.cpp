#include "auth/scopes/scope.h"

#include <set>
#include <sstream>

#include "core/url/query_string.h"
#include "fhir_resources/definitions/definitions.h"

namespace flint::auth {
namespace {

const char* contextName(ScopeContext c) {
  switch (c) {
    case ScopeContext::Patient:
      return "patient";
    case ScopeContext::User:
      return "user";
    case ScopeContext::System:
      return "system";
  }
  return "";
}

// v2 letters in their required order.
constexpr std::pair<char, fhir::Permission> kLetters[] = {
    {'c', fhir::kCreate}, {'r', fhir::kRead}, {'u', fhir::kUpdate}, {'d', fhir::kDelete}, {'s', fhir::kSearch}};

constexpr uint8_t kV1Read = fhir::kRead | fhir::kSearch;
constexpr uint8_t kV1Write = fhir::kCreate | fhir::kUpdate | fhir::kDelete;
constexpr uint8_t kAll = kV1Read | kV1Write;

std::optional<uint8_t> parsePermissions(const std::string& text, bool& v1) {
  v1 = true;
  if (text == "read") return kV1Read;
  if (text == "write") return kV1Write;
  if (text == "*") return kAll;
  v1 = false;
  uint8_t bits = 0;
  size_t next = 0;
  for (char c : text) {
    while (next < std::size(kLetters) && kLetters[next].first != c) ++next;
    if (next == std::size(kLetters)) return std::nullopt;  // unknown letter, repeated or out of order
    bits |= kLetters[next++].second;
  }
  if (bits == 0) return std::nullopt;
  return bits;
}

}  // namespace

std::string ResourceScope::format() const {
  std::string out = std::string(contextName(context)) + "/" + type + ".";
  if (v1 && query.empty() && (permissions == kV1Read || permissions == kV1Write || permissions == kAll))
    return out + (permissions == kV1Read ? "read" : permissions == kV1Write ? "write" : "*");
  for (auto [letter, bit] : kLetters)
    if (permissions & bit) out += letter;
  if (!query.empty()) out += "?" + query;
  return out;
}

std::string ScopeSet::format() const {
  std::string out;
  for (const auto& s : other) out += (out.empty() ? "" : " ") + s;
  for (const auto& r : resources) out += (out.empty() ? "" : " ") + r.format();
  return out;
}

std::optional<ResourceScope> parseResourceScope(const std::string& token) {
  size_t slash = token.find('/');
  if (slash == std::string::npos) return std::nullopt;
  std::string context = token.substr(0, slash);
  ResourceScope scope;
  if (context == "patient") scope.context = ScopeContext::Patient;
  else if (context == "user") scope.context = ScopeContext::User;
  else if (context == "system") scope.context = ScopeContext::System;
  else return std::nullopt;
  size_t dot = token.find('.', slash);
  if (dot == std::string::npos) return std::nullopt;
  scope.type = token.substr(slash + 1, dot - slash - 1);
  if (scope.type != "*" && !fhir::Definitions::get().isResourceType(scope.type)) return std::nullopt;
  size_t question = token.find('?', dot);
  std::string permissions = token.substr(dot + 1, question == std::string::npos ? std::string::npos : question - dot - 1);
  auto bits = parsePermissions(permissions, scope.v1);
  if (!bits) return std::nullopt;
  scope.permissions = *bits;
  if (question != std::string::npos) {
    scope.query = token.substr(question + 1);
    if (scope.v1 || scope.query.empty()) return std::nullopt;  // only v2 scopes narrow by query
  }
  scope.text = token;
  return scope;
}

ScopeSet parseScopes(const std::string& text) {
  static const std::set<std::string> kOther = {"openid",        "fhirUser",      "profile",        "launch",
                                               "launch/patient", "launch/encounter", "offline_access", "online_access"};
  ScopeSet set;
  std::istringstream words(text);
  std::string token;
  std::set<std::string> seen;
  while (words >> token) {
    if (!seen.insert(token).second) continue;
    if (auto scope = parseResourceScope(token)) set.resources.push_back(std::move(*scope));
    else if (kOther.count(token)) set.other.push_back(token);
  }
  return set;
}

ScopeSet intersect(const ScopeSet& requested, const ScopeSet& ceiling) {
  ScopeSet out;
  std::set<std::string> granted;
  for (const auto& want : requested.resources) {
    for (const auto& limit : ceiling.resources) {
      if (limit.context != want.context) continue;
      if (limit.type != "*" && want.type != "*" && limit.type != want.type) continue;
      if (!limit.query.empty() && !want.query.empty() && limit.query != want.query) continue;
      ResourceScope g = want;
      g.type = want.type == "*" ? limit.type : want.type;
      g.permissions = want.permissions & limit.permissions;
      if (g.permissions == 0) continue;
      if (g.query.empty()) g.query = limit.query;
      // v1 syntax is kept (SMART: answer v1 to v1) unless the grant no longer means read/write/*.
      if (g.permissions != want.permissions || !g.query.empty()) g.v1 = false;
      g.text = g.format();
      if (granted.insert(g.text).second) out.resources.push_back(std::move(g));
    }
  }
  for (const auto& o : requested.other)
    for (const auto& c : ceiling.other)
      if (o == c) out.other.push_back(o);
  return out;
}

fhir::Access accessOf(const ScopeSet& scopes, const std::string& patient) {
  fhir::Access access = fhir::Access::none();
  access.setPatient(patient);
  for (const auto& s : scopes.resources) {
    std::string param, value;
    if (!s.query.empty()) {
      // Granular scopes narrow by one search parameter (category=system|code and the like).
      auto pairs = url::parseQuery(s.query);
      if (!pairs || pairs->size() != 1 || s.type == "*") continue;
      param = (*pairs)[0].first;
      value = (*pairs)[0].second;
    }
    const bool forPatient = s.context == ScopeContext::Patient;
    if (forPatient && patient.empty()) continue;
    // Writes under patient/ scopes are not offered: only reads and searches are bounded here.
    uint8_t permissions = forPatient || !param.empty() ? s.permissions & (fhir::kRead | fhir::kSearch) : s.permissions;
    if (permissions != 0) access.grant(s.type, permissions, forPatient, param, value);
  }
  return access;
}

}  // namespace flint::auth
