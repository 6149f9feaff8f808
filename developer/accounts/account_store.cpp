#include "developer/accounts/account_store.h"

namespace flint::developer {
namespace {

constexpr const char* kColumns =
    "a.id, a.email, a.password_hash, a.confirmed_at IS NOT NULL, coalesce(a.code_hash, ''),"
    " coalesce(extract(epoch FROM a.code_expires_at)::bigint, 0), a.code_attempts, a.failed_logins,"
    " coalesce(extract(epoch FROM a.locked_until)::bigint, 0), a.reviewer";

std::optional<AccountRow> accountFrom(const pqxx::result& r) {
  if (r.empty()) return std::nullopt;
  const auto& row = r[0];
  AccountRow a;
  a.id = row[0].as<long long>();
  a.email = row[1].as<std::string>();
  a.passwordHash = row[2].as<std::string>();
  a.confirmed = row[3].as<bool>();
  a.codeHash = row[4].as<std::string>();
  a.codeExpires = row[5].as<int64_t>();
  a.codeAttempts = row[6].as<int>();
  a.failedLogins = row[7].as<int>();
  a.lockedUntil = row[8].as<int64_t>();
  a.reviewer = row[9].as<bool>();
  return a;
}

}  // namespace

std::optional<AccountRow> AccountStore::byEmail(const std::string& email) {
  return accountFrom(tx_.exec_params(std::string("SELECT ") + kColumns +
                                         " FROM flint.developer_accounts a WHERE lower(a.email) = lower($1) FOR UPDATE",
                                     email));
}

std::optional<AccountRow> AccountStore::byId(long long id) {
  return accountFrom(tx_.exec_params(std::string("SELECT ") + kColumns + " FROM flint.developer_accounts a WHERE a.id = $1", id));
}

long long AccountStore::create(const std::string& email, const std::string& passwordHash) {
  return tx_
      .exec_params1("INSERT INTO flint.developer_accounts (email, password_hash) VALUES ($1, $2) RETURNING id", email,
                    passwordHash)[0]
      .as<long long>();
}

void AccountStore::setCode(long long id, const std::string& codeHash, int64_t expires) {
  tx_.exec_params0("UPDATE flint.developer_accounts SET code_hash = $2, code_expires_at = to_timestamp($3),"
                   " code_attempts = 0 WHERE id = $1",
                   id, codeHash, expires);
}

void AccountStore::countCodeAttempt(long long id) {
  tx_.exec_params0("UPDATE flint.developer_accounts SET code_attempts = code_attempts + 1 WHERE id = $1", id);
}

void AccountStore::confirm(long long id) {
  tx_.exec_params0("UPDATE flint.developer_accounts SET confirmed_at = now(), code_hash = NULL, code_expires_at = NULL,"
                   " code_attempts = 0 WHERE id = $1",
                   id);
}

void AccountStore::recordSignIn(long long id, int failedLogins, int64_t lockedUntil) {
  tx_.exec_params0("UPDATE flint.developer_accounts SET failed_logins = $2,"
                   " locked_until = CASE WHEN $3 > 0 THEN to_timestamp($3) END WHERE id = $1",
                   id, failedLogins, lockedUntil);
}

bool AccountStore::setReviewer(const std::string& email, bool reviewer) {
  return tx_.exec_params("UPDATE flint.developer_accounts SET reviewer = $2 WHERE lower(email) = lower($1)"
                         " AND confirmed_at IS NOT NULL",
                         email, reviewer)
             .affected_rows() == 1;
}

std::vector<std::string> AccountStore::reviewers() {
  std::vector<std::string> out;
  for (const auto& r : tx_.exec("SELECT email FROM flint.developer_accounts WHERE reviewer ORDER BY lower(email)"))
    out.push_back(r[0].as<std::string>());
  return out;
}

void AccountStore::createSession(const std::string& tokenHash, long long accountId, int64_t expires) {
  tx_.exec0("DELETE FROM flint.developer_sessions WHERE expires_at < now()");
  tx_.exec_params0("INSERT INTO flint.developer_sessions (token_hash, account_id, expires_at) VALUES ($1, $2, to_timestamp($3))",
                   tokenHash, accountId, expires);
}

std::optional<AccountRow> AccountStore::bySession(const std::string& tokenHash) {
  return accountFrom(tx_.exec_params(std::string("SELECT ") + kColumns +
                                         " FROM flint.developer_sessions s JOIN flint.developer_accounts a ON a.id = s.account_id"
                                         " WHERE s.token_hash = $1 AND s.expires_at > now()",
                                     tokenHash));
}

void AccountStore::deleteSession(const std::string& tokenHash) {
  tx_.exec_params0("DELETE FROM flint.developer_sessions WHERE token_hash = $1", tokenHash);
}

}  // namespace flint::developer
