#include "developer/review/review_service.h"

#include "core/clock.h"
#include "core/crypto/digest.h"
#include "developer/developer_error.h"
#include "developer/mail/mail_outbox.h"

namespace flint::developer {
namespace {

[[noreturn]] void wrongState(const RequestRow& request, const std::string& needed) {
  throw DeveloperError(409, "conflict", "request " + std::to_string(request.id) + " is " + request.status + "; this needs " + needed);
}

std::string appName(const RequestRow& request) {
  return request.details.find("application")->stringAt("name").value_or("your application");
}

void notify(pqxx::transaction_base& tx, const RequestRow& request, const std::string& subject, const std::string& body) {
  queueMail(tx, {request.accountEmail, "Flint developer access request " + std::to_string(request.id) + ": " + subject,
                 body});
}

bool domainIdentifier(const RequestRow& request) {
  const json::Value* org = request.details.find("organization");
  const json::Value* id = org ? org->find("identifier") : nullptr;
  return id && id->stringAt("kind") == "domain";
}

}  // namespace

const std::vector<DenialReason>& denialReasons() {
  static const std::vector<DenialReason> reasons = {
      {"identity-unconfirmed", "The organisation's legal name and business identifier could not be confirmed."},
      {"domain-not-controlled", "Control of the organisation's domain was not shown."},
      {"contact-unverified",
       "The contact could not be reached at the organisation's domain, or cannot act on its behalf."},
      {"application-unidentified", "The application's redirect URIs or endpoints could not be tied to the organisation."},
      {"impersonation", "The request presents itself as another organisation or person."},
  };
  return reasons;
}

std::vector<QueueEntry> ReviewService::queue(Day today) {
  pqxx::read_transaction tx(session_.connection());
  std::vector<QueueEntry> out;
  for (auto& request : RequestStore(tx).open()) {
    Deadlines deadlines = deadlinesOf(request, calendar_, today);
    out.push_back({std::move(request), std::move(deadlines)});
  }
  return out;
}

QueueSummary ReviewService::summary(Day today) {
  QueueSummary s;
  for (const auto& entry : queue(today)) {
    ++s.open;
    if (entry.deadlines.flag == "overdue") ++s.overdue;
    if (entry.deadlines.flag == "due-soon") ++s.dueSoon;
  }
  return s;
}

QueueEntry ReviewService::request(long long id, Day today) {
  pqxx::read_transaction tx(session_.connection());
  auto row = RequestStore(tx).byId(id);
  if (!row) throw DeveloperError(404, "not_found", "there is no request " + std::to_string(id));
  Deadlines deadlines = deadlinesOf(*row, calendar_, today);
  return {std::move(*row), std::move(deadlines)};
}

std::vector<DecisionRow> ReviewService::decisions(long long id) {
  pqxx::read_transaction tx(session_.connection());
  return RequestStore(tx).decisions(id);
}

std::vector<AppClients::Placement> ReviewService::placements(long long id) {
  db::Transaction tx(session_);
  return AppClients(session_).placements(id);
}

std::vector<PopulationApp> ReviewService::populationApps(const instances::Instance& instance) {
  db::Transaction tx(session_);
  AppClients clients(session_);
  std::vector<PopulationApp> out;
  for (auto& app : RequestStore(*session_.ambient()).enabled("population")) {
    std::string scope;
    for (const auto& p : clients.placements(app.id))
      if (p.instance == instance.name) scope = p.scope;
    out.push_back({std::move(app), std::move(scope)});
  }
  return out;
}

void ReviewService::decide(
    long long id, const std::function<std::vector<RemovedClient>(RequestStore&, AppClients&, RequestRow&)>& change) {
  std::vector<RemovedClient> removed;
  {
    db::Transaction tx(session_);
    RequestStore store(*session_.ambient());
    auto row = store.byId(id, true);
    if (!row) throw DeveloperError(404, "not_found", "there is no request " + std::to_string(id));
    AppClients clients(session_);
    removed = change(store, clients, *row);
    tx.commit();
  }
  if (revoke_)
    for (const auto& gone : removed) revoke_(gone.instance, gone.clientId);
}

void ReviewService::domainVerified(long long id, const std::string& actor, const std::string& note) {
  decide(id, [&](RequestStore& store, AppClients&, RequestRow& r) {
    if (r.status != "received") wrongState(r, "a request not yet verified");
    store.decide(id, "domain-verified", actor, "", note);
    return std::vector<RemovedClient>{};
  });
}

void ReviewService::checkDomain(long long id, const DomainCheckSettings& settings, const std::string& actor) {
  const RequestRow row = request(id, utcDay(epochSeconds())).request;
  if (row.status != "received") wrongState(row, "a request not yet verified");
  const std::string domain = row.details.find("organization")->stringAt("domain").value_or("");
  checkDomainToken(domain, row.domainToken, settings);
  domainVerified(id, actor, "token found at https://" + domain + "/.well-known/flint-verification.txt");
}

void ReviewService::verify(long long id, const std::string& actor, const std::string& note) {
  decide(id, [&](RequestStore& store, AppClients&, RequestRow& r) {
    if (r.status != "received") wrongState(r, "a received request");
    if (domainIdentifier(r)) {
      bool shown = false;
      for (const auto& d : store.decisions(id)) shown = shown || d.decision == "domain-verified";
      if (!shown)
        throw DeveloperError(409, "conflict",
                             "the organisation's identifier is its domain, and control of it has not been shown yet");
    }
    store.setStatus(id, "verified");
    store.decide(id, "verify", actor, "", note);
    const Deadlines d = deadlinesOf(*store.byId(id), calendar_, utcDay(epochSeconds()));
    notify(*session_.ambient(), r, "verified",
           "Your organisation's identity is verified. We will enable " + appName(r) + " for production by " +
               formatDay(*d.enablementDue) + " (five business days).\n");
    return std::vector<RemovedClient>{};
  });
}

void ReviewService::deny(long long id, const std::string& actor, const std::string& reason, const std::string& note) {
  const DenialReason* found = nullptr;
  for (const auto& r : denialReasons()) found = r.code == reason ? &r : found;
  if (found == nullptr) {
    std::string codes;
    for (const auto& r : denialReasons()) codes += (codes.empty() ? "" : ", ") + r.code;
    throw DeveloperError(422, "invalid_request", "a denial is for an identity reason: one of " + codes, {{"reason", "must be one of " + codes}});
  }
  decide(id, [&](RequestStore& store, AppClients&, RequestRow& r) {
    if (r.status != "received" && r.status != "verified") wrongState(r, "a received or verified request");
    store.setStatus(id, "denied");
    store.decide(id, "deny", actor, reason, note);
    notify(*session_.ambient(), r, "not verified",
           "We could not verify the request: " + found->text + (note.empty() ? "" : "\n\n" + note) +
               "\n\nVerification concerns identity only. You may submit a new request at any time.\n");
    return std::vector<RemovedClient>{};
  });
}

void ReviewService::enable(long long id, const std::string& actor) {
  decide(id, [&](RequestStore& store, AppClients& clients, RequestRow& r) {
    if (r.status != "verified") wrongState(r, "a verified request");
    r.clientId = crypto::randomToken(16);
    store.setClientId(id, r.clientId);
    store.setStatus(id, "enabled");
    store.decide(id, "enable", actor, "", "");
    if (r.accessModel == "patient-directed") clients.registerOnPortals(r);
    notify(*session_.ambient(), r, "enabled",
           appName(r) + " is enabled for production with client id " + r.clientId + ".\n\n" +
               (r.accessModel == "patient-directed"
                    ? "It is registered on every practice with a patient portal, with this client id everywhere; "
                      "patients authorise it on their own practice's instance.\n"
                    : "Population access is authorised by each practice for its own instance; the developer page "
                      "shows where it is.\n"));
    return std::vector<RemovedClient>{};
  });
}

void ReviewService::revoke(long long id, const std::string& actor, const std::string& note) {
  decide(id, [&](RequestStore& store, AppClients& clients, RequestRow& r) {
    if (r.status != "verified" && r.status != "enabled") wrongState(r, "a verified or enabled request");
    store.setStatus(id, "revoked");
    store.decide(id, "revoke", actor, "", note);
    notify(*session_.ambient(), r, "revoked",
           "Access for " + appName(r) + " is revoked." + (note.empty() ? "" : "\n\n" + note) + "\n");
    return clients.removeEverywhere(r);
  });
}

void ReviewService::authorize(long long id, const instances::Instance& instance, const std::string& scope,
                              const std::string& actor) {
  decide(id, [&](RequestStore&, AppClients& clients, RequestRow& r) {
    if (r.status != "enabled" || r.accessModel != "population") wrongState(r, "an enabled population app");
    if (instance.sandbox)
      throw DeveloperError(409, "conflict", "a sandbox is not a practice: its apps are the developer's own");
    clients.authorizeOn(r, instance, scope, actor);
    return std::vector<RemovedClient>{};
  });
}

void ReviewService::deauthorize(long long id, const instances::Instance& instance) {
  decide(id, [&](RequestStore&, AppClients& clients, RequestRow& r) {
    if (r.accessModel != "population") wrongState(r, "a population app");
    return clients.deauthorizeOn(r, instance);
  });
}

void ReviewService::syncInstance(const instances::Instance& instance) {
  std::vector<RemovedClient> removed;
  {
    db::Transaction tx(session_);
    removed = AppClients(session_).syncInstance(instance);
    tx.commit();
  }
  if (revoke_)
    for (const auto& gone : removed) revoke_(gone.instance, gone.clientId);
}

}  // namespace flint::developer
