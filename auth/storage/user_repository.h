// Users of an instance's authorization server (patients and staff), their login throttling and
// browser sessions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/db/session.h"
#include "core/instances/instance.h"

namespace flint::auth {

struct UserRecord {
  int64_t id = 0;
  std::string username;
  std::string passwordHash;
  std::string kind;      // patient | staff
  std::string fhirUser;  // Patient/123 or Practitioner/456
  std::string displayName;
  bool disabled = false;
  int failedLogins = 0;
  int64_t lockedUntil = 0;  // seconds since the epoch; 0 when not locked
  // Staff who decide which population apps the practice authorises (/{instance}/auth/practice-apps).
  bool practiceAdmin = false;
};

class UserRepository {
 public:
  UserRepository(db::Session& session, const instances::Instance& instance) : session_(session), instance_(instance) {}

  db::Session& session() { return session_; }
  std::optional<UserRecord> byUsername(const std::string& username);
  std::optional<UserRecord> byId(int64_t id);
  std::vector<UserRecord> all();
  // Throws pqxx::unique_violation when the username is taken.
  int64_t insert(const UserRecord& user);
  void addPatient(int64_t userId, const std::string& patientId);
  // Patients the user may act for besides a patient user's own record.
  std::vector<std::string> patients(int64_t userId);

  // A failed login; locks the account until `lockUntil` (seconds since the epoch) when non-zero.
  void recordFailedLogin(int64_t userId, int64_t lockUntil);
  void clearFailedLogins(int64_t userId);
  // A new password (its hash), which also lifts a lockout.
  void setPasswordHash(int64_t userId, const std::string& passwordHash);

  void insertSession(const std::string& tokenSha256, int64_t userId, int64_t expiresAt);
  std::optional<int64_t> sessionUser(const std::string& tokenSha256);
  void deleteSession(const std::string& tokenSha256);

 private:
  db::Session& session_;
  const instances::Instance& instance_;
};

}  // namespace flint::auth
