#include "auth/storage/user_repository.h"

namespace flint::auth {
namespace {

constexpr const char* kColumns =
    "id, username, password_hash, kind, fhir_user, display_name, disabled, failed_logins,"
    " coalesce(extract(epoch FROM locked_until)::bigint, 0), practice_admin";

UserRecord userFrom(const pqxx::row& r) {
  return {r[0].as<int64_t>(), r[1].as<std::string>(), r[2].as<std::string>(), r[3].as<std::string>(),
          r[4].as<std::string>(), r[5].as<std::string>(), r[6].as<bool>(), r[7].as<int>(), r[8].as<int64_t>(),
          r[9].as<bool>()};
}

}  // namespace

std::optional<UserRecord> UserRepository::byUsername(const std::string& username) {
  const auto& name = session_.preparedIn(instance_.schema, "auth_user_by_name",
                                         (std::string("SELECT ") + kColumns + " FROM {s}.auth_users WHERE username = $1").c_str());
  auto r = session_.run([&](pqxx::transaction_base& tx) { return tx.exec_prepared(name, username); });
  if (r.empty()) return std::nullopt;
  return userFrom(r[0]);
}

std::optional<UserRecord> UserRepository::byId(int64_t id) {
  const auto& name = session_.preparedIn(instance_.schema, "auth_user_by_id",
                                         (std::string("SELECT ") + kColumns + " FROM {s}.auth_users WHERE id = $1").c_str());
  auto r = session_.run([&](pqxx::transaction_base& tx) { return tx.exec_prepared(name, id); });
  if (r.empty()) return std::nullopt;
  return userFrom(r[0]);
}

std::vector<UserRecord> UserRepository::all() {
  const auto& name = session_.preparedIn(instance_.schema, "auth_users_all",
                                         (std::string("SELECT ") + kColumns + " FROM {s}.auth_users ORDER BY id").c_str());
  auto r = session_.run([&](pqxx::transaction_base& tx) { return tx.exec_prepared(name); });
  std::vector<UserRecord> out;
  for (const auto& row : r) out.push_back(userFrom(row));
  return out;
}

int64_t UserRepository::insert(const UserRecord& u) {
  const auto& name = session_.preparedIn(
      instance_.schema, "auth_insert_user",
      "INSERT INTO {s}.auth_users (username, password_hash, kind, fhir_user, display_name, practice_admin)"
      " VALUES ($1, $2, $3, $4, $5, $6) RETURNING id");
  auto r = session_.run([&](pqxx::transaction_base& tx) {
    return tx.exec_prepared(name, u.username, u.passwordHash, u.kind, u.fhirUser, u.displayName, u.practiceAdmin);
  });
  return r[0][0].as<int64_t>();
}

void UserRepository::addPatient(int64_t userId, const std::string& patientId) {
  const auto& name = session_.preparedIn(
      instance_.schema, "auth_add_user_patient",
      "INSERT INTO {s}.auth_user_patients (user_id, patient_id) VALUES ($1, $2) ON CONFLICT DO NOTHING");
  session_.run([&](pqxx::transaction_base& tx) { return tx.exec_prepared(name, userId, patientId); });
}

std::vector<std::string> UserRepository::patients(int64_t userId) {
  const auto& name = session_.preparedIn(instance_.schema, "auth_user_patients",
                                         "SELECT patient_id FROM {s}.auth_user_patients WHERE user_id = $1 ORDER BY patient_id");
  auto r = session_.run([&](pqxx::transaction_base& tx) { return tx.exec_prepared(name, userId); });
  std::vector<std::string> out;
  for (const auto& row : r) out.push_back(row[0].as<std::string>());
  return out;
}

void UserRepository::recordFailedLogin(int64_t userId, int64_t lockUntil) {
  const auto& name = session_.preparedIn(
      instance_.schema, "auth_failed_login",
      "UPDATE {s}.auth_users SET failed_logins = failed_logins + 1,"
      " locked_until = CASE WHEN $2::bigint > 0 THEN to_timestamp($2) ELSE locked_until END WHERE id = $1");
  session_.run([&](pqxx::transaction_base& tx) { return tx.exec_prepared(name, userId, lockUntil); });
}

void UserRepository::clearFailedLogins(int64_t userId) {
  const auto& name = session_.preparedIn(instance_.schema, "auth_clear_failed_logins",
                                         "UPDATE {s}.auth_users SET failed_logins = 0, locked_until = NULL WHERE id = $1");
  session_.run([&](pqxx::transaction_base& tx) { return tx.exec_prepared(name, userId); });
}

void UserRepository::setPasswordHash(int64_t userId, const std::string& passwordHash) {
  const auto& name = session_.preparedIn(
      instance_.schema, "auth_set_password",
      "UPDATE {s}.auth_users SET password_hash = $2, failed_logins = 0, locked_until = NULL WHERE id = $1");
  session_.run([&](pqxx::transaction_base& tx) { return tx.exec_prepared(name, userId, passwordHash); });
}

void UserRepository::insertSession(const std::string& tokenSha256, int64_t userId, int64_t expiresAt) {
  const auto& name = session_.preparedIn(
      instance_.schema, "auth_insert_session",
      "INSERT INTO {s}.auth_sessions (token_sha256, user_id, expires_at) VALUES ($1, $2, to_timestamp($3))");
  session_.run([&](pqxx::transaction_base& tx) { return tx.exec_prepared(name, tokenSha256, userId, expiresAt); });
}

void UserRepository::deleteSession(const std::string& tokenSha256) {
  const auto& name =
      session_.preparedIn(instance_.schema, "auth_delete_session", "DELETE FROM {s}.auth_sessions WHERE token_sha256 = $1");
  session_.run([&](pqxx::transaction_base& tx) { return tx.exec_prepared(name, tokenSha256); });
}

std::optional<int64_t> UserRepository::sessionUser(const std::string& tokenSha256) {
  const auto& name = session_.preparedIn(
      instance_.schema, "auth_session_user",
      "SELECT s.user_id FROM {s}.auth_sessions s JOIN {s}.auth_users u ON u.id = s.user_id"
      " WHERE s.token_sha256 = $1 AND s.expires_at > now() AND NOT u.disabled");
  auto r = session_.run([&](pqxx::transaction_base& tx) { return tx.exec_prepared(name, tokenSha256); });
  if (r.empty()) return std::nullopt;
  return r[0][0].as<int64_t>();
}

}  // namespace flint::auth
