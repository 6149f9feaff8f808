#include "auth/storage/grant_repository.h"

namespace flint::auth {

int64_t GrantRepository::insertGrant(const GrantRecord& g) {
  const auto& name = session_.preparedIn(
      instance_.schema, "auth_insert_grant",
      "INSERT INTO {s}.auth_grants (client_id, user_id, patient_id, encounter_id, scope, last_used_at,"
      " refresh_expires_at, ehr_launch) VALUES ($1, nullif($2, 0), nullif($3, ''), nullif($4, ''), $5, now(),"
      " CASE WHEN $6::bigint > 0 THEN to_timestamp($6) END, $7) RETURNING id");
  auto r = session_.run([&](pqxx::transaction_base& tx) {
    return tx.exec_prepared(name, g.clientId, g.userId, g.patientId, g.encounterId, g.scope, g.refreshExpiresAt,
                            g.ehrLaunch);
  });
  return r[0][0].as<int64_t>();
}

std::optional<GrantRecord> GrantRepository::grant(int64_t id) {
  const auto& name = session_.preparedIn(
      instance_.schema, "auth_grant",
      "SELECT id, client_id, coalesce(user_id, 0), coalesce(patient_id, ''), coalesce(encounter_id, ''), scope,"
      " revoked_at IS NOT NULL, coalesce(extract(epoch FROM refresh_expires_at)::bigint, 0), ehr_launch"
      " FROM {s}.auth_grants WHERE id = $1");
  auto r = session_.run([&](pqxx::transaction_base& tx) { return tx.exec_prepared(name, id); });
  if (r.empty()) return std::nullopt;
  const auto& row = r[0];
  return GrantRecord{row[0].as<int64_t>(),     row[1].as<std::string>(), row[2].as<int64_t>(),
                     row[3].as<std::string>(), row[4].as<std::string>(), row[5].as<std::string>(),
                     row[6].as<bool>(),        row[7].as<int64_t>(),     row[8].as<bool>()};
}

void GrantRepository::touchGrant(int64_t id) {
  const auto& name =
      session_.preparedIn(instance_.schema, "auth_touch_grant", "UPDATE {s}.auth_grants SET last_used_at = now() WHERE id = $1");
  session_.run([&](pqxx::transaction_base& tx) { return tx.exec_prepared(name, id); });
}

void GrantRepository::revokeGrant(int64_t id) {
  const auto& name = session_.preparedIn(
      instance_.schema, "auth_revoke_grant",
      "UPDATE {s}.auth_grants SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1");
  session_.run([&](pqxx::transaction_base& tx) { return tx.exec_prepared(name, id); });
}

std::vector<UserGrant> GrantRepository::activeGrantsOfUser(int64_t userId, int64_t accessTokenSeconds) {
  const auto& name = session_.preparedIn(
      instance_.schema, "auth_user_grants",
      "SELECT g.id, g.client_id, coalesce(g.patient_id, ''), coalesce(g.encounter_id, ''), g.scope,"
      " coalesce(extract(epoch FROM g.refresh_expires_at)::bigint, 0), c.name, extract(epoch FROM g.created_at)::bigint,"
      " coalesce(extract(epoch FROM g.last_used_at)::bigint, 0)"
      " FROM {s}.auth_grants g JOIN {s}.auth_clients c ON c.id = g.client_id"
      " WHERE g.user_id = $1 AND g.revoked_at IS NULL"
      " AND (g.refresh_expires_at > now() OR g.last_used_at > now() - make_interval(secs => $2))"
      " ORDER BY g.created_at DESC");
  auto r = session_.run([&](pqxx::transaction_base& tx) { return tx.exec_prepared(name, userId, accessTokenSeconds); });
  std::vector<UserGrant> out;
  for (const auto& row : r) {
    UserGrant g;
    g.grant = GrantRecord{row[0].as<int64_t>(), row[1].as<std::string>(), userId, row[2].as<std::string>(),
                          row[3].as<std::string>(), row[4].as<std::string>(), false, row[5].as<int64_t>()};
    g.clientName = row[6].as<std::string>();
    g.createdAt = row[7].as<int64_t>();
    g.lastUsedAt = row[8].as<int64_t>();
    out.push_back(std::move(g));
  }
  return out;
}

void GrantRepository::insertPending(const std::string& idSha256, const std::string& browserSha256,
                                    const std::string& request, int64_t expiresAt) {
  const auto& purge =
      session_.preparedIn(instance_.schema, "auth_purge_pending", "DELETE FROM {s}.auth_pending WHERE expires_at < now()");
  const auto& name = session_.preparedIn(
      instance_.schema, "auth_insert_pending",
      "INSERT INTO {s}.auth_pending (id_sha256, browser_sha256, request, expires_at) VALUES ($1, $2, $3, to_timestamp($4))");
  session_.run([&](pqxx::transaction_base& tx) {
    tx.exec_prepared(purge);
    return tx.exec_prepared(name, idSha256, browserSha256, request, expiresAt);
  });
}

std::optional<PendingRecord> GrantRepository::pending(const std::string& idSha256) {
  const auto& name = session_.preparedIn(
      instance_.schema, "auth_pending",
      "SELECT browser_sha256, request, coalesce(user_id, 0) FROM {s}.auth_pending WHERE id_sha256 = $1 AND expires_at > now()");
  auto r = session_.run([&](pqxx::transaction_base& tx) { return tx.exec_prepared(name, idSha256); });
  if (r.empty()) return std::nullopt;
  return PendingRecord{r[0][0].as<std::string>(), r[0][1].as<std::string>(), r[0][2].as<int64_t>()};
}

void GrantRepository::setPendingUser(const std::string& idSha256, int64_t userId) {
  const auto& name = session_.preparedIn(instance_.schema, "auth_pending_user",
                                         "UPDATE {s}.auth_pending SET user_id = $2 WHERE id_sha256 = $1");
  session_.run([&](pqxx::transaction_base& tx) { return tx.exec_prepared(name, idSha256, userId); });
}

void GrantRepository::deletePending(const std::string& idSha256) {
  const auto& name =
      session_.preparedIn(instance_.schema, "auth_delete_pending", "DELETE FROM {s}.auth_pending WHERE id_sha256 = $1");
  session_.run([&](pqxx::transaction_base& tx) { return tx.exec_prepared(name, idSha256); });
}

void GrantRepository::insertCode(const std::string& codeSha256, int64_t grantId, const std::string& redirectUri,
                                 const std::string& codeChallenge, const std::string& nonce, int64_t expiresAt) {
  const auto& name = session_.preparedIn(
      instance_.schema, "auth_insert_code",
      "INSERT INTO {s}.auth_codes (code_sha256, grant_id, redirect_uri, code_challenge, nonce, expires_at)"
      " VALUES ($1, $2, $3, $4, nullif($5, ''), to_timestamp($6))");
  session_.run([&](pqxx::transaction_base& tx) {
    return tx.exec_prepared(name, codeSha256, grantId, redirectUri, codeChallenge, nonce, expiresAt);
  });
}

std::optional<TakenCode> GrantRepository::takeCode(const std::string& codeSha256) {
  // The conditional update is the claim: of two racing exchanges only one finds used_at empty.
  const auto& take = session_.preparedIn(
      instance_.schema, "auth_take_code",
      "UPDATE {s}.auth_codes SET used_at = now() WHERE code_sha256 = $1 AND used_at IS NULL"
      " RETURNING grant_id, redirect_uri, code_challenge, coalesce(nonce, ''), expires_at < now()");
  const auto& seen = session_.preparedIn(instance_.schema, "auth_used_code",
                                         "SELECT grant_id FROM {s}.auth_codes WHERE code_sha256 = $1");
  return session_.run([&](pqxx::transaction_base& tx) -> std::optional<TakenCode> {
    auto r = tx.exec_prepared(take, codeSha256);
    if (!r.empty())
      return TakenCode{r[0][0].as<int64_t>(), r[0][1].as<std::string>(), r[0][2].as<std::string>(),
                       r[0][3].as<std::string>(), r[0][4].as<bool>(), true};
    auto used = tx.exec_prepared(seen, codeSha256);
    if (used.empty()) return std::nullopt;
    TakenCode replay;
    replay.grantId = used[0][0].as<int64_t>();
    replay.firstUse = false;
    return replay;
  });
}

void GrantRepository::insertLaunch(const std::string& idSha256, const LaunchRecord& l, int64_t expiresAt) {
  const auto& name = session_.preparedIn(
      instance_.schema, "auth_insert_launch",
      "INSERT INTO {s}.auth_launches (id_sha256, client_id, user_id, patient_id, encounter_id, expires_at, companion)"
      " VALUES ($1, $2, $3, $4, nullif($5, ''), to_timestamp($6), $7)");
  session_.run([&](pqxx::transaction_base& tx) {
    return tx.exec_prepared(name, idSha256, l.clientId, l.userId, l.patientId, l.encounterId, expiresAt, l.companion);
  });
}

std::optional<LaunchRecord> GrantRepository::launch(const std::string& idSha256, bool take) {
  const auto& peek = session_.preparedIn(
      instance_.schema, "auth_launch",
      "SELECT client_id, user_id, patient_id, coalesce(encounter_id, ''), companion FROM {s}.auth_launches"
      " WHERE id_sha256 = $1 AND used_at IS NULL AND expires_at > now()");
  const auto& claim = session_.preparedIn(
      instance_.schema, "auth_take_launch",
      "UPDATE {s}.auth_launches SET used_at = now() WHERE id_sha256 = $1 AND used_at IS NULL AND expires_at > now()"
      " RETURNING client_id, user_id, patient_id, coalesce(encounter_id, ''), companion");
  auto r = session_.run([&](pqxx::transaction_base& tx) { return tx.exec_prepared(take ? claim : peek, idSha256); });
  if (r.empty()) return std::nullopt;
  return LaunchRecord{r[0][0].as<std::string>(), r[0][1].as<int64_t>(), r[0][2].as<std::string>(),
                      r[0][3].as<std::string>(), r[0][4].as<bool>()};
}

void GrantRepository::insertRefreshToken(const std::string& tokenSha256, int64_t grantId, int64_t expiresAt) {
  const auto& name = session_.preparedIn(
      instance_.schema, "auth_insert_refresh",
      "INSERT INTO {s}.auth_refresh_tokens (token_sha256, grant_id, expires_at) VALUES ($1, $2, to_timestamp($3))");
  session_.run([&](pqxx::transaction_base& tx) { return tx.exec_prepared(name, tokenSha256, grantId, expiresAt); });
}

std::optional<TakenRefreshToken> GrantRepository::takeRefreshToken(const std::string& tokenSha256) {
  const auto& take = session_.preparedIn(
      instance_.schema, "auth_take_refresh",
      "UPDATE {s}.auth_refresh_tokens SET used_at = now() WHERE token_sha256 = $1 AND used_at IS NULL"
      " RETURNING grant_id, expires_at < now()");
  const auto& seen = session_.preparedIn(instance_.schema, "auth_used_refresh",
                                         "SELECT grant_id FROM {s}.auth_refresh_tokens WHERE token_sha256 = $1");
  return session_.run([&](pqxx::transaction_base& tx) -> std::optional<TakenRefreshToken> {
    auto r = tx.exec_prepared(take, tokenSha256);
    if (!r.empty()) return TakenRefreshToken{r[0][0].as<int64_t>(), r[0][1].as<bool>(), true};
    auto used = tx.exec_prepared(seen, tokenSha256);
    if (used.empty()) return std::nullopt;
    return TakenRefreshToken{used[0][0].as<int64_t>(), false, false};
  });
}

}  // namespace flint::auth
