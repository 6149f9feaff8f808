#include "server/app.h"

#include <cctype>
#include <fstream>

#include "conformance/api_docs.h"
#include "conformance/capability_statement.h"
#include "core/clock.h"
#include "core/crypto/digest.h"
#include "core/crypto/encoding.h"
#include "core/db/session_pool.h"
#include "core/log/log.h"
#include "developer/mail/mail_relay.h"
#include "server/responses.h"
#include "server/route_pattern.h"

namespace flint::server {

App::App(Config config, ConnectionBudget budget)
    : config_(std::move(config)),
      budget_(budget),
      instances_(config_.databaseUrl),
      replicas_(instances::ReplicaSettings{std::chrono::milliseconds(config_.replicaMaxLagMs),
                                           std::chrono::milliseconds(config_.replicaWaitMs)}),
      auth_(config_.databaseUrl, audit_, std::chrono::seconds(config_.jwksRefetchSeconds)),
      bulk_(config_.publicUrl, bulk::ExportSettings{config_.exportMaxPerClient, config_.exportFileBytes,
                                                    config_.exportRetentionHours * 3600, 1}),
      directory_(config_.databaseUrl, config_.publicUrl),
      exportRunner_(std::make_unique<bulk::ExportRunner>(config_.databaseUrl, config_.publicUrl, bulk_.settings(),
                                                         config_.exportWorkers, replicas_)) {
  settings_.defaultCount = config_.defaultCount;
  settings_.maxCount = config_.maxCount;
  settings_.conditionalDeleteMultiple = config_.conditionalDeleteMultiple;
  settings_.maxBundleEntries = config_.maxBundleEntries;
  settings_.bundleTimeBudgetMs = config_.bundleTimeBudgetMs;
  if (!config_.termsOfUseFile.empty()) {
    std::ifstream in(config_.termsOfUseFile);
    if (!in) throw std::runtime_error("cannot read the Terms of Use file " + config_.termsOfUseFile);
    termsOfUse_.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  developerTerms_.text = termsOfUse_.empty() ? conformance::defaultTermsOfUse() : termsOfUse_;
  developerTerms_.version = !config_.termsOfUseVersion.empty()
                                ? config_.termsOfUseVersion
                                : "sha256-" + crypto::hexEncode(crypto::sha256(developerTerms_.text)).substr(0, 12);
  calendar_ = developer::BusinessCalendar::withHolidays(config_.developerHolidays);
  sandboxSettings_ = {config_.developerSandboxLimit, config_.developerSandboxPatients,
                      config_.developerSandboxDays};
  practiceApps_ = std::make_unique<PracticeAppsProvider>(
      [this] { return reviews(db::Session::forThisThread(config_.databaseUrl)); });
  auth_.setPracticeApps(practiceApps_.get());
  instanceRefresh_ = std::make_unique<tasks::PeriodicTask>("instance cache", instances_.ttl() / 4,
                                                          [this] { instances_.refreshAhead(); });
  namespaceAccessRefresh_ = std::make_unique<tasks::PeriodicTask>(
      "namespace access", custom_data::kNamespaceAccessTtl / 4, [] { custom_data::refreshNamespaceAccessAhead(); });
  sandboxSweep_ = std::make_unique<tasks::PeriodicTask>("sandbox sweep", std::chrono::minutes(5), [this] {
    developer::SandboxService(db::Session::forThisThread(config_.databaseUrl), sandboxSettings_).sweep(epochSeconds());
  });
  if (!config_.smtpUrl.empty())
    mailRelay_ = std::make_unique<tasks::PeriodicTask>("mail relay", std::chrono::seconds(1), [this] {
      developer::relayDueMail(db::Session::forThisThread(config_.databaseUrl),
                              developer::SmtpSettings{config_.smtpUrl, config_.mailFrom});
    });
}

const std::string& App::capabilityStatement(const std::string& baseUrl, const std::string& authBase) {
  std::lock_guard lock(capabilityMutex_);
  const std::string key = baseUrl + " " + authBase;
  auto it = capabilityByBase_.find(key);
  if (it == capabilityByBase_.end())
    it = capabilityByBase_.emplace(key, conformance::capabilityStatement(baseUrl, authBase, FLINT_VERSION, settings_)).first;
  return it->second;
}

http::HttpResponse App::corsPreflight(const http::HttpRequest& request) {
  http::HttpResponse r;
  r.status = 204;
  r.headers = {{"Access-Control-Allow-Origin", "*"},
               {"Access-Control-Allow-Methods", "GET, POST, PUT, PATCH, DELETE, OPTIONS"},
               {"Access-Control-Allow-Headers",
                "Authorization, Content-Type, Accept, Prefer, If-Match, If-None-Match, If-None-Exist, "
                "If-Modified-Since, X-Requested-With, X-Flint-LSN"},
               {"Access-Control-Max-Age", "600"}};
  return r;
}

namespace {

// A request that may change an instance's data (anything but reading and searching).
bool changesData(const http::HttpRequest& request) {
  const auto& m = request.method;
  if (m == "GET" || m == "HEAD" || m == "OPTIONS") return false;
  const auto& s = request.segments;
  return !(m == "POST" && s.size() >= 3 && s[1] == "fhir" && s.back() == "_search");
}

// 503 + Retry-After: 1 saying `message`: an RFC 6749 error for the authorization server's
// endpoints (`oauth`), else an OperationOutcome.
http::HttpResponse unavailable(bool oauth, const std::string& message) {
  auto r = oauth ? jsonResponse(503, R"({"error":"temporarily_unavailable","error_description":")" + message + "\"}")
                 : outcomeResponse(503, "transient", message);
  r.headers.emplace_back("Retry-After", "1");
  return r;
}

}  // namespace

http::HttpResponse App::readsBacklogged() {
  // Made once: under overload every cycle spent on a shed read is taken from an accepted one.
  static const http::HttpResponse shed =
      unavailable(false, "the server is at capacity: reads wait too long to be answered; retry shortly");
  return shed;
}

http::HttpResponse App::writesFrozen(bool oauth) {
  return unavailable(oauth, "this instance is moving to another database and takes no changes for a moment; retry");
}

http::HttpResponse App::auditUnavailable(bool oauth) {
  // Not logged per request: the trail's failure and recovery are (audit_log.h).
  return unavailable(oauth, "this instance's audit trail cannot be written right now, so it serves nothing; retry shortly");
}

void App::logError(const http::HttpRequest& request, int status, const std::string& message) {
  const auto& s = request.segments;
  const std::string route = routePattern(s);
  const bool instanceRoute = s.size() > 1 && route.rfind("/{instance}", 0) == 0;
  log::error("request failed", {{"request", request.requestId},
                                {"instance", instanceRoute ? s[0] : "-"},
                                {"route", request.method + " " + route},
                                {"status", std::to_string(status)},
                                {"error", message}});
}

void App::observe(const http::HttpRequest& request, int status) {
  requests_.record(request.method, routePattern(request.segments), status,
                   std::chrono::steady_clock::now() - request.received);
}

bool App::answersQuickly(const http::HttpRequest& request) {
  const auto& s = request.segments;
  if (request.method != "GET") return false;
  if (s.size() == 1) return s[0] == "health";
  if (s.size() == 6 && s[1] == "custom-data") return customRowRead(request).has_value();
  // {instance}/fhir/{Type}/{id}[/_history/{vid}]
  if ((s.size() != 4 && !(s.size() == 6 && s[4] == "_history")) || s[1] != "fhir") return false;
  return !s[2].empty() && std::isupper(static_cast<unsigned char>(s[2][0])) && !s[3].empty() && s[3][0] != '$' &&
         s[3][0] != '_';
}

std::optional<http::HttpResponse> App::immediateAnswer(const http::HttpRequest& request) const {
  const auto& s = request.segments;
  if (request.rejectStatus == 0 && s.size() == 1 && s[0] == "health") return jsonResponse(200, R"({"status":"ok"})");
  return std::nullopt;
}

http::HttpResponse App::handle(const http::HttpRequest& request) {
  if (request.rejectStatus != 0) {
    auto r = outcomeResponse(request.rejectStatus,
                             request.rejectStatus == 413   ? "too-costly"
                             : request.rejectStatus == 503 ? "transient"
                             : request.rejectStatus == 408 ? "timeout"
                                                           : "invalid",
                             request.rejectReason);
    if (request.rejectStatus == 503) r.headers.push_back({"Retry-After", "1"});
    r.close = true;
    return r;
  }
  const auto& s = request.segments;
  try {
    if (auto answer = immediateAnswer(request)) return std::move(*answer);
    if (!s.empty() && s[0] == "admin") return handleAdmin(request);
    if (!s.empty() && s[0] == "directory") return handleDirectory(request);
    if (s.size() == 1 && s[0] == "docs") return handleDocs(request);
    if (s.size() == 1 && s[0] == "metrics") return handleMetrics(request);
    if (!s.empty() && s[0] == "developer") return handleDeveloper(request);
    if (s.size() >= 2 && (s[1] == "custom-data" || s[1] == "companion")) {
      auto instance = instances_.find(s[0]);
      if (!instance) return outcomeResponse(404, "not-found", "there is no instance named '" + s[0] + "'");
      if (!audit_.accepting(*instance)) return auditUnavailable(false);
      if (instance->writesFrozen() && changesData(request)) return writesFrozen(false);
      return s[1] == "companion" ? handleCompanion(request, *instance) : handleCustomData(request, *instance);
    }
    if (s.size() >= 2 && (s[1] == "fhir" || s[1] == "auth" || s[1] == "bulk")) {
      if (request.method == "OPTIONS") return corsPreflight(request);
      auto instance = instances_.find(s[0]);
      if (!instance) return outcomeResponse(404, "not-found", "there is no instance named '" + s[0] + "'");
      if (!audit_.accepting(*instance)) {
        auto r = auditUnavailable(s[1] == "auth");
        allowAnyOrigin(r);
        return r;
      }
      if (instance->writesFrozen() && changesData(request)) {
        auto r = writesFrozen(s[1] == "auth");
        allowAnyOrigin(r);
        return r;
      }
      auto response = s[1] == "fhir"   ? handleFhir(request, *instance)
                       : s[1] == "bulk" ? handleBulk(request, *instance)
                                        : handleAuth(request, *instance);
      const bool page = s[1] == "auth" && s.size() >= 3 &&
                        (s[2] == "authorize" || s[2] == "login" || s[2] == "consent" || s[2] == "manage" ||
                         s[2] == "practice-apps");
      if (!page) allowAnyOrigin(response);
      return response;
    }
  } catch (const db::ConnectionsExhausted& e) {
    logError(request, 503, e.what());
    auto r = outcomeResponse(503, "transient", e.what());
    r.headers.emplace_back("Retry-After", "1");
    return r;
  } catch (const pqxx::broken_connection&) {
    logError(request, 503, "the database is unavailable");
    return outcomeResponse(503, "transient", "the database is unavailable; retry later");
  } catch (const std::exception& e) {
    logError(request, 500, log::redacted(e.what()));
    return outcomeResponse(500, "exception", "internal server error (request " + request.requestId + ")");
  }
  return outcomeResponse(404, "not-found", "nothing is served at this path");
}

}  // namespace flint::server
