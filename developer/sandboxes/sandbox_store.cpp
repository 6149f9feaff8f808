#include "developer/sandboxes/sandbox_store.h"

#include "core/crypto/digest.h"

namespace flint::developer {

int SandboxStore::lockAndCountOpen(long long accountId) {
  tx_.exec_params("SELECT 1 FROM flint.developer_accounts WHERE id = $1 FOR UPDATE", accountId);
  return tx_
      .exec_params1("SELECT count(*) FROM flint.developer_sandboxes WHERE account_id = $1"
                    " AND status IN ('creating', 'active')",
                    accountId)[0]
      .as<int>();
}

std::optional<long long> SandboxStore::insert(long long accountId, const std::string& name, int patients, int lifetimeDays) {
  const auto r = tx_.exec_params(
      "INSERT INTO flint.developer_sandboxes (account_id, name, patients, status, expires_at)"
      " VALUES ($1, $2, $3, 'creating', now() + make_interval(days => $4)) ON CONFLICT (name) DO NOTHING RETURNING id",
      accountId, name, patients, lifetimeDays);
  if (r.empty()) return std::nullopt;
  return r[0][0].as<long long>();
}

void SandboxStore::setInstance(long long id, long long instanceId) {
  tx_.exec_params0("UPDATE flint.developer_sandboxes SET instance_id = $2 WHERE id = $1", id, instanceId);
}

void SandboxStore::setStatus(long long id, const std::string& status) {
  tx_.exec_params0("UPDATE flint.developer_sandboxes SET status = $2,"
                   " closed_at = CASE WHEN $2 = 'active' THEN NULL ELSE now() END WHERE id = $1",
                   id, status);
}

void SandboxStore::setReminded(long long id) {
  tx_.exec_params0("UPDATE flint.developer_sandboxes SET reminded_at = now() WHERE id = $1", id);
}

std::vector<SandboxRow> SandboxStore::select(const std::string& where, const std::string& key) {
  std::vector<SandboxRow> out;
  for (const auto& r : tx_.exec_params(
           "SELECT s.id, s.account_id, a.email, s.name, s.instance_id, s.patients, s.status,"
           " extract(epoch FROM s.created_at)::bigint, extract(epoch FROM s.expires_at)::bigint,"
           " extract(epoch FROM s.reminded_at)::bigint"
           " FROM flint.developer_sandboxes s JOIN flint.developer_accounts a ON a.id = s.account_id WHERE " + where,
           key)) {
    SandboxRow row;
    row.id = r[0].as<long long>();
    row.accountId = r[1].as<long long>();
    row.accountEmail = r[2].as<std::string>();
    row.name = r[3].as<std::string>();
    if (!r[4].is_null()) row.instanceId = r[4].as<long long>();
    row.patients = r[5].as<int>();
    row.status = r[6].as<std::string>();
    row.createdAt = r[7].as<int64_t>();
    row.expiresAt = r[8].as<int64_t>();
    if (!r[9].is_null()) row.remindedAt = r[9].as<int64_t>();
    out.push_back(std::move(row));
  }
  return out;
}

std::vector<SandboxRow> SandboxStore::forAccount(long long accountId) {
  return select("s.account_id = $1::bigint AND s.status IN ('creating', 'active') ORDER BY s.name",
                std::to_string(accountId));
}

std::optional<SandboxRow> SandboxStore::byName(const std::string& name) {
  auto rows = select("s.name = $1", name);
  if (rows.empty()) return std::nullopt;
  return rows.front();
}

std::vector<SandboxRow> SandboxStore::activeExpiringBefore(int64_t epoch, bool unremindedOnly) {
  return select(std::string("s.status = 'active' AND s.expires_at < to_timestamp($1::bigint)") +
                    (unremindedOnly ? " AND s.reminded_at IS NULL" : "") + " ORDER BY s.id FOR UPDATE OF s SKIP LOCKED",
                std::to_string(epoch));
}

std::string SandboxStore::sandboxClientId(long long requestId) {
  return tx_
      .exec_params1("UPDATE flint.developer_requests SET sandbox_client_id = coalesce(sandbox_client_id, $2)"
                    " WHERE id = $1 RETURNING sandbox_client_id",
                    requestId, "sandbox-" + crypto::randomToken(12))[0]
      .as<std::string>();
}

}  // namespace flint::developer
