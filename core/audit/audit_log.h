// The audit trail: events are queued by request threads and written in batches (COPY) by one
// background thread into the instance's audit_events table, so auditing costs a request no
// database round trip. The queue is bounded: when the database falls behind, requests wait
// rather than events being lost.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include <pqxx/pqxx>

namespace flint::audit {

struct AuditEvent {
  std::string schema;  // the instance's schema
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

class AuditLog {
 public:
  explicit AuditLog(std::string databaseUrl);
  ~AuditLog();  // writes what is queued, then stops
  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;

  void record(AuditEvent event);
  // Blocks until everything recorded so far is written (tests, shutdown).
  void flush();

 private:
  void run();
  void write(std::deque<AuditEvent>& batch);

  std::string databaseUrl_;
  std::unique_ptr<pqxx::connection> conn_;
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
