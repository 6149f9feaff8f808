// The admin API for an instance's plugins: POST /admin/instances/{name}/plugins installs one from
// {"manifest": CANVAS_MANIFEST.json, "models": {...}, "keys": {"namespace_read_access_key": ...},
// "applicationScope": "..."}; GET lists them; DELETE .../plugins/{plugin} uninstalls one (its
// custom data stays, its companion applications' clients stop). A namespace's keys appear once, in
// the response of the install that created it.
#include "core/instances/data_routing.h"
#include "core/instances/instance_store.h"
#include "core/json/json_parser.h"
#include "core/json/json_writer.h"
#include "companion/apps/app_registry.h"
#include "custom_data/plugins/plugin_installer.h"
#include "fhir_resources/rest/fhir_error.h"
#include "server/app.h"
#include "server/responses.h"

namespace flint::server {
namespace {

using json::Value;

Value pluginJson(const custom_data::InstalledPlugin& p) {
  Value v = Value::object();
  v.set("name", Value::string(p.name));
  v.set("version", Value::string(p.version));
  if (!p.ns.empty()) {
    Value customData = Value::object();
    customData.set("namespace", Value::string(p.ns));
    customData.set("access", Value::string(p.access));
    v.set("customData", std::move(customData));
  }
  v.set("installedAt", Value::string(p.installedAt));
  return v;
}

struct Install {
  custom_data::InstallRequest request;
  std::string applicationScope = companion::kDefaultAppCeiling;
};

Install parseInstallRequest(const std::string& body) {
  Value v;
  try {
    v = json::parse(body);
  } catch (const json::ParseError& e) {
    throw custom_data::InstallError(400, std::string("the body is not JSON: ") + e.what());
  }
  if (!v.isObject()) throw custom_data::InstallError(400, "the body must be a JSON object");
  Install install;
  custom_data::InstallRequest& request = install.request;
  for (const auto& [key, value] : v.members()) {
    if (key == "manifest") {
      request.manifest = value;
    } else if (key == "models") {
      request.models = value;
    } else if (key == "keys") {
      if (!value.isObject()) throw custom_data::InstallError(400, "keys must be an object");
      for (const auto& [name, secret] : value.members()) {
        if (!secret.isString()) throw custom_data::InstallError(400, "keys." + name + " must be a string");
        if (name == custom_data::kReadKeyName) request.readKey = secret.text();
        else if (name == custom_data::kReadWriteKeyName) request.readWriteKey = secret.text();
        else throw custom_data::InstallError(400, "keys." + name + " is not a namespace key");
      }
    } else if (key == "applicationScope") {
      if (!value.isString()) throw custom_data::InstallError(400, "applicationScope must be a string of scopes");
      install.applicationScope = value.text();
    } else {
      throw custom_data::InstallError(
          400, "unknown member '" + key + "'; an install has a manifest, models, keys and applicationScope");
    }
  }
  if (v.find("manifest") == nullptr) throw custom_data::InstallError(400, "manifest is required");
  return install;
}

http::HttpResponse installErrorResponse(const custom_data::InstallError& e) {
  std::vector<fhir::Issue> issues;
  if (e.problems().empty()) issues.push_back({e.status() == 403 ? "forbidden" : e.status() == 409 ? "conflict" : "invalid", e.what(), "", ""});
  for (const auto& problem : e.problems()) issues.push_back({"invalid", problem, problem.substr(0, problem.find(':')), ""});
  http::HttpResponse r = outcomeResponse(e.status(), "invalid", e.what());
  r.body = fhir::operationOutcome("error", issues);
  return r;
}

}  // namespace

http::HttpResponse App::handleAdminPlugins(const http::HttpRequest& req) {
  const auto& s = req.segments;  // admin, instances, {name}, plugins[, {plugin}]
  if (s.size() != 4 && s.size() != 5) return outcomeResponse(404, "not-found", "no admin endpoint at this path");
  auto instance = instances::findInstance(db::Session::forThisThread(config_.databaseUrl).connection(), s[2]);
  if (!instance) return outcomeResponse(404, "not-found", "there is no instance named '" + s[2] + "'");
  auto& conn = instances::primarySession(*instance).connection();
  try {
    if (s.size() == 5) {
      if (req.method != "DELETE") return outcomeResponse(405, "not-supported", "use DELETE");
      if (!custom_data::uninstallPlugin(conn, *instance, s[4]))
        return outcomeResponse(404, "not-found", "there is no plugin '" + s[4] + "'");
      followApplications(*instance, s[4], {}, "");
      http::HttpResponse r;
      r.status = 204;
      return r;
    }
    if (req.method == "GET") {
      Value list = Value::array();
      for (const auto& p : custom_data::listPlugins(conn, *instance)) list.push(pluginJson(p));
      return jsonResponse(200, json::write(list));
    }
    if (req.method != "POST") return outcomeResponse(405, "not-supported", req.method + " is not supported here");
    const auto install = parseInstallRequest(req.body);
    // The manifest is checked as a whole first: a refused application installs nothing.
    auto apps = companion::declaredApps(install.request.manifest,
                                        install.request.manifest.stringAt("name").value_or(""));
    companion::checkCeiling(install.applicationScope);
    auto result = custom_data::installPlugin(conn, *instance, install.request);
    Value v = pluginJson(result.plugin);
    Value registered = Value::array();
    for (const auto& app : followApplications(*instance, result.plugin.name, std::move(apps), install.applicationScope)) {
      Value a = Value::object();
      a.set("class", Value::string(app.key));
      a.set("name", Value::string(app.name));
      a.set("scope", Value::string("provider_companion_" + app.scope));
      a.set("clientId", Value::string(app.clientId));
      registered.push(std::move(a));
    }
    if (!registered.items().empty()) v.set("applications", std::move(registered));
    if (!result.models.empty()) {
      Value models = Value::array();
      for (const auto& m : result.models) models.push(Value::string(m));
      v.set("models", std::move(models));
    }
    if (result.keys) {
      Value keys = Value::object();
      keys.set(custom_data::kReadKeyName, Value::string(result.keys->read));
      keys.set(custom_data::kReadWriteKeyName, Value::string(result.keys->readWrite));
      v.set("namespaceCreated", Value::boolean(true));
      v.set("keys", std::move(keys));
    }
    auto r = jsonResponse(201, json::write(v));
    r.headers.emplace_back("Cache-Control", "no-store");
    return r;
  } catch (const custom_data::InstallError& e) {
    return installErrorResponse(e);
  } catch (const companion::CompanionAppError& e) {
    return installErrorResponse(custom_data::InstallError(400, "the manifest's companion applications cannot be registered", e.problems()));
  }
}

std::vector<companion::CompanionApp> App::followApplications(const instances::Instance& instance, const std::string& plugin,
                                                             std::vector<companion::CompanionApp> apps,
                                                             const std::string& ceiling) {
  auto& session = instances::primarySession(instance);
  std::vector<std::string> disabled;
  std::vector<companion::CompanionApp> registered;
  {
    db::Transaction tx(session);
    companion::AppRegistry registry(session, instance);
    disabled = apps.empty() ? registry.uninstall(plugin) : registry.install(plugin, std::move(apps), ceiling);
    for (auto& app : registry.list())
      if (app.plugin == plugin) registered.push_back(std::move(app));
    tx.commit();
  }
  for (const auto& clientId : disabled) auth_.revokeClient(instance, clientId);
  return registered;
}

}  // namespace flint::server
