#include "auth/tokens/revocation_list.h"

#include <pqxx/pqxx>

#include "core/clock.h"
#include "core/db/session_pool.h"
#include "core/log/log.h"

namespace flint::auth {
namespace {

constexpr auto kPollInterval = std::chrono::milliseconds(200);
constexpr int64_t kStaleAfterMs = 2000;

int64_t steadyMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

const char* kindName(RevocationKind kind) {
  switch (kind) {
    case RevocationKind::Grant:
      return "grant";
    case RevocationKind::Token:
      return "token";
    case RevocationKind::Client:
      return "client";
  }
  return "";
}

int kindOf(const std::string& name) {
  if (name == "grant") return static_cast<int>(RevocationKind::Grant);
  if (name == "token") return static_cast<int>(RevocationKind::Token);
  return static_cast<int>(RevocationKind::Client);
}

}  // namespace

RevocationList::RevocationList(std::string databaseUrl) : databaseUrl_(std::move(databaseUrl)) {
  // Read the log once before serving, so the first requests already see every revocation.
  try {
    poll();
    lastSuccessMs_ = steadyMs();
  } catch (const std::exception&) {
    // The follower's thread keeps trying.
  }
  thread_ = std::thread([this] { run(); });
}

RevocationList::~RevocationList() {
  {
    std::lock_guard lock(stopMutex_);
    stopping_ = true;
  }
  stopSignal_.notify_all();
  thread_.join();
}

bool RevocationList::isRevoked(const AccessTokenClaims& c) const {
  if (!any_.load(std::memory_order_acquire)) return false;
  std::shared_lock lock(mutex_);
  return revoked_.count({c.instanceId, static_cast<int>(RevocationKind::Grant), std::to_string(c.grantId)}) ||
         revoked_.count({c.instanceId, static_cast<int>(RevocationKind::Token), c.jti}) ||
         revoked_.count({c.instanceId, static_cast<int>(RevocationKind::Client), c.clientId});
}

bool RevocationList::isCurrent() const { return millisSinceRead() < kStaleAfterMs; }

int64_t RevocationList::millisSinceRead() const { return steadyMs() - lastSuccessMs_.load(); }

void RevocationList::record(pqxx::connection& conn, long long instanceId, RevocationKind kind,
                            const std::string& subject, int64_t until) {
  pqxx::nontransaction tx(conn);
  tx.exec_params0(
      "INSERT INTO flint.revocations (instance_id, kind, subject, expires_at) VALUES ($1, $2, $3, to_timestamp($4))",
      instanceId, kindName(kind), subject, until);
}

void RevocationList::revoke(long long instanceId, RevocationKind kind, const std::string& subject, int64_t until) {
  db::Session::forThisThread(databaseUrl_).run([&](pqxx::transaction_base& tx) {
    tx.exec_params0(
        "INSERT INTO flint.revocations (instance_id, kind, subject, expires_at) VALUES ($1, $2, $3, to_timestamp($4))",
        instanceId, kindName(kind), subject, until);
  });
  std::unique_lock lock(mutex_);
  revoked_[{instanceId, static_cast<int>(kind), subject}] = until;
  any_ = true;
}

// Rows become visible in commit order, not in the order of any number they carry. The snapshot
// of each read says which transactions were still running (those from its xmin on): only their
// rows, and later ones, can appear after it, so the next read starts there. Rows read twice are
// harmless; a long-running transaction anywhere only widens the re-read window.
void RevocationList::poll() {
  db::SessionScope scope;
  pqxx::nontransaction tx(db::Session::forThisThread(databaseUrl_).connection());
  auto rows = tx.exec_params(
      "SELECT h.xmin::text, r.instance_id, r.kind, r.subject, extract(epoch FROM r.expires_at)::bigint"
      " FROM (SELECT pg_snapshot_xmin(pg_current_snapshot()) AS xmin) h"
      " LEFT JOIN flint.revocations r ON r.xid >= $1::xid8 AND r.expires_at > now()",
      std::to_string(horizon_));
  const bool purge = ++pollsSincePurge_ >= 300;  // about once a minute
  if (purge) {
    pollsSincePurge_ = 0;
    tx.exec0("DELETE FROM flint.revocations WHERE expires_at < now() - interval '1 hour'");
  }
  const int64_t now = epochSeconds();
  std::unique_lock lock(mutex_);
  for (const auto& r : rows) {
    if (r[1].is_null()) continue;
    revoked_[{r[1].as<long long>(), kindOf(r[2].as<std::string>()), r[3].as<std::string>()}] = r[4].as<int64_t>();
  }
  horizon_ = std::stoull(rows[0][0].as<std::string>());
  if (purge) std::erase_if(revoked_, [now](const auto& entry) { return entry.second < now; });
  any_ = !revoked_.empty();
}

void RevocationList::run() {
  for (;;) {
    try {
      poll();
      lastSuccessMs_ = steadyMs();
    } catch (const std::exception& e) {
      log::warning("revocation log unavailable", {{"error", log::redacted(e.what())}});
    }
    std::unique_lock lock(stopMutex_);
    if (stopSignal_.wait_for(lock, kPollInterval, [this] { return stopping_; })) return;
  }
}

}  // namespace flint::auth
