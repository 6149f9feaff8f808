#include "server/config.h"

#include "developer/calendar/business_calendar.h"

#include <algorithm>
#include <cstdlib>
#include <functional>
#include <map>
#include <stdexcept>

namespace flint::server {
namespace {

size_t positive(const std::string& name, const std::string& value) {
  try {
    size_t used = 0;
    long long n = std::stoll(value, &used);
    if (used != value.size() || n < 1) throw std::invalid_argument(name);
    return static_cast<size_t>(n);
  } catch (const std::exception&) {
    throw std::invalid_argument(name + " must be a positive whole number, not '" + value + "'");
  }
}

std::vector<std::string> commaList(const std::string& v) {
  std::vector<std::string> out;
  for (size_t start = 0; start < v.size();) {
    const size_t end = std::min(v.find(',', start), v.size());
    if (end > start) out.push_back(v.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

}  // namespace

std::string Config::host() const { return listen.substr(0, listen.rfind(':')); }

uint16_t Config::port() const {
  size_t colon = listen.rfind(':');
  std::string digits = listen.substr(colon + 1);
  // Port 0 asks the system for a free port (tests use it); serve reports the one it got.
  if (digits == "0") return 0;
  size_t p = positive("--listen port", digits);
  if (p > 65535) throw std::invalid_argument("--listen port out of range");
  return static_cast<uint16_t>(p);
}

Config loadConfig(const std::vector<std::string>& args, std::vector<std::string>& rest) {
  Config c;
  using Setter = std::function<void(const std::string&)>;
  const std::map<std::string, std::pair<const char*, Setter>> options = {
      {"--database-url", {"FLINT_DATABASE_URL", [&](const std::string& v) { c.databaseUrl = v; }}},
      {"--listen", {"FLINT_LISTEN", [&](const std::string& v) { c.listen = v; }}},
      {"--public-url", {"FLINT_PUBLIC_URL", [&](const std::string& v) { c.publicUrl = v; }}},
      {"--workers", {"FLINT_WORKERS", [&](const std::string& v) { c.workers = positive("--workers", v); }}},
      {"--max-queued-requests",
       {"FLINT_MAX_QUEUED_REQUESTS",
        [&](const std::string& v) { c.maxQueuedRequests = positive("--max-queued-requests", v); }}},
      {"--read-wait-target-ms",
       {"FLINT_READ_WAIT_TARGET_MS",
        [&](const std::string& v) { c.readWaitTargetMs = int(positive("--read-wait-target-ms", v)); }}},
      {"--read-overload-after-ms",
       {"FLINT_READ_OVERLOAD_AFTER_MS",
        [&](const std::string& v) { c.readOverloadAfterMs = int(positive("--read-overload-after-ms", v)); }}},
      {"--log-format",
       {"FLINT_LOG_FORMAT",
        [&](const std::string& v) {
          if (v != "text" && v != "json") throw std::invalid_argument("--log-format is text or json");
          c.logJson = v == "json";
        }}},
      {"--bundle-time-budget-ms",
       {"FLINT_BUNDLE_TIME_BUDGET_MS",
        [&](const std::string& v) { c.bundleTimeBudgetMs = int(positive("--bundle-time-budget-ms", v)); }}},
      {"--max-bundle-entries",
       {"FLINT_MAX_BUNDLE_ENTRIES",
        [&](const std::string& v) { c.maxBundleEntries = positive("--max-bundle-entries", v); }}},
      {"--max-db-connections",
       {"FLINT_MAX_DB_CONNECTIONS",
        [&](const std::string& v) { c.maxDbConnections = positive("--max-db-connections", v); }}},
      {"--reactor-threads",
       {"FLINT_REACTOR_THREADS", [&](const std::string& v) { c.reactorThreads = positive("--reactor-threads", v); }}},
      {"--linger-seconds",
       {"FLINT_LINGER_SECONDS", [&](const std::string& v) { c.lingerSeconds = int(positive("--linger-seconds", v)); }}},
      {"--linger-bytes", {"FLINT_LINGER_BYTES", [&](const std::string& v) { c.lingerBytes = positive("--linger-bytes", v); }}},
      {"--max-connections",
       {"FLINT_MAX_CONNECTIONS", [&](const std::string& v) { c.maxConnections = positive("--max-connections", v); }}},
      {"--idle-timeout-seconds",
       {"FLINT_IDLE_TIMEOUT_SECONDS",
        [&](const std::string& v) { c.idleTimeoutSeconds = int(positive("--idle-timeout-seconds", v)); }}},
      {"--header-timeout-seconds",
       {"FLINT_HEADER_TIMEOUT_SECONDS",
        [&](const std::string& v) { c.headerTimeoutSeconds = int(positive("--header-timeout-seconds", v)); }}},
      {"--request-timeout-seconds",
       {"FLINT_REQUEST_TIMEOUT_SECONDS",
        [&](const std::string& v) { c.requestTimeoutSeconds = int(positive("--request-timeout-seconds", v)); }}},
      {"--max-body-bytes",
       {"FLINT_MAX_BODY_BYTES", [&](const std::string& v) { c.maxBodyBytes = positive("--max-body-bytes", v); }}},
      {"--admin-key", {"FLINT_ADMIN_KEY", [&](const std::string& v) { c.adminKey = v; }}},
      {"--terms-of-use", {"FLINT_TERMS_OF_USE", [&](const std::string& v) { c.termsOfUseFile = v; }}},
      {"--terms-of-use-version", {"FLINT_TERMS_OF_USE_VERSION", [&](const std::string& v) { c.termsOfUseVersion = v; }}},
      {"--developer-ca-file", {"FLINT_DEVELOPER_CA_FILE", [&](const std::string& v) { c.developerCaFile = v; }}},
      {"--developer-domain-resolve",
       {"FLINT_DEVELOPER_DOMAIN_RESOLVE",
        [&](const std::string& v) {
          c.developerDomainResolve.clear();
          for (const auto& entry : commaList(v)) {
            const auto eq = entry.find('=');
            if (eq == std::string::npos || eq == 0 || entry.find(':', eq) == std::string::npos)
              throw std::invalid_argument("--developer-domain-resolve takes domain=address:port,...");
            c.developerDomainResolve[entry.substr(0, eq)] = entry.substr(eq + 1);
          }
        }}},
      {"--developer-holidays",
       {"FLINT_DEVELOPER_HOLIDAYS",
        [&](const std::string& v) { c.developerHolidays = commaList(v); }}},
      {"--smtp-url", {"FLINT_SMTP_URL", [&](const std::string& v) { c.smtpUrl = v; }}},
      {"--mail-from", {"FLINT_MAIL_FROM", [&](const std::string& v) { c.mailFrom = v; }}},
      {"--developer-sandbox-limit",
       {"FLINT_DEVELOPER_SANDBOX_LIMIT",
        [&](const std::string& v) { c.developerSandboxLimit = int(positive("--developer-sandbox-limit", v)); }}},
      {"--developer-sandbox-patients",
       {"FLINT_DEVELOPER_SANDBOX_PATIENTS",
        [&](const std::string& v) { c.developerSandboxPatients = int(positive("--developer-sandbox-patients", v)); }}},
      {"--developer-sandbox-days",
       {"FLINT_DEVELOPER_SANDBOX_DAYS",
        [&](const std::string& v) { c.developerSandboxDays = int(positive("--developer-sandbox-days", v)); }}},
      {"--jwks-refetch-seconds",
       {"FLINT_JWKS_REFETCH_SECONDS",
        [&](const std::string& v) { c.jwksRefetchSeconds = int(positive("--jwks-refetch-seconds", v)); }}},
      {"--default-count",
       {"FLINT_DEFAULT_COUNT", [&](const std::string& v) { c.defaultCount = int(positive("--default-count", v)); }}},
      {"--max-count", {"FLINT_MAX_COUNT", [&](const std::string& v) { c.maxCount = int(positive("--max-count", v)); }}},
      {"--statement-timeout-ms",
       {"FLINT_STATEMENT_TIMEOUT_MS",
        [&](const std::string& v) { c.statementTimeoutMs = int(positive("--statement-timeout-ms", v)); }}},
      {"--replica-max-lag-ms",
       {"FLINT_REPLICA_MAX_LAG_MS",
        [&](const std::string& v) { c.replicaMaxLagMs = int(positive("--replica-max-lag-ms", v)); }}},
      {"--replica-wait-ms",
       {"FLINT_REPLICA_WAIT_MS",
        [&](const std::string& v) { c.replicaWaitMs = v == "0" ? 0 : int(positive("--replica-wait-ms", v)); }}},
      {"--export-workers",
       {"FLINT_EXPORT_WORKERS",
        [&](const std::string& v) { c.exportWorkers = v == "0" ? 0 : int(positive("--export-workers", v)); }}},
      {"--export-max-per-client",
       {"FLINT_EXPORT_MAX_PER_CLIENT",
        [&](const std::string& v) { c.exportMaxPerClient = int(positive("--export-max-per-client", v)); }}},
      {"--export-file-bytes",
       {"FLINT_EXPORT_FILE_BYTES",
        [&](const std::string& v) { c.exportFileBytes = int64_t(positive("--export-file-bytes", v)); }}},
      {"--export-retention-hours",
       {"FLINT_EXPORT_RETENTION_HOURS",
        [&](const std::string& v) { c.exportRetentionHours = int(positive("--export-retention-hours", v)); }}},
      {"--tls-cert", {"FLINT_TLS_CERT", [&](const std::string& v) { c.tlsCert = v; }}},
      {"--tls-key", {"FLINT_TLS_KEY", [&](const std::string& v) { c.tlsKey = v; }}},
      {"--conditional-delete",
       {"FLINT_CONDITIONAL_DELETE",
        [&](const std::string& v) {
          if (v != "single" && v != "multiple")
            throw std::invalid_argument("--conditional-delete must be single or multiple");
          c.conditionalDeleteMultiple = v == "multiple";
        }}},
  };
  for (const auto& [flag, option] : options)
    if (const char* env = std::getenv(option.first); env != nullptr && *env != '\0') option.second(env);
  for (size_t i = 0; i < args.size(); ++i) {
    std::string arg = args[i];
    std::string value;
    bool inlineValue = false;
    if (size_t eq = arg.find('='); arg.rfind("--", 0) == 0 && eq != std::string::npos) {
      value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
      inlineValue = true;
    }
    auto it = options.find(arg);
    if (it == options.end()) {
      rest.push_back(args[i]);
      continue;
    }
    if (!inlineValue) {
      if (i + 1 >= args.size()) throw std::invalid_argument(arg + " needs a value");
      value = args[++i];
    }
    it->second.second(value);
  }
  if (c.listen.find(':') == std::string::npos) throw std::invalid_argument("--listen must be HOST:PORT");
  c.port();
  if (c.tlsCert.empty() != c.tlsKey.empty()) throw std::invalid_argument("--tls-cert and --tls-key go together");
  if (c.defaultCount > c.maxCount) throw std::invalid_argument("--default-count must not exceed --max-count");
  while (!c.publicUrl.empty() && c.publicUrl.back() == '/') c.publicUrl.pop_back();
  try {
    developer::BusinessCalendar::withHolidays(c.developerHolidays);
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(std::string("--developer-holidays: ") + e.what());
  }
  return c;
}

const char* configHelp() {
  return R"(Configuration (flag, or environment variable):
  --database-url URL     FLINT_DATABASE_URL     PostgreSQL connection string (required)
  --listen HOST:PORT     FLINT_LISTEN           address to serve on (127.0.0.1:8080)
  --public-url URL       FLINT_PUBLIC_URL       external base URL (http://HOST:PORT as bound)
  --workers N            FLINT_WORKERS          request worker threads (4)
  --max-queued-requests N FLINT_MAX_QUEUED_REQUESTS  connections waiting for a worker at most; a
                                                request beyond gets 503 with Retry-After at once (512)
  --read-wait-target-ms N FLINT_READ_WAIT_TARGET_MS  the wait of a read by id (since it reached the
                                                machine, plus the wait of the reads ahead of it on its
                                                database connection) that a server keeping up stays
                                                within (20)
  --read-overload-after-ms N FLINT_READ_OVERLOAD_AFTER_MS  once reads one after another have waited
                                                beyond the target for this long, the server is
                                                overloaded (after a fifth of it when the reads
                                                waiting grew by 64 meanwhile): reads beyond the
                                                target get 503 with Retry-After at once, until as
                                                long again passes with none beyond it (50)
  --log-format F         FLINT_LOG_FORMAT       text (default: flint: LEVEL EVENT key=value ...) or
                                                json (one JSON object per line) on stderr
  --reactor-threads N    FLINT_REACTOR_THREADS  network threads, which also answer reads by id (one
                                                per core)
  --max-db-connections N FLINT_MAX_DB_CONNECTIONS  PostgreSQL connections this process opens at most,
                                                over all databases; refused below what the threads
                                                need (default: that need, plus a read connection
                                                per reactor and database; printed at start-up)
  --max-body-bytes N     FLINT_MAX_BODY_BYTES   largest request body accepted (16777216)
  --linger-seconds N     FLINT_LINGER_SECONDS   after an answer that ends a connection (413, ...),
                                                how long what the client still sends is read and
                                                discarded, so that it gets the answer (5)
  --linger-bytes N       FLINT_LINGER_BYTES     and how much at most (67108864)
  --max-connections N    FLINT_MAX_CONNECTIONS  client connections served at once; those beyond
                                                wait for a place, and are closed after a second
                                                without one (default: what the descriptor limit
                                                allows, raised to its hard limit, two per
                                                connection; printed at start-up)
  --idle-timeout-seconds N FLINT_IDLE_TIMEOUT_SECONDS  a connection on which no request begins for
                                                this long (after it opened or its last answer)
                                                is closed (75)
  --header-timeout-seconds N FLINT_HEADER_TIMEOUT_SECONDS  a request whose headers are not all in
                                                this long after its first byte gets 408 and its
                                                connection closes (20)
  --request-timeout-seconds N FLINT_REQUEST_TIMEOUT_SECONDS  the same for the whole request, body
                                                included (300)
  --admin-key KEY        FLINT_ADMIN_KEY        bearer key for /admin (admin API off if unset)
  --default-count N      FLINT_DEFAULT_COUNT    search page size when _count is absent (20)
  --max-count N          FLINT_MAX_COUNT        largest page size (1000)
  --max-bundle-entries N FLINT_MAX_BUNDLE_ENTRIES  entries a batch or transaction may hold; a larger
                                                one gets 413 before any entry runs (10000)
  --bundle-time-budget-ms N FLINT_BUNDLE_TIME_BUDGET_MS  how long a batch or transaction may run: a
                                                transaction beyond is rolled back (503), a batch's
                                                entries not started by then get 503 (60000)
  --conditional-delete M FLINT_CONDITIONAL_DELETE single (default) or multiple matches per delete
  --statement-timeout-ms N FLINT_STATEMENT_TIMEOUT_MS database time per statement before 503 (30000)
  --replica-max-lag-ms N FLINT_REPLICA_MAX_LAG_MS a streaming replica further behind its primary
                                                 serves no reads (1000)
  --replica-wait-ms N    FLINT_REPLICA_WAIT_MS  how long a read presenting X-Flint-LSN waits for a
                                                 replica to replay it before the primary serves it (100)
  --export-workers N     FLINT_EXPORT_WORKERS   threads running Bulk Data export jobs (1; 0: this
                                                process runs none)
  --export-max-per-client N FLINT_EXPORT_MAX_PER_CLIENT exports one client may have running (2)
  --export-file-bytes N  FLINT_EXPORT_FILE_BYTES  largest export file before a type's next (104857600)
  --export-retention-hours N FLINT_EXPORT_RETENTION_HOURS  completed exports kept for (24)
  --jwks-refetch-seconds N FLINT_JWKS_REFETCH_SECONDS  a client's JWKS URL is asked again for a kid it
                                                lacked at most this often (30)
  --terms-of-use FILE    FLINT_TERMS_OF_USE     plain-text Terms of Use shown in /docs and accepted by
                                                developer access requests (a built-in default)
  --terms-of-use-version V FLINT_TERMS_OF_USE_VERSION  its version (default: derived from its text)
  --developer-ca-file FILE FLINT_DEVELOPER_CA_FILE  CA bundle the developer programme's domain checks
                                                trust (the system's by default)
  --developer-holidays D,... FLINT_DEVELOPER_HOLIDAYS  extra non-business days (YYYY-MM-DD) of the developer
                                                programme's deadlines, beside weekends and federal holidays
  --smtp-url URL         FLINT_SMTP_URL         smtp[s]://[user:password@]host[:port] the developer
                                                programme's mail is sent through (STARTTLS required
                                                unless on loopback); without it mail stays in the outbox
  --mail-from ADDRESS    FLINT_MAIL_FROM        the sender of that mail ("Flint <flint@localhost>")
  --developer-sandbox-limit N FLINT_DEVELOPER_SANDBOX_LIMIT  open sandboxes per developer account (2)
  --developer-sandbox-patients N FLINT_DEVELOPER_SANDBOX_PATIENTS  most synthetic patients a sandbox
                                                may be seeded with (50)
  --developer-sandbox-days N FLINT_DEVELOPER_SANDBOX_DAYS  a sandbox's lifetime; a reminder is mailed
                                                7 days before it expires (30)
  --tls-cert FILE        FLINT_TLS_CERT         PEM certificate chain: serve HTTPS (TLS 1.2 minimum)
  --tls-key FILE         FLINT_TLS_KEY          PEM private key of that certificate
)";
}

}  // namespace flint::server
