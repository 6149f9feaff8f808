// SQL for developers' sandboxes (flint.developer_sandboxes) and their apps' sandbox-only client
// ids. Times are seconds since the epoch.
#pragma once

#include <cstdint>
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <vector>

namespace flint::developer {

struct SandboxRow {
  long long id = 0;
  long long accountId = 0;
  std::string accountEmail;
  std::string name;  // the instance's: sandbox-<what the developer chose>
  std::optional<long long> instanceId;
  int patients = 0;
  std::string status;  // creating, active, expired, deleted, failed
  int64_t createdAt = 0;
  int64_t expiresAt = 0;
  std::optional<int64_t> remindedAt;
};

class SandboxStore {
 public:
  explicit SandboxStore(pqxx::transaction_base& tx) : tx_(tx) {}

  // Locks the account for the rest of the transaction, so sandboxes are counted one at a time.
  int lockAndCountOpen(long long accountId);
  // nullopt when the name is taken.
  std::optional<long long> insert(long long accountId, const std::string& name, int patients, int lifetimeDays);
  void setInstance(long long id, long long instanceId);
  // Moves the sandbox to `status`, closing it unless it becomes active.
  void setStatus(long long id, const std::string& status);
  void setReminded(long long id);
  std::vector<SandboxRow> forAccount(long long accountId);
  std::optional<SandboxRow> byName(const std::string& name);
  // Active sandboxes expiring before `epoch`, locked (others' sweeps skip them).
  std::vector<SandboxRow> activeExpiringBefore(int64_t epoch, bool unremindedOnly);
  // The app's sandbox client id, made up once.
  std::string sandboxClientId(long long requestId);

 private:
  std::vector<SandboxRow> select(const std::string& where, const std::string& key);
  pqxx::transaction_base& tx_;
};

}  // namespace flint::developer
