#include "developer/sandboxes/sandbox_service.h"

#include <regex>

#include "core/crypto/digest.h"
#include "core/instances/data_routing.h"
#include "core/instances/instance_store.h"
#include "developer/developer_error.h"
#include "developer/enablement/app_clients.h"
#include "developer/mail/mail_outbox.h"
#include "developer/requests/request_store.h"
#include "fhir_resources/rest/instant.h"
#include "fhir_resources/search/index/index_rows.h"
#include "fhir_resources/seed/synthetic_data.h"

namespace flint::developer {
namespace {

const std::vector<std::string> kUsernames = {"test-patient", "test-clinician"};

std::string randomPassword(const std::string&) { return crypto::randomToken(12); }

std::string day(int64_t epoch) { return fhir::formatInstant(epoch * 1000).substr(0, 10); }

pqxx::transaction_base& ambient(db::Session& session) {
  if (session.ambient() == nullptr) throw std::logic_error("the sandbox step runs inside a db::Transaction");
  return *session.ambient();
}

std::vector<SandboxApp> appsOf(pqxx::transaction_base& tx, long long accountId) {
  std::vector<SandboxApp> apps;
  for (const auto& r : RequestStore(tx).forAccount(accountId))
    if (!r.sandboxClientId.empty())
      apps.push_back({r.id, r.details.find("application")->stringAt("name").value_or(""), r.accessModel, r.sandboxClientId});
  return apps;
}

}  // namespace

NewSandbox SandboxService::create(const Account& account, const std::string& name, int patients) {
  if (!account.confirmed)
    throw DeveloperError(403, "unconfirmed", "confirm the e-mail address with the code mailed to it first");
  static const std::regex pattern("^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$");
  std::vector<FieldProblem> problems;
  if (!std::regex_match(name, pattern))
    problems.push_back({"name", "must be 1 to 32 of a-z, 0-9 and '-', starting and ending with a letter or digit"});
  if (patients < 1 || patients > settings_.maxPatients)
    problems.push_back({"patients", "must be 1 to " + std::to_string(settings_.maxPatients)});
  if (!problems.empty()) throw DeveloperError(422, "invalid_request", "the sandbox cannot be made so", problems);

  SandboxRow row;
  {
    pqxx::work tx(session_.connection());
    SandboxStore store(tx);
    if (store.lockAndCountOpen(account.id) >= settings_.limit)
      throw DeveloperError(409, "sandbox_limit", "an account may have " + std::to_string(settings_.limit) +
                                                     " sandboxes at a time: delete one first");
    const auto id = store.insert(account.id, "sandbox-" + name, patients, settings_.lifetimeDays);
    if (!id) throw DeveloperError(409, "conflict", "there is already a sandbox named sandbox-" + name,
                                  {{"name", "is taken"}});
    row = *store.byName("sandbox-" + name);
    tx.commit();
  }
  try {
    instances::NewInstance request;
    request.name = row.name;
    request.organizationName = "Sandbox " + name + " (synthetic data)";
    request.patientPortal = true;
    request.searchIndexVersion = fhir::kSearchIndexVersion;
    request.sandbox = true;
    const auto instance = instances::createInstance(session_.connection(), request, "developer " + account.email);
    row.instanceId = instance.id;
    fhir::SeedOptions options;
    options.patients = patients;
    options.seed = static_cast<uint64_t>(row.id);
    auto& data = instances::primarySession(instance);
    const auto withDictionary = fhir::withSeedDictionary(session_.connection(), instance, options);
    const auto seeded = fhir::seedInstance(instance.databaseUrl, data, withDictionary, options);

    NewSandbox created;
    {
      db::Transaction dataTx(data);
      created.logins = auth::createSeededLogins(data, withDictionary, seeded.firstPatientId, "test-", randomPassword);
      dataTx.commit();
    }
    db::Transaction tx(session_);
    SandboxStore store(ambient(session_));
    store.setInstance(row.id, instance.id);
    store.setStatus(row.id, "active");
    created.sandbox.row = *store.byName(row.name);
    created.sandbox.usernames = kUsernames;
    tx.commit();
    registerAppsOf(account);
    pqxx::read_transaction read(session_.connection());
    created.sandbox.apps = appsOf(read, account.id);
    return created;
  } catch (...) {
    try {
      close(row, "failed");
    } catch (const std::exception&) {
      // The first failure is the one to report; the row stays 'creating' and still counts.
    }
    throw;
  }
}

void SandboxService::registerAppsOf(const Account& account) {
  db::Transaction tx(session_);
  auto& t = ambient(session_);
  SandboxStore store(t);
  AppClients clients(session_);
  const auto apps = RequestStore(t).forAccount(account.id);
  for (const auto& sandbox : store.forAccount(account.id)) {
    if (sandbox.status != "active" || !sandbox.instanceId) continue;
    const auto instance = instances::findInstanceById(t, *sandbox.instanceId);
    if (!instance) continue;
    for (const auto& app : apps) clients.registerOnSandbox(app, *instance, store.sandboxClientId(app.id));
  }
  tx.commit();
}

std::vector<Sandbox> SandboxService::mine(const Account& account) {
  pqxx::read_transaction tx(session_.connection());
  const auto apps = appsOf(tx, account.id);
  std::vector<Sandbox> out;
  for (auto& row : SandboxStore(tx).forAccount(account.id)) out.push_back({std::move(row), kUsernames, apps});
  return out;
}

SandboxRow SandboxService::owned(const Account& account, const std::string& name) {
  pqxx::read_transaction tx(session_.connection());
  auto row = SandboxStore(tx).byName(name);
  // Another account's sandbox answers as one that does not exist.
  if (!row || row->accountId != account.id || row->status != "active")
    throw DeveloperError(404, "not_found", "there is no open sandbox of yours named " + name);
  return *row;
}

Sandbox SandboxService::mineByName(const Account& account, const std::string& name) {
  SandboxRow row = owned(account, name);
  pqxx::read_transaction tx(session_.connection());
  return {std::move(row), kUsernames, appsOf(tx, account.id)};
}

std::vector<auth::SeededLogin> SandboxService::resetLogins(const Account& account, const std::string& name) {
  const SandboxRow row = owned(account, name);
  const auto instance = instances::findInstanceById(session_.connection(), *row.instanceId);
  if (!instance) throw DeveloperError(404, "not_found", "there is no open sandbox of yours named " + name);
  auto& data = instances::primarySession(*instance);
  db::Transaction tx(data);
  auto logins = auth::resetSeededLogins(data, *instance, "test-", randomPassword);
  tx.commit();
  return logins;
}

void SandboxService::remove(const Account& account, const std::string& name) { close(owned(account, name), "deleted"); }

void SandboxService::close(const SandboxRow& sandbox, const std::string& status) {
  pqxx::work tx(session_.connection());
  instances::setInstanceDisabled(tx, sandbox.name, true, "developer programme (sandbox " + status + ")");
  SandboxStore(tx).setStatus(sandbox.id, status);
  tx.commit();
}

SweepSummary SandboxService::sweep(int64_t now) {
  SweepSummary summary;
  pqxx::work tx(session_.connection());
  SandboxStore store(tx);
  for (const auto& s : store.activeExpiringBefore(now + int64_t(kSandboxReminderDays) * 86400, true)) {
    if (s.expiresAt <= now) continue;
    queueMail(tx, {s.accountEmail, "Flint sandbox " + s.name + " expires on " + day(s.expiresAt),
                   "Your sandbox " + s.name + " expires on " + day(s.expiresAt) +
                       ". Its synthetic data and test sign-ins stop working then; you can create a new sandbox "
                       "at any time.\n"});
    store.setReminded(s.id);
    ++summary.reminded;
  }
  for (const auto& s : store.activeExpiringBefore(now, false)) {
    instances::setInstanceDisabled(tx, s.name, true, "developer programme (sandbox expired)");
    store.setStatus(s.id, "expired");
    queueMail(tx, {s.accountEmail, "Flint sandbox " + s.name + " has expired",
                   "Your sandbox " + s.name + " expired on " + day(s.expiresAt) + " and no longer answers.\n"});
    ++summary.expired;
  }
  tx.commit();
  return summary;
}

}  // namespace flint::developer
