// Grants (what a client was given, for whom) and the short-lived states that lead to and renew
// them: pending authorization requests, authorization codes and refresh tokens. Codes and
// refresh tokens are taken atomically, so each works once however many requests race.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/db/session.h"
#include "core/instances/instance.h"

namespace flint::auth {

struct GrantRecord {
  int64_t id = 0;
  std::string clientId;
  int64_t userId = 0;  // 0: none (backend services)
  std::string patientId;
  std::string encounterId;
  std::string scope;
  bool revoked = false;
  int64_t refreshExpiresAt = 0;  // seconds since the epoch; 0: no refresh tokens
  bool ehrLaunch = false;
};

// An EHR launch context created by a staff user's session for one app.
struct LaunchRecord {
  std::string clientId;
  int64_t userId = 0;
  std::string patientId;  // empty: no patient in context (a companion's global app)
  std::string encounterId;
  // Made by the provider companion for an app the practice installed: no sign-in or consent page.
  bool companion = false;
};

// A grant as the user's management page shows it.
struct UserGrant {
  GrantRecord grant;
  std::string clientName;
  int64_t createdAt = 0;  // seconds since the epoch
  int64_t lastUsedAt = 0;
};

struct PendingRecord {
  std::string browserSha256;
  std::string request;  // the validated authorization request, as JSON
  int64_t userId = 0;   // 0 until the user has logged in
};

// A code or refresh token just taken: `firstUse` is false when it had been used before (a replay).
struct TakenCode {
  int64_t grantId = 0;
  std::string redirectUri;
  std::string codeChallenge;
  std::string nonce;
  bool expired = false;
  bool firstUse = true;
};

struct TakenRefreshToken {
  int64_t grantId = 0;
  bool expired = false;
  bool firstUse = true;
};

class GrantRepository {
 public:
  GrantRepository(db::Session& session, const instances::Instance& instance) : session_(session), instance_(instance) {}

  int64_t insertGrant(const GrantRecord& grant);
  std::optional<GrantRecord> grant(int64_t id);
  void touchGrant(int64_t id);
  void revokeGrant(int64_t id);
  // The user's grants that still give access: not revoked, and renewable or recent enough for
  // an access token to be alive.
  std::vector<UserGrant> activeGrantsOfUser(int64_t userId, int64_t accessTokenSeconds);

  void insertPending(const std::string& idSha256, const std::string& browserSha256, const std::string& request,
                     int64_t expiresAt);
  std::optional<PendingRecord> pending(const std::string& idSha256);
  void setPendingUser(const std::string& idSha256, int64_t userId);
  void deletePending(const std::string& idSha256);

  void insertCode(const std::string& codeSha256, int64_t grantId, const std::string& redirectUri,
                  const std::string& codeChallenge, const std::string& nonce, int64_t expiresAt);
  std::optional<TakenCode> takeCode(const std::string& codeSha256);

  void insertLaunch(const std::string& idSha256, const LaunchRecord& launch, int64_t expiresAt);
  // An unused, unexpired launch; `take` also marks it used, so it opens one authorization only.
  std::optional<LaunchRecord> launch(const std::string& idSha256, bool take);

  void insertRefreshToken(const std::string& tokenSha256, int64_t grantId, int64_t expiresAt);
  std::optional<TakenRefreshToken> takeRefreshToken(const std::string& tokenSha256);

 private:
  db::Session& session_;
  const instances::Instance& instance_;
};

}  // namespace flint::auth
