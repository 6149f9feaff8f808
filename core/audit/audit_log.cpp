#include "core/audit/audit_log.h"

#include <ctime>
#include <iostream>
#include <optional>
#include <map>
#include <set>
#include <vector>

#include "core/db/session_pool.h"
#include "core/text/storable_text.h"

namespace flint::audit {
namespace {

constexpr size_t kMaxQueued = 100000;
constexpr auto kBatchInterval = std::chrono::milliseconds(200);

std::string timestamp(std::chrono::system_clock::time_point at) {
  auto micros = std::chrono::duration_cast<std::chrono::microseconds>(at.time_since_epoch()).count();
  std::time_t seconds = micros / 1000000;
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buffer[40];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%d %H:%M:%S", &tm);
  char fraction[16];
  std::snprintf(fraction, sizeof fraction, ".%06lld+00", static_cast<long long>(micros % 1000000));
  return std::string(buffer) + fraction;
}

std::optional<std::string> orNull(const std::string& s) { return s.empty() ? std::nullopt : std::optional(s); }

}  // namespace

AuditEvent eventOf(const instances::Instance& instance) {
  AuditEvent event;
  event.schema = instance.schema;
  event.databaseUrl = instance.auditDatabaseUrl.empty() ? instance.databaseUrl : instance.auditDatabaseUrl;
  return event;
}

AuditLog::AuditLog() {
  thread_ = std::thread([this] { run(); });
}

AuditLog::~AuditLog() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void AuditLog::record(AuditEvent event) {
  // Text from a request (a path with invalid UTF-8 or NUL) would fail its whole batch on every
  // retry, stalling the trail and, once the queue is full, every request.
  for (std::string* field :
       {&event.kind, &event.action, &event.clientId, &event.patientId, &event.target, &event.detail})
    if (!text::isStorableText(*field)) *field = text::storableText(*field);
  std::unique_lock lock(mutex_);
  drained_.wait(lock, [this] { return queue_.size() < kMaxQueued || stopping_; });
  queue_.push_back(std::move(event));
  ++recorded_;
}

void AuditLog::flush() {
  std::unique_lock lock(mutex_);
  const uint64_t target = recorded_;
  wake_.notify_all();
  drained_.wait(lock, [&] { return written_ >= target; });
}

void AuditLog::run() {
  for (;;) {
    std::deque<AuditEvent> batch;
    bool stop;
    {
      std::unique_lock lock(mutex_);
      wake_.wait_for(lock, kBatchInterval, [this] { return stopping_; });
      batch.swap(queue_);
      stop = stopping_;
    }
    size_t count = batch.size();
    if (count > 0) {
      // Events that could not be written are retried from the front of the queue, so a database
      // hiccup loses nothing; those of other databases are written all the same, once.
      auto failed = write(batch);
      if (!failed.empty()) {
        count -= failed.size();
        std::lock_guard lock(mutex_);
        written_ += count;
        for (auto it = failed.rbegin(); it != failed.rend(); ++it) queue_.push_front(std::move(*it));
        if (stop) return;
        continue;
      }
    }
    {
      std::lock_guard lock(mutex_);
      written_ += count;
    }
    drained_.notify_all();
    if (stop) {
      std::lock_guard lock(mutex_);
      if (queue_.empty()) return;
    }
  }
}

std::deque<AuditEvent> AuditLog::write(std::deque<AuditEvent>& batch) {
  std::map<std::string, std::map<std::string, std::vector<const AuditEvent*>>> byDatabase;
  for (const auto& e : batch) byDatabase[e.databaseUrl][e.schema].push_back(&e);
  std::set<std::string> failedDatabases;
  for (const auto& [url, bySchema] : byDatabase) {
    try {
      db::SessionScope scope;
      writeTo(db::Session::forThisThread(url).connection(), bySchema);
    } catch (const std::exception& e) {
      failedDatabases.insert(url);
      std::cerr << "audit events could not be written to one database; retrying: " << typeid(e).name() << "\n";
    }
  }
  std::deque<AuditEvent> failed;
  if (!failedDatabases.empty())
    for (auto& e : batch)
      if (failedDatabases.count(e.databaseUrl) != 0) failed.push_back(std::move(e));
  return failed;
}

void AuditLog::writeTo(pqxx::connection& conn,
                       const std::map<std::string, std::vector<const AuditEvent*>>& bySchema) {
  pqxx::work tx(conn);
  for (const auto& [schema, events] : bySchema) {
    pqxx::stream_to out(tx, db::quoteIdentifier(schema) + ".audit_events",
                        std::vector<std::string>{"at", "kind", "action", "outcome", "client_id", "user_id", "patient_id",
                                                 "target", "detail"});
    for (const AuditEvent* e : events)
      out << std::make_tuple(timestamp(e->at), e->kind, e->action, e->outcome, orNull(e->clientId),
                             e->userId ? std::optional<int64_t>(e->userId) : std::nullopt, orNull(e->patientId),
                             orNull(e->target), orNull(e->detail));
    out.complete();
  }
  tx.commit();
}

}  // namespace flint::audit
