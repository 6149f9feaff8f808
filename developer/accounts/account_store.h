// SQL for developer accounts and their sign-in sessions (flint.developer_accounts, _sessions).
// Times are seconds since the epoch; codes and session tokens are stored only as hashes.
#pragma once

#include <cstdint>
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <vector>

namespace flint::developer {

struct AccountRow {
  long long id = 0;
  std::string email;
  std::string passwordHash;
  bool confirmed = false;
  std::string codeHash;  // empty: no code outstanding
  int64_t codeExpires = 0;
  int codeAttempts = 0;
  int failedLogins = 0;
  int64_t lockedUntil = 0;
  bool reviewer = false;
};

class AccountStore {
 public:
  explicit AccountStore(pqxx::transaction_base& tx) : tx_(tx) {}

  // Locked for the rest of the transaction, so attempts are counted one at a time.
  std::optional<AccountRow> byEmail(const std::string& email);
  std::optional<AccountRow> byId(long long id);
  long long create(const std::string& email, const std::string& passwordHash);
  void setCode(long long id, const std::string& codeHash, int64_t expires);
  void countCodeAttempt(long long id);
  void confirm(long long id);
  void recordSignIn(long long id, int failedLogins, int64_t lockedUntil);
  // False when there is no confirmed account with the address.
  bool setReviewer(const std::string& email, bool reviewer);
  std::vector<std::string> reviewers();

  void createSession(const std::string& tokenHash, long long accountId, int64_t expires);
  // The account of a session that has not expired.
  std::optional<AccountRow> bySession(const std::string& tokenHash);
  void deleteSession(const std::string& tokenHash);

 private:
  pqxx::transaction_base& tx_;
};

}  // namespace flint::developer
