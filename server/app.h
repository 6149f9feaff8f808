// The application behind the HTTP server: routes each request to the FHIR API or the
// authorization server of its instance, the admin API or a health check. Runs on worker threads.
#pragma once

#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "auth/auth_server.h"
#include "auth/storage/user_repository.h"
#include "bulk_export/bulk_export.h"
#include "bulk_export/export_runner.h"
#include "companion/apps/declared_apps.h"
#include "core/audit/audit_log.h"
#include "core/instances/instance_cache.h"
#include "core/instances/replica_router.h"
#include "core/tasks/periodic_task.h"
#include "server/connection_budget.h"
#include "custom_data/rows/quick_row_read.h"
#include "developer/calendar/business_calendar.h"
#include "developer/developer_error.h"
#include "developer/requests/request_service.h"
#include "developer/review/review_service.h"
#include "developer/sandboxes/sandbox_service.h"
#include "directory/service_directory.h"
#include "fhir_resources/rest/fhir_request.h"
#include "fhir_resources/storage/resource_repository.h"
#include "server/config.h"
#include "server/http/http_request.h"
#include "server/http/http_response.h"
#include "server/practice_apps_provider.h"
#include "server/request_metrics.h"

namespace flint::server {

class App {
 public:
  // `budget`: the process's database connections, as /metrics reports them.
  App(Config config, ConnectionBudget budget);
  http::HttpResponse handle(const http::HttpRequest& request);
  // Counts an answer as it goes out, whoever gave it (/metrics).
  void observe(const http::HttpRequest& request, int status);
  // Requests answered by one indexed lookup (a FHIR read or vread, the health check, a custom
  // data row by key whose namespace access this process remembers): the server answers these on
  // its reactor threads (QuickReads) rather than handing them to a worker.
  bool answersQuickly(const http::HttpRequest& request);

  // A read by id of an instance, negotiated and authorised, that needs nothing but its row.
  struct PlainRead {
    std::shared_ptr<const instances::Instance> instance;
    bool plainJson = false;  // answered as application/json rather than application/fhir+json
    fhir::FhirRequest req;
    std::shared_ptr<const auth::VerifiedToken> token;
    fhir::RowKey key;
    std::string readUrl;  // the replica (or the primary) to read it from
  };
  // The answer when the request itself is all it needs (the health check), for a reactor thread.
  std::optional<http::HttpResponse> immediateAnswer(const http::HttpRequest& request) const;
  // `request` as a plain read (see fhir::plainRead); nullopt for anything else, which handle()
  // answers (and reports the errors of).
  std::optional<PlainRead> plainRead(const http::HttpRequest& request);
  // The instance a FHIR request names when this process has no fresh answer cached for the name
  // (which a reactor thread may not look up); nullopt when it has one (an instance or none of that
  // name) or the request names none.
  std::optional<std::string> uncachedInstance(const http::HttpRequest& request);
  // Looks instance `name` up into the cache, for a worker: what a reactor thread's reads of an
  // uncached instance wait for. A failure (the database unreachable) leaves it uncached.
  void lookUpInstance(const std::string& name);
  // A read on replica `url` found it unreachable: reads go elsewhere until it is back.
  void replicaFailed(const std::string& url) { replicas_.reportDown(url); }
  // The HTTP answer to `read` given its FHIR answer; audited.
  http::HttpResponse answerPlainRead(const http::HttpRequest& request, const PlainRead& read,
                                     fhir::FhirResponse result);
  // `request` as a custom data row read (see custom_data::quickRowRead); nullopt for anything
  // else, which handle() answers.
  std::optional<custom_data::QuickRowRead> customRowRead(const http::HttpRequest& request);
  // The HTTP answer to `read` given its statement's result.
  static http::HttpResponse answerCustomRowRead(const custom_data::QuickRowRead& read, const db::StatementResult& result);
  // 503 + Retry-After for a read shed because it has waited too long (ReadAdmission); the
  // connection stays open.
  static http::HttpResponse readsBacklogged();

