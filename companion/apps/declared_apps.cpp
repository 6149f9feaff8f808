#include "companion/apps/declared_apps.h"

#include <set>

namespace flint::companion {
namespace {

// https, or http on loopback (an app in development on the operator's machine).
bool isAppUrl(const std::string& url) {
  if (url.size() > 2000 || url.find_first_of(" \t\r\n#") != std::string::npos) return false;
  if (url.rfind("https://", 0) == 0) return url.size() > 8;
  for (const char* local : {"http://localhost", "http://127.0.0.1", "http://[::1]"})
    if (url.rfind(local, 0) == 0) {
      const char next = url.size() > std::string(local).size() ? url[std::string(local).size()] : '/';
      if (next == '/' || next == ':') return true;
    }
  return false;
}

std::string permissionsFor(const json::Value& manifest, const std::string& launchUrl) {
  std::set<std::string> granted;
  if (const auto* entries = manifest.find("url_permissions"))
    for (const auto& entry : entries->items())
      if (originOf(entry.stringAt("url").value_or("")) == originOf(launchUrl))
        if (const auto* permissions = entry.find("permissions"))
          for (const auto& p : permissions->items()) granted.insert(p.text());
  std::string out;
  for (const auto& p : granted) out += (out.empty() ? "" : " ") + p;
  return out;
}

std::string variable(const json::Value& manifest, const std::string& name) {
  if (const auto* variables = manifest.find("variables"))
    for (const auto& v : variables->items())
      if (v.stringAt("name") == name) return v.stringAt("default").value_or("");
  return "";
}

}  // namespace

std::string originOf(const std::string& url) {
  const size_t scheme = url.find("://");
  if (scheme == std::string::npos) return "";
  return url.substr(0, url.find_first_of("/?#", scheme + 3));
}

std::vector<CompanionApp> declaredApps(const json::Value& manifest, const std::string& plugin) {
  std::vector<CompanionApp> apps;
  std::vector<std::string> problems;
  const std::string clientType = variable(manifest, "smart_client_type").empty() ? "public" : variable(manifest, "smart_client_type");
  const std::string jwksUrl = variable(manifest, "smart_jwks_url");
  if (clientType != "public" && clientType != "confidential-asymmetric")
    problems.push_back("$.variables.smart_client_type: must be public or confidential-asymmetric");
  if (clientType == "confidential-asymmetric" && !isAppUrl(jwksUrl))
    problems.push_back("$.variables.smart_jwks_url: a confidential-asymmetric app needs the https URL of its JWKS");
  const json::Value* components = manifest.find("components");
  const json::Value* declared = components == nullptr ? nullptr : components->find("applications");
  std::set<std::string> keys;
  for (size_t i = 0; declared != nullptr && i < declared->items().size(); ++i) {
    const json::Value& a = declared->items()[i];
    const std::string path = "$.components.applications[" + std::to_string(i) + "]";
    const std::string scope = a.stringAt("scope").value_or("");
    if (scope.rfind("provider_companion_", 0) != 0) continue;
    CompanionApp app;
    app.plugin = plugin;
    app.key = a.stringAt("class").value_or("");
    app.name = a.stringAt("name").value_or("");
    app.description = a.stringAt("description").value_or("");
    app.icon = a.stringAt("icon").value_or("");
    app.scope = scope.substr(std::string("provider_companion_").size());
    app.menuPosition = a.stringAt("menu_position").value_or("top");
    if (const auto* order = a.find("menu_order")) {
      try {
        app.menuOrder = std::stoi(order->text());
      } catch (const std::exception&) {
        problems.push_back(path + ".menu_order: is out of range");
      }
    }
    app.launchUrl = a.stringAt("launch_url").value_or("");
    app.framePermissions = permissionsFor(manifest, app.launchUrl);
    app.clientType = clientType;
    app.jwksUrl = clientType == "public" ? "" : jwksUrl;
    if (!keys.insert(app.key).second) problems.push_back(path + ".class: another application has this class");
    if (!isAppUrl(app.launchUrl)) problems.push_back(path + ".launch_url: must be an https URL (http only on loopback)");
    if (const auto* uris = a.find("redirect_uris")) {
      if (uris->items().empty()) problems.push_back(path + ".redirect_uris: must list at least one URL");
      for (size_t j = 0; j < uris->items().size(); ++j) {
        app.redirectUris.push_back(uris->items()[j].text());
        if (!isAppUrl(app.redirectUris.back()))
          problems.push_back(path + ".redirect_uris[" + std::to_string(j) + "]: must be an https URL (http only on loopback)");
      }
    }
    apps.push_back(std::move(app));
  }
  if (!problems.empty()) throw CompanionAppError(problems);
  return apps;
}

}  // namespace flint::companion
