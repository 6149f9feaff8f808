// SQL for access requests, the decisions on them and the Terms of Use they accepted
// (flint.developer_requests, developer_decisions, terms_of_use). Times are seconds since the epoch.
#pragma once

#include <cstdint>
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "core/json/json_value.h"

namespace flint::developer {

struct RequestRow {
  long long id = 0;
  long long accountId = 0;
  std::string accountEmail;
  std::string status;  // received, verified, denied, enabled, revoked
  std::string accessModel;
  json::Value details;
  std::string termsVersion;
  std::string domainToken;
  int64_t receivedAt = 0;
  std::optional<int64_t> verifiedAt, enabledAt, closedAt;
  std::string clientId;  // empty until enabled
  std::string sandboxClientId;  // empty until the app is in one of its developer's sandboxes
};

struct DecisionRow {
  std::string decision;  // domain-verified, verify, deny, enable, revoke
  std::string actor;
  std::string reason;
  std::string note;
  int64_t decidedAt = 0;
};

class RequestStore {
 public:
  explicit RequestStore(pqxx::transaction_base& tx) : tx_(tx) {}

  // The Terms of Use text by its SHA-256 (hex), kept once however many requests accept it.
  void keepTerms(const std::string& sha256, const std::string& version, const std::string& text);
  long long insert(long long accountId, const std::string& accessModel, const json::Value& details,
                   const std::string& termsSha256, const std::string& domainToken);
  std::vector<RequestRow> forAccount(long long accountId);
  // `forUpdate`: locked for the rest of the transaction, so decisions on it are made one at a time.
  std::optional<RequestRow> byId(long long id, bool forUpdate = false);
  // Requests whose deadlines still run (received or verified), oldest first.
  std::vector<RequestRow> open();
  // Enabled apps of one access model (patient-directed or population); `locked`, each held
  // (FOR SHARE) until the transaction ends, so a decision on one (which locks it FOR UPDATE)
  // waits for what is done with it, or is seen done first.
  std::vector<RequestRow> enabled(const std::string& accessModel, bool locked = false);
  // Moves the request to `status`, stamping the time that status records.
  void setStatus(long long id, const std::string& status);
  void setClientId(long long id, const std::string& clientId);
  void decide(long long id, const std::string& decision, const std::string& actor, const std::string& reason,
              const std::string& note);
  std::vector<DecisionRow> decisions(long long id);

 private:
  // The rows matching `where`, in which $1 is `key`.
  std::vector<RequestRow> select(const std::string& where, const std::string& key);
  pqxx::transaction_base& tx_;
};

}  // namespace flint::developer
