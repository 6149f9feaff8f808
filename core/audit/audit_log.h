// The audit trail: events are queued by request threads and written in batches (COPY) by one
// background thread into the instance's audit_events table on its cluster, so auditing costs a
// request no database round trip. The queue is bounded: when the database falls behind, requests
// wait rather than events being lost.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include <pqxx/pqxx>

#include "core/instances/instance.h"

namespace flint::audit {

struct AuditEvent {
  std::string schema;       // the instance's schema
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
  ~AuditLog();  // writes what is queued, then stops
  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;

  void record(AuditEvent event);
  // Blocks until everything recorded so far is written (tests, shutdown).
  void flush();

 private:
  void run();
  // Writes each database's events in a transaction of their own; returns those not written.
  std::deque<AuditEvent> write(std::deque<AuditEvent>& batch);
  void writeTo(pqxx::connection& conn, const std::map<std::string, std::vector<const AuditEvent*>>& bySchema);

  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable drained_;
  std::deque<AuditEvent> queue_;
  uint64_t recorded_ = 0;
  uint64_t written_ = 0;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace flint::audit
