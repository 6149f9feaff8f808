// Server configuration from command-line flags, falling back to FLINT_* environment variables.
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/system/available_cpus.h"

namespace flint::server {

struct Config {
  std::string databaseUrl;     // --database-url, FLINT_DATABASE_URL
  std::string listen = "127.0.0.1:8080";  // --listen, FLINT_LISTEN
  std::string publicUrl;       // --public-url, FLINT_PUBLIC_URL (default http://<host>:<bound port>)
  size_t workers = 4;          // --workers, FLINT_WORKERS
  size_t maxQueuedRequests = 512;  // --max-queued-requests, FLINT_MAX_QUEUED_REQUESTS
  int readWaitTargetMs = 20;       // --read-wait-target-ms, FLINT_READ_WAIT_TARGET_MS (see ReadAdmission)
  int readOverloadAfterMs = 50;    // --read-overload-after-ms, FLINT_READ_OVERLOAD_AFTER_MS (see ReadAdmission)
  bool logJson = false;            // --log-format text|json, FLINT_LOG_FORMAT
  // --max-db-connections, FLINT_MAX_DB_CONNECTIONS: PostgreSQL connections this process opens at
  // most, over all databases (0: what the configuration needs; see connection_budget.h).
  size_t maxDbConnections = 0;
  // --reactor-threads, FLINT_REACTOR_THREADS; they also answer reads by id, so one per CPU this
  // process may use: two on one core take turns at it and each answers in smaller batches.
  size_t reactorThreads = system::availableCpus();
  // --max-connections, FLINT_MAX_CONNECTIONS: client connections served at once (0: as many as the
  // descriptor limit allows; see client_connection_limit.h).
  size_t maxConnections = 0;
  size_t maxBodyBytes = 16 * 1024 * 1024;  // --max-body-bytes, FLINT_MAX_BODY_BYTES
  // After an answer that ends a connection (413 and the like), what the client still sends is
  // read and discarded for up to --linger-seconds and --linger-bytes, so that it gets the answer.
  int lingerSeconds = 5;                  // --linger-seconds, FLINT_LINGER_SECONDS
  size_t lingerBytes = 64 * 1024 * 1024;  // --linger-bytes, FLINT_LINGER_BYTES
  // How long a client may take to begin a request on an idle connection, to send its headers and
  // to send it whole (see ClientDeadlines).
  int idleTimeoutSeconds = 75;      // --idle-timeout-seconds, FLINT_IDLE_TIMEOUT_SECONDS
  int headerTimeoutSeconds = 20;    // --header-timeout-seconds, FLINT_HEADER_TIMEOUT_SECONDS
  int requestTimeoutSeconds = 300;  // --request-timeout-seconds, FLINT_REQUEST_TIMEOUT_SECONDS
  std::string adminKey;        // --admin-key, FLINT_ADMIN_KEY (admin API off when empty)
  int defaultCount = 20;       // --default-count, FLINT_DEFAULT_COUNT
  int maxCount = 1000;         // --max-count, FLINT_MAX_COUNT
  size_t maxBundleEntries = 10000;  // --max-bundle-entries, FLINT_MAX_BUNDLE_ENTRIES
  int bundleTimeBudgetMs = 60000;   // --bundle-time-budget-ms, FLINT_BUNDLE_TIME_BUDGET_MS
  bool conditionalDeleteMultiple = false;  // --conditional-delete single|multiple, FLINT_CONDITIONAL_DELETE
  int statementTimeoutMs = 30000;  // --statement-timeout-ms, FLINT_STATEMENT_TIMEOUT_MS
  int replicaMaxLagMs = 1000;      // --replica-max-lag-ms, FLINT_REPLICA_MAX_LAG_MS
  int replicaWaitMs = 100;         // --replica-wait-ms, FLINT_REPLICA_WAIT_MS
  std::string tlsCert;             // --tls-cert, FLINT_TLS_CERT (PEM chain; HTTPS when set with --tls-key)
  std::string tlsKey;              // --tls-key, FLINT_TLS_KEY
  int exportWorkers = 1;             // --export-workers, FLINT_EXPORT_WORKERS
  int exportMaxPerClient = 2;        // --export-max-per-client, FLINT_EXPORT_MAX_PER_CLIENT
  int64_t exportFileBytes = 100 * 1024 * 1024;  // --export-file-bytes, FLINT_EXPORT_FILE_BYTES
  int exportRetentionHours = 24;     // --export-retention-hours, FLINT_EXPORT_RETENTION_HOURS
  int jwksRefetchSeconds = 30;       // --jwks-refetch-seconds, FLINT_JWKS_REFETCH_SECONDS
  std::string termsOfUseFile;        // --terms-of-use FILE, FLINT_TERMS_OF_USE (text shown in /docs)
  std::string termsOfUseVersion;     // --terms-of-use-version, FLINT_TERMS_OF_USE_VERSION (default: from its text)
  // --developer-holidays, FLINT_DEVELOPER_HOLIDAYS: extra non-business days (YYYY-MM-DD,...) of
  // the developer programme's deadlines, beside weekends and federal holidays.
  std::vector<std::string> developerHolidays;
  std::string developerCaFile;  // --developer-ca-file, FLINT_DEVELOPER_CA_FILE: CA bundle of domain checks
  // --developer-domain-resolve, FLINT_DEVELOPER_DOMAIN_RESOLVE: domain=address:port,... connected
  // to instead of resolving the domain (for tests and private deployments).
  std::map<std::string, std::string> developerDomainResolve;
  std::string smtpUrl;   // --smtp-url, FLINT_SMTP_URL: smtp[s]://[user:password@]host[:port] (none: the outbox only)
  std::string mailFrom = "Flint <flint@localhost>";  // --mail-from, FLINT_MAIL_FROM
  int developerSandboxLimit = 2;      // --developer-sandbox-limit, FLINT_DEVELOPER_SANDBOX_LIMIT
  int developerSandboxPatients = 50;  // --developer-sandbox-patients, FLINT_DEVELOPER_SANDBOX_PATIENTS (the cap)
  int developerSandboxDays = 30;      // --developer-sandbox-days, FLINT_DEVELOPER_SANDBOX_DAYS

  std::string host() const;
  uint16_t port() const;
};

// Reads the FLINT_* environment, then applies known flags from `args`; other arguments are left
// in `rest`. Throws std::invalid_argument for malformed values.
Config loadConfig(const std::vector<std::string>& args, std::vector<std::string>& rest);

const char* configHelp();

}  // namespace flint::server