 private:
  static http::HttpResponse corsPreflight(const http::HttpRequest& request);
  // 503 + Retry-After for a change to an instance whose move has frozen writes (`oauth`: as an
  // RFC 6749 error, for the authorization server's endpoints).
  static http::HttpResponse writesFrozen(bool oauth);
  // 503 + Retry-After for a request to an instance whose audit trail cannot be written (fail
  // closed: nothing it serves goes unrecorded), as an RFC 6749 error for `oauth`.
  static http::HttpResponse auditUnavailable(bool oauth);
  // One line on stderr for a failed request: its id, instance, route pattern, status and the
  // error's message (never query values, tokens or bodies).
  static void logError(const http::HttpRequest& request, int status, const std::string& message);
  http::HttpResponse handleFhir(const http::HttpRequest& request, const instances::Instance& instance);
  // Runs `req` as the token allows: a read where the instance's reads go (a replica in bounds
  // that has replayed the caller's X-Flint-LSN, once more on the primary should that fail), else
  // on the primary; a write's answer carries its commit position (X-Flint-LSN) when the cluster
  // has replicas.
  fhir::FhirResponse runFhir(const http::HttpRequest& request, const instances::Instance& instance,
                             const fhir::FhirRequest& req, const fhir::Access& access);
  http::HttpResponse handleAuth(const http::HttpRequest& request, const instances::Instance& instance);
  http::HttpResponse handleBulk(const http::HttpRequest& request, const instances::Instance& instance);
  // The level and Group of a $export kick-off path below the FHIR base; nullopt for others.
  static std::optional<std::pair<bulk::ExportLevel, std::string>> exportKickOffOf(const std::vector<std::string>& s);
  fhir::FhirResponse exportKickOff(const instances::Instance& instance, const fhir::FhirRequest& req, const auth::VerifiedToken* token,
                                   bulk::ExportLevel level, const std::string& groupId);
  static const fhir::Access& unrestrictedAccess();
  http::HttpResponse handleAdmin(const http::HttpRequest& request);
  http::HttpResponse handleAdminClients(const http::HttpRequest& request);
  http::HttpResponse handleAdminUsers(const http::HttpRequest& request);
  http::HttpResponse handleAdminAudit(const http::HttpRequest& request);
  http::HttpResponse handleAdminExports(const http::HttpRequest& request);
  http::HttpResponse handleAdminPlugins(const http::HttpRequest& request);
  // The plugin's companion applications registered as `apps` now declares them (none: its
  // clients disabled and their tokens revoked); the registered ones.
  std::vector<companion::CompanionApp> followApplications(const instances::Instance& instance, const std::string& plugin,
                                                          std::vector<companion::CompanionApp> apps,
                                                          const std::string& ceiling);
  http::HttpResponse handleAdminNamespaces(const http::HttpRequest& request);
  http::HttpResponse handleCustomData(const http::HttpRequest& request, const instances::Instance& instance);
  // The provider companion under /{instance}/companion (server/companion_endpoint.cpp).
  http::HttpResponse handleCompanion(const http::HttpRequest& request, const instances::Instance& instance);
  // GET .../companion/open/{client id}[?patient=&encounter=]: a launch bound to the staff user, the
  // app and exactly its scope's context, and the page that frames the app.
  // The patient search, patient and encounter pages (server/companion_patient_pages.cpp).
  http::HttpResponse companionPatientPages(const http::HttpRequest& request, const instances::Instance& instance,
                                           const auth::UserRecord& staff, const std::string& token);
  std::string companionSearchForm(const http::HttpRequest& request, const instances::Instance& instance,
                                  const auth::UserRecord& staff);
  // A search as the staff member, audited with them: the matching resources of `type`.
  std::vector<json::Value> companionSearch(const instances::Instance& instance, const auth::UserRecord& staff,
                                           const std::string& type, const fhir::Params& params);
  http::HttpResponse openCompanionApp(const http::HttpRequest& request, const instances::Instance& instance,
                                      const auth::UserRecord& staff, const std::string& clientId,
                                      const std::string& sessionToken);
  // The rows request of a path below /{instance}/custom-data; nullopt for a path that is none.
  std::optional<custom_data::RowRequest> rowRequestOf(const http::HttpRequest& request) const;
  http::HttpResponse handleAdminDirectory(const http::HttpRequest& request);
  // The developer programme: its JSON API and pages under /developer, the reviewers' side under
  // /admin/developer, a practice's authorisation of population apps, and the counters at /metrics.
  http::HttpResponse handleDeveloper(const http::HttpRequest& request);
  // The portal's pages (server/developer_pages.cpp, developer_review_pages.cpp).
  http::HttpResponse handleDeveloperPages(const http::HttpRequest& request);
  std::string portalNav(const std::optional<developer::Account>& account, const std::string& token) const;
  http::HttpResponse developerHome(const developer::Account& account, const std::string& token, const std::string& nav,
                                   const std::string& noticeHtml, std::map<std::string, std::string> values);
  http::HttpResponse handleRequestPages(const http::HttpRequest& request, const developer::Account& account,
                                        const std::string& token, const std::string& nav);
  http::HttpResponse handleSandboxPages(const http::HttpRequest& request, const developer::Account& account,
                                        const std::string& token, const std::string& nav);
  http::HttpResponse handleReviewPages(const http::HttpRequest& request, const developer::Account& account,
                                       const std::string& token, const std::string& nav);
  http::HttpResponse handleDeveloperSandboxes(const http::HttpRequest& request, const developer::Account& account,
                                              db::Session& session);
  // Who decides on a developer request: the admin key (accountId 0; the body may name the
  // person), or a reviewer account signed in.
  struct Reviewer {
    long long accountId = 0;
    std::string email;
  };
  http::HttpResponse handleAdminDeveloper(const http::HttpRequest& request, const Reviewer& reviewer);
  // One decision on request `id` by `actor` (a reviewer account when reviewerAccountId != 0, which
  // never decides on its own request): DeveloperError for one not allowed or unknown.
  void decideOnRequest(developer::ReviewService& review, long long id, const std::string& decision,
                       long long reviewerAccountId, const std::string& actor, const std::string& note,
                       const std::string& reason);
  // The queue, a request, the decisions and the denial reasons: what reviewers may use.
  static bool isReviewPath(const std::vector<std::string>& segments);
  http::HttpResponse handleReviewerSession(const http::HttpRequest& request);
  http::HttpResponse handleAdminDeveloperApps(const http::HttpRequest& request);
  http::HttpResponse handleMetrics(const http::HttpRequest& request);
  developer::ReviewService reviews(db::Session& session);
  developer::DomainCheckSettings domainCheckSettings() const;
  // After an instance was created or changed: what depends on its state follows (the directory,
  // the clients of patient-directed apps).
  void instanceChanged(db::Session& session, const std::string& name);
  // The public service-base-URL directory under /directory.
  http::HttpResponse handleDirectory(const http::HttpRequest& request);
  http::HttpResponse directoryResponse(const http::HttpRequest& request);
  // The public API documentation, /docs.
  http::HttpResponse handleDocs(const http::HttpRequest& request);
  const std::string& apiDocs();
  std::string renderApiDocs();
  auth::AuthUrls authUrls(const instances::Instance& instance) const;
  static http::HttpResponse toHttp(auth::AuthResponse response);
  // Cached per FHIR base and authorization server (empty for open-access instances).
  const std::string& capabilityStatement(const std::string& baseUrl, const std::string& authBase);
  void auditAccess(const instances::Instance& instance, const fhir::FhirRequest& req, int status,
                   const auth::VerifiedToken* token);
  // A batch's or transaction's entry, as an access of its own.
  void auditEntry(const instances::Instance& instance, const fhir::EntryAccess& entry, const auth::VerifiedToken* token);

