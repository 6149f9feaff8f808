#include "companion/apps/app_registry.h"

#include <map>

#include "auth/clients/client_registry.h"
#include "auth/storage/auth_repository.h"

namespace flint::companion {
namespace {

// "launch openid fhirUser" always: an app the companion opens completes an EHR launch.
std::string withLaunch(const std::string& ceiling) {
  std::string scope = ceiling;
  for (const char* needed : {"fhirUser", "openid", "launch"})
    if ((" " + scope + " ").find(std::string(" ") + needed + " ") == std::string::npos) scope = needed + (" " + scope);
  return scope;
}

CompanionApp appFrom(const pqxx::row& r) {
  CompanionApp app;
  app.plugin = r[0].as<std::string>();
  app.key = r[1].as<std::string>();
  app.name = r[2].as<std::string>();
  app.description = r[3].as<std::string>();
  app.icon = r[4].as<std::string>();
  app.scope = r[5].as<std::string>();
  app.menuPosition = r[6].as<std::string>();
  app.menuOrder = r[7].as<int>();
  app.launchUrl = r[8].as<std::string>();
  app.clientId = r[9].as<std::string>();
  app.framePermissions = r[10].as<std::string>();
  return app;
}

constexpr const char* kColumns =
    "plugin, key, name, description, icon, scope, menu_position, menu_order, launch_url, client_id, frame_permissions";

}  // namespace

void checkCeiling(const std::string& ceiling) {
  auth::NewClient probe;
  probe.name = "probe";
  probe.kind = "public";
  probe.redirectUris = {"https://app.example/callback"};
  probe.scope = withLaunch(ceiling);
  try {
    auth::checkClient(probe);
  } catch (const auth::ClientError& e) {
    throw CompanionAppError({std::string("applicationScope: ") + e.what()});
  }
}

pqxx::transaction_base& AppRegistry::tx() {
  if (session_.ambient() == nullptr) throw std::logic_error("AppRegistry runs inside a db::Transaction");
  return *session_.ambient();
}

std::vector<std::string> AppRegistry::install(const std::string& plugin, std::vector<CompanionApp> apps,
                                              const std::string& ceiling) {
  const std::string table = db::quoteIdentifier(instance_.schema) + ".companion_apps";
  auth::AuthRepository clients(session_, instance_);
  std::vector<std::string> disabled;
  std::map<std::string, CompanionApp> before;
  for (const auto& r : tx().exec_params("SELECT " + std::string(kColumns) + " FROM " + table + " WHERE plugin = $1", plugin))
    before.emplace(r[1].as<std::string>(), appFrom(r));
  for (auto& app : apps) {
    auth::NewClient client;
    client.name = app.name;
    client.kind = app.clientType;
    client.redirectUris = app.redirectUris;
    client.launchUri = app.launchUrl;
    client.scope = withLaunch(ceiling);
    client.jwksUrl = app.jwksUrl;
    const auto old = before.find(app.key);
    const auto record = old == before.end() ? std::nullopt : clients.client(old->second.clientId);
    try {
      if (record && record->redirectUris == client.redirectUris && record->launchUri == client.launchUri &&
          record->kind == client.kind && record->jwksUrl == client.jwksUrl) {
        app.clientId = record->id;
        clients.setClientScope(app.clientId, auth::checkClient(client).scope);
        clients.setClientDisabled(app.clientId, false);
      } else {
        app.clientId = auth::registerClient(clients, client).record.id;
      }
    } catch (const auth::ClientError& e) {
      throw CompanionAppError({std::string("applicationScope: ") + e.what()});
    }
    if (old != before.end()) {
      if (old->second.clientId != app.clientId) {
        clients.setClientDisabled(old->second.clientId, true);
        disabled.push_back(old->second.clientId);
      }
      before.erase(old);
    }
    tx().exec_params0("INSERT INTO " + table + " (" + kColumns + ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
                      " ON CONFLICT (plugin, key) DO UPDATE SET name = excluded.name, description = excluded.description,"
                      " icon = excluded.icon, scope = excluded.scope, menu_position = excluded.menu_position,"
                      " menu_order = excluded.menu_order, launch_url = excluded.launch_url, client_id = excluded.client_id,"
                      " frame_permissions = excluded.frame_permissions",
                      plugin, app.key, app.name, app.description, app.icon, app.scope, app.menuPosition, app.menuOrder,
                      app.launchUrl, app.clientId, app.framePermissions);
  }
  for (const auto& [key, gone] : before) {
    tx().exec_params0("DELETE FROM " + table + " WHERE plugin = $1 AND key = $2", plugin, key);
    clients.setClientDisabled(gone.clientId, true);
    disabled.push_back(gone.clientId);
  }
  return disabled;
}

std::vector<std::string> AppRegistry::uninstall(const std::string& plugin) { return install(plugin, {}, ""); }

std::vector<CompanionApp> AppRegistry::list(const std::string& scope) {
  std::vector<CompanionApp> out;
  for (const auto& r : tx().exec_params("SELECT " + std::string(kColumns) + " FROM " + db::quoteIdentifier(instance_.schema) +
                                            ".companion_apps WHERE $1 = '' OR scope = $1"
                                            " ORDER BY menu_position DESC, menu_order, name, plugin, key",
                                        scope))
    out.push_back(appFrom(r));
  return out;
}

}  // namespace flint::companion
