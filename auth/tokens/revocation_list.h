// Revoked grants, tokens and clients, as every server process must see them within a second:
// a background thread follows the flint.revocations log (in commit order, by transaction id),
// so checking a token stays in memory.
// If the log cannot be read for a while, the list reports itself stale and callers fail closed.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <map>
#include <memory>
#include <shared_mutex>
#include <string>
#include <thread>
#include <tuple>

#include <pqxx/pqxx>

#include "auth/tokens/access_token.h"

namespace flint::auth {

enum class RevocationKind { Grant, Token, Client };

class RevocationList {
 public:
  explicit RevocationList(std::string databaseUrl);
  ~RevocationList();
  RevocationList(const RevocationList&) = delete;
  RevocationList& operator=(const RevocationList&) = delete;

  bool isRevoked(const AccessTokenClaims& claims) const;
  // False when the log has not been read successfully within the last two seconds.
  bool isCurrent() const;
  // Milliseconds since the log was last read successfully (what a revocation elsewhere may wait
  // at most, beyond the poll interval, before this process refuses its tokens).
  int64_t millisSinceRead() const;

  // Records a revocation in the control database for every process (and this one at once).
  // `until`: seconds since the epoch after which no token it concerns can still be valid. Callers
  // revoke before changing the instance's own records (which may live on another cluster), so a
  // failure in between leaves the tokens refused, never working.
  void revoke(long long instanceId, RevocationKind kind, const std::string& subject, int64_t until);
  // The same record, for a process that follows no list (a command): every server process
  // refuses what it revokes within a second.
  static void record(pqxx::connection& conn, long long instanceId, RevocationKind kind, const std::string& subject,
                     int64_t until);

 private:
  void poll();
  void run();

  std::string databaseUrl_;
  mutable std::shared_mutex mutex_;
  // (instance, kind, subject) → when the last token it concerns expires (seconds since the epoch)
  std::map<std::tuple<long long, int, std::string>, int64_t> revoked_;
  std::atomic<bool> any_{false};  // lets the common case (nothing revoked) skip the lock
  // Every revocation not read yet was written by a transaction whose id is at least this.
  uint64_t horizon_ = 0;
  int pollsSincePurge_ = 0;
  std::atomic<int64_t> lastSuccessMs_{0};
  std::mutex stopMutex_;
  std::condition_variable stopSignal_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace flint::auth
