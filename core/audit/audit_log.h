// The audit trail: events are queued by request threads and written in batches (COPY) by one
// background thread, each instance's into its own audit_events table in a transaction of its own,
// so auditing costs a request no database round trip and one instance's fault touches that
// instance alone. Recording never blocks: an instance whose events cannot be written, or whose
// queue is full, stops `accepting` (its requests are refused) until its trail is written again;
// what was queued is kept and retried, never dropped.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <pqxx/pqxx>

#include "core/instances/instance.h"

namespace flint::audit {

struct AuditEvent {
  std::string instance;     // the instance's name
  std::string schema;       // and schema
  std::string databaseUrl;  // and the database holding it (its cluster's primary)
  std::chrono::system_clock::time_point at = std::chrono::system_clock::now();
  std::string kind;    // fhir | token | login | consent | revoke | manage | introspect | ...
  std::string action;  // e.g. "GET Observation", "authorization_code"
  int outcome = 0;     // HTTP status
  std::string clientId;
  int64_t userId = 0;
  std::string patientId;
  std::string target;  // e.g. "Observation/123", or the search's parameter names
  std::string detail;  // e.g. an OAuth error code
};

// An event for `instance`'s trail.
AuditEvent eventOf(const instances::Instance& instance);

class AuditLog {
 public:
  AuditLog();
  // Writes everything queued (an instance whose writes fail is retried for a few seconds, then
  // what could not be written is reported in the log), then stops.
  ~AuditLog();
  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;

  void record(AuditEvent event);
  // Whether `instance`'s trail takes events: false while its last write failed (until a retry
  // succeeds) or while its queue is full. Its requests are then refused rather than unrecorded.
  bool accepting(const instances::Instance& instance) const;
  // Blocks until everything recorded so far is written, except for instances whose writes fail.
  void flush();
  // Events waiting to be written, and the instances whose trail cannot be written, by name (/metrics).
  std::map<std::string, size_t> queuedByInstance() const;
  std::vector<std::string> failingInstances() const;

 private:
  // One instance's trail: its table's database and schema, and what waits for it.
  struct Trail {
    std::string instance, schema, databaseUrl;
    std::deque<AuditEvent> queue;
    uint64_t recorded = 0, written = 0;
    bool failing = false;
    std::chrono::steady_clock::time_point retryAt;
  };
  static std::string keyOf(const std::string& databaseUrl, const std::string& schema);
  void run();
  // Writes one trail's events in a transaction of its own; why not, when they could not be.
  static std::optional<std::string> write(const Trail& trail, const std::deque<AuditEvent>& events);
  // Takes the events due to be written now (every trail's at shutdown), keyed by trail: of the
  // trails holding at least `atLeast` (1 or more).
  std::vector<std::pair<std::string, std::deque<AuditEvent>>> takeDue(bool all, size_t atLeast);
  // Counts written events, or puts back those that could not be written (`error`), ahead of those
  // recorded since, and refuses the instance until a retry succeeds.
  void settle(const std::string& key, std::deque<AuditEvent> events, const std::optional<std::string>& error);

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable drained_;
  std::map<std::string, Trail> trails_;
  bool stopping_ = false;
  bool batchReady_ = false;  // a trail holds a full batch: written without waiting for the interval
  std::thread thread_;
};

}  // namespace flint::audit
