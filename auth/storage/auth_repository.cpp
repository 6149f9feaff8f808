#include "auth/storage/auth_repository.h"

#include "core/db/text_array.h"

namespace flint::auth {
namespace {

constexpr const char* kClientColumns =
    "id, name, kind, coalesce(secret_sha256, ''), coalesce(jwks, ''), coalesce(jwks_url, ''), redirect_uris,"
    " coalesce(launch_uri, ''), scope, disabled";

ClientRecord clientFrom(const pqxx::row& r) {
  ClientRecord c;
  c.id = r[0].as<std::string>();
  c.name = r[1].as<std::string>();
  c.kind = r[2].as<std::string>();
  c.secretSha256 = r[3].as<std::string>();
  c.jwks = r[4].as<std::string>();
  c.jwksUrl = r[5].as<std::string>();
  auto array = r[6].as_array();
  for (auto item = array.get_next(); item.first != pqxx::array_parser::juncture::done; item = array.get_next())
    if (item.first == pqxx::array_parser::juncture::string_value) c.redirectUris.push_back(item.second);
  c.launchUri = r[7].as<std::string>();
  c.scope = r[8].as<std::string>();
  c.disabled = r[9].as<bool>();
  return c;
}

}  // namespace

AuthRepository::AuthRepository(db::Session& session, const instances::Instance& instance)
    : session_(session), instance_(instance) {}

std::optional<ClientRecord> AuthRepository::client(const std::string& id) {
  const auto& name = session_.preparedIn(
      instance_.schema, "auth_client",
      (std::string("SELECT ") + kClientColumns + " FROM {s}.auth_clients WHERE id = $1").c_str());
  auto r = session_.run([&](pqxx::transaction_base& tx) { return tx.exec_prepared(name, id); });
  if (r.empty()) return std::nullopt;
  return clientFrom(r[0]);
}

std::vector<ClientRecord> AuthRepository::clients() {
  const auto& name = session_.preparedIn(
      instance_.schema, "auth_clients",
      (std::string("SELECT ") + kClientColumns + " FROM {s}.auth_clients ORDER BY created_at, id").c_str());
  auto r = session_.run([&](pqxx::transaction_base& tx) { return tx.exec_prepared(name); });
  std::vector<ClientRecord> out;
  for (const auto& row : r) out.push_back(clientFrom(row));
  return out;
}

void AuthRepository::insertClient(const ClientRecord& c) {
  const auto& name = session_.preparedIn(
      instance_.schema, "auth_insert_client",
      "INSERT INTO {s}.auth_clients (id, name, kind, secret_sha256, jwks, jwks_url, redirect_uris, launch_uri, scope)"
      " VALUES ($1, $2, $3, nullif($4, ''), nullif($5, ''), nullif($6, ''), $7::text[], nullif($8, ''), $9)");
  session_.run([&](pqxx::transaction_base& tx) {
    return tx.exec_prepared(name, c.id, c.name, c.kind, c.secretSha256, c.jwks, c.jwksUrl, db::textArray(c.redirectUris),
                            c.launchUri, c.scope);
  });
}

bool AuthRepository::setClientDisabled(const std::string& id, bool disabled) {
  const auto& name = session_.preparedIn(instance_.schema, "auth_disable_client",
                                         "UPDATE {s}.auth_clients SET disabled = $2 WHERE id = $1");
  auto r = session_.run([&](pqxx::transaction_base& tx) { return tx.exec_prepared(name, id, disabled); });
  return r.affected_rows() == 1;
}

bool AuthRepository::setClientScope(const std::string& id, const std::string& scope) {
  const auto& name = session_.preparedIn(instance_.schema, "auth_client_scope",
                                         "UPDATE {s}.auth_clients SET scope = $2 WHERE id = $1");
  return session_.run([&](pqxx::transaction_base& tx) { return tx.exec_prepared(name, id, scope); }).affected_rows() == 1;
}

std::vector<KeyRecord> AuthRepository::keys() {
  const auto& name = session_.preparedIn(
      instance_.schema, "auth_keys",
      "SELECT kid, purpose, secret, extract(epoch FROM created_at)::bigint,"
      " extract(epoch FROM retired_at)::bigint FROM {s}.auth_keys ORDER BY created_at, kid");
  auto r = session_.run([&](pqxx::transaction_base& tx) { return tx.exec_prepared(name); });
  std::vector<KeyRecord> out;
  for (const auto& row : r) {
    KeyRecord k{row[0].as<std::string>(), row[1].as<std::string>(), row[2].as<std::string>(), row[3].as<int64_t>(), {}};
    if (!row[4].is_null()) k.retiredAt = row[4].as<int64_t>();
    out.push_back(std::move(k));
  }
  return out;
}

void AuthRepository::insertKey(const KeyRecord& key) {
  const auto& name = session_.preparedIn(instance_.schema, "auth_insert_key",
                                         "INSERT INTO {s}.auth_keys (kid, purpose, secret) VALUES ($1, $2, $3)");
  session_.run([&](pqxx::transaction_base& tx) { return tx.exec_prepared(name, key.kid, key.purpose, key.secret); });
}

void AuthRepository::retireKeys() {
  const auto& name = session_.preparedIn(instance_.schema, "auth_retire_keys",
                                         "UPDATE {s}.auth_keys SET retired_at = now() WHERE retired_at IS NULL");
  session_.run([&](pqxx::transaction_base& tx) { return tx.exec_prepared(name); });
}

void AuthRepository::lockKeys() {
  // Two-key form: (instance id, a constant for "keys"), so it cannot collide with other locks.
  const auto& name = session_.prepared("auth_lock_keys", [] { return "SELECT pg_advisory_xact_lock($1::int, 4242)"; });
  session_.run([&](pqxx::transaction_base& tx) { return tx.exec_prepared(name, static_cast<int>(instance_.id)); });
}

bool AuthRepository::recordAssertionId(const std::string& clientId, const std::string& jti, int64_t expiresAt) {
  const auto& purge = session_.preparedIn(instance_.schema, "auth_purge_jtis",
                                          "DELETE FROM {s}.auth_assertion_jtis WHERE expires_at < now()");
  const auto& insert = session_.preparedIn(
      instance_.schema, "auth_insert_jti",
      "INSERT INTO {s}.auth_assertion_jtis (client_id, jti, expires_at) VALUES ($1, $2, to_timestamp($3))"
      " ON CONFLICT DO NOTHING");
  return session_.run([&](pqxx::transaction_base& tx) {
    tx.exec_prepared(purge);
    return tx.exec_prepared(insert, clientId, jti, expiresAt).affected_rows() == 1;
  });
}

}  // namespace flint::auth
