#include "developer/enablement/app_clients.h"

#include "auth/clients/client_registry.h"
#include "auth/storage/auth_repository.h"
#include "core/instances/data_routing.h"
#include "core/instances/instance_store.h"
#include "developer/developer_error.h"

namespace flint::developer {
namespace {

std::vector<std::string> stringList(const json::Value* list) {
  std::vector<std::string> out;
  if (list != nullptr)
    for (const auto& item : list->items()) out.push_back(item.text());
  return out;
}

// A patient-directed app is a public client (PKCE), or an asymmetric one when it has keys: either
// way nothing secret has to reach it per instance.
std::string patientAppKind(const RequestRow& app) {
  return app.details.find("application")->stringAt("jwksUrl") ? "confidential-asymmetric" : "public";
}

bool servesPatientApps(const instances::Instance& instance) {
  return instance.patientPortal && !instance.disabled && !instance.sandbox;
}

}  // namespace

pqxx::transaction_base& AppClients::tx() {
  if (session_.ambient() == nullptr) throw std::logic_error("AppClients runs inside a db::Transaction");
  return *session_.ambient();
}

void AppClients::upsertClient(const RequestRow& app, const instances::Instance& instance, const std::string& clientId,
                              const std::string& kind, const std::string& scope) {
  const json::Value& application = *app.details.find("application");
  auth::AuthRepository repo(instances::primarySession(instance), instance);
  auth::NewClient client;
  client.id = clientId;
  client.name = application.stringAt("name").value_or(clientId);
  client.kind = kind;
  client.scope = scope;
  client.jwksUrl = application.stringAt("jwksUrl").value_or("");
  if (kind != "backend") {
    client.redirectUris = stringList(application.find("redirectUris"));
    client.launchUri = application.stringAt("launchUri").value_or("");
  }
  try {
    if (repo.client(clientId)) {
      repo.setClientScope(clientId, auth::checkClient(client).scope);
      repo.setClientDisabled(clientId, false);
    } else {
      auth::registerClient(repo, client);
    }
  } catch (const auth::ClientError& e) {
    throw DeveloperError(422, "invalid_scope", e.what());
  }
}

void AppClients::place(const RequestRow& app, const instances::Instance& instance, const std::string& kind,
                       const std::string& scope, const std::string& actor) {
  upsertClient(app, instance, app.clientId, kind, scope);
  tx().exec_params0("INSERT INTO flint.developer_app_instances (request_id, instance_id, scope, authorized_by)"
                    " VALUES ($1, $2, $3, $4) ON CONFLICT (request_id, instance_id) DO UPDATE"
                    " SET scope = excluded.scope, authorized_by = excluded.authorized_by, authorized_at = now()",
                    app.id, instance.id, scope, actor);
}

std::vector<RemovedClient> AppClients::deauthorizeOn(const RequestRow& app, const instances::Instance& instance) {
  tx().exec_params0("DELETE FROM flint.developer_app_instances WHERE request_id = $1 AND instance_id = $2", app.id,
                    instance.id);
  auth::AuthRepository repo(instances::primarySession(instance), instance);
  auto client = repo.client(app.clientId);
  if (!client || client->disabled) return {};
  repo.setClientDisabled(app.clientId, true);
  return {{instance, app.clientId}};
}

void AppClients::registerOnPortals(const RequestRow& app) {
  for (const auto& instance : instances::listInstances(tx()))
    if (servesPatientApps(instance)) place(app, instance, patientAppKind(app), kPatientAppScope, "platform");
}

void AppClients::authorizeOn(const RequestRow& app, const instances::Instance& instance, const std::string& scope,
                             const std::string& actor) {
  place(app, instance, "backend", scope, actor);
}

std::vector<RemovedClient> AppClients::removeEverywhere(const RequestRow& app) {
  std::vector<RemovedClient> removed;
  for (const auto& r : tx().exec_params("SELECT instance_id FROM flint.developer_app_instances WHERE request_id = $1",
                                        app.id)) {
    auto instance = instances::findInstanceById(tx(), r[0].as<long long>());
    if (!instance) continue;
    for (auto& gone : deauthorizeOn(app, *instance)) removed.push_back(std::move(gone));
  }
  return removed;
}

std::vector<RemovedClient> AppClients::syncInstance(const instances::Instance& instance) {
  RequestStore store(tx());
  std::vector<RemovedClient> removed;
  // Locked: a revocation running meanwhile either commits first (the app is no longer enabled
  // here) or waits for this transaction and then removes what it placed. Unlocked, an instance
  // created during a revocation kept the revoked app.
  for (const auto& app : store.enabled("patient-directed", true)) {
    if (servesPatientApps(instance)) {
      place(app, instance, patientAppKind(app), kPatientAppScope, "platform");
    } else {
      for (auto& gone : deauthorizeOn(app, instance)) removed.push_back(std::move(gone));
    }
  }
  return removed;
}

void AppClients::registerOnSandbox(const RequestRow& app, const instances::Instance& sandbox, const std::string& clientId) {
  if (!sandbox.sandbox) throw std::logic_error("registerOnSandbox on a production instance");
  if (app.accessModel == "population") upsertClient(app, sandbox, clientId, "backend", kSandboxBackendScope);
  else upsertClient(app, sandbox, clientId, patientAppKind(app), kPatientAppScope);
}

std::vector<AppClients::Placement> AppClients::placements(long long requestId) {
  std::vector<Placement> out;
  for (const auto& r : tx().exec_params(
           "SELECT i.name, p.scope, p.authorized_by, extract(epoch FROM p.authorized_at)::bigint"
           " FROM flint.developer_app_instances p JOIN flint.instances i ON i.id = p.instance_id"
           " WHERE p.request_id = $1 ORDER BY i.name",
           requestId))
    out.push_back({r[0].as<std::string>(), r[1].as<std::string>(), r[2].as<std::string>(), r[3].as<int64_t>()});
  return out;
}

}  // namespace flint::developer