  Config config_;
  ConnectionBudget budget_;
  RequestMetrics requests_;
  fhir::FhirSettings settings_;
  instances::InstanceCache instances_;
  instances::ReplicaRouter replicas_;
  audit::AuditLog audit_;
  auth::AuthServer auth_;
  bulk::BulkExport bulk_;
  directory::ServiceDirectory directory_;
  std::unique_ptr<bulk::ExportRunner> exportRunner_;
  std::mutex capabilityMutex_;
  std::unordered_map<std::string, std::string> capabilityByBase_;
  std::string termsOfUse_;  // read at start-up from --terms-of-use
  developer::TermsOfUse developerTerms_;  // its text (or the default) and version
  developer::BusinessCalendar calendar_;
  developer::SandboxSettings sandboxSettings_;
  std::unique_ptr<tasks::PeriodicTask> instanceRefresh_;  // InstanceCache::refreshAhead
  std::unique_ptr<tasks::PeriodicTask> namespaceAccessRefresh_;  // custom_data::refreshNamespaceAccessAhead
  std::unique_ptr<tasks::PeriodicTask> sandboxSweep_;  // reminders and expiry, every five minutes
  std::unique_ptr<tasks::PeriodicTask> mailRelay_;     // with --smtp-url, every second
  std::unique_ptr<PracticeAppsProvider> practiceApps_;
  std::once_flag apiDocsOnce_;
  std::string apiDocs_;
};

}  // namespace flint::server
