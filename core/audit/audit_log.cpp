#include "core/audit/audit_log.h"

#include <ctime>
#include <optional>
#include <map>
#include <vector>

#include "core/db/session_pool.h"
#include "core/log/log.h"
#include "core/text/storable_text.h"

namespace flint::audit {
namespace {

// Per instance: beyond it the instance's requests are refused until its trail catches up.
constexpr size_t kMaxQueued = 50000;
constexpr auto kBatchInterval = std::chrono::milliseconds(200);
// A trail holding this many events is written at once: a busy instance's writes then come as many
// short COPYs rather than one long one every interval, which on a small machine holds a core long
// enough for the reads queued behind it to wait past their bound.
constexpr size_t kBatchEvents = 256;
constexpr auto kRetryInterval = std::chrono::seconds(1);
// How long the last write at shutdown retries an instance whose writes fail.
constexpr auto kShutdownGrace = std::chrono::seconds(5);

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

// The database holding the instance's trail: its cluster's primary, or where a move sends it.
const std::string& trailDatabaseOf(const instances::Instance& instance) {
  return instance.auditDatabaseUrl.empty() ? instance.databaseUrl : instance.auditDatabaseUrl;
}

}  // namespace

AuditEvent eventOf(const instances::Instance& instance) {
  AuditEvent event;
  event.instance = instance.name;
  event.schema = instance.schema;
  event.databaseUrl = trailDatabaseOf(instance);
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

std::string AuditLog::keyOf(const std::string& databaseUrl, const std::string& schema) {
  return databaseUrl + '\n' + schema;
}

void AuditLog::record(AuditEvent event) {
  // Text from a request (a path with invalid UTF-8 or NUL) would fail its whole batch on every
  // retry, stalling the instance's trail.
  for (std::string* field :
       {&event.kind, &event.action, &event.clientId, &event.patientId, &event.target, &event.detail})
    if (!text::isStorableText(*field)) *field = text::storableText(*field);
  std::lock_guard lock(mutex_);
  auto& trail = trails_[keyOf(event.databaseUrl, event.schema)];
  if (trail.schema.empty()) {
    trail.instance = event.instance;
    trail.schema = event.schema;
    trail.databaseUrl = event.databaseUrl;
  }
  // Never refused here: the request has happened. Requests of an instance whose queue is full
  // are refused before they run (accepting), so the queue exceeds its bound by those in flight.
  trail.queue.push_back(std::move(event));
  ++trail.recorded;
  // A failing trail waits for its retry time whatever it holds.
  if (!trail.failing && trail.queue.size() >= kBatchEvents && !batchReady_) {
    batchReady_ = true;
    wake_.notify_one();
  }
}

bool AuditLog::accepting(const instances::Instance& instance) const {
  const std::string key = keyOf(trailDatabaseOf(instance), instance.schema);
  std::lock_guard lock(mutex_);
  auto it = trails_.find(key);
  return it == trails_.end() || (!it->second.failing && it->second.queue.size() < kMaxQueued);
}

void AuditLog::flush() {
  std::unique_lock lock(mutex_);
  std::map<std::string, uint64_t> targets;
  for (const auto& [key, trail] : trails_) targets[key] = trail.recorded;
  wake_.notify_all();
  drained_.wait(lock, [&] {
    for (const auto& [key, target] : targets) {
      const Trail& trail = trails_.at(key);
      if (trail.written < target && !trail.failing) return false;
    }
    return true;
  });
}

std::map<std::string, size_t> AuditLog::queuedByInstance() const {
  std::lock_guard lock(mutex_);
  std::map<std::string, size_t> out;
  for (const auto& [key, trail] : trails_)
    if (!trail.queue.empty()) out[trail.instance] += trail.queue.size();
  return out;
}

std::vector<std::string> AuditLog::failingInstances() const {
  std::lock_guard lock(mutex_);
  std::vector<std::string> out;
  for (const auto& [key, trail] : trails_)
    if (trail.failing) out.push_back(trail.instance);
  return out;
}

std::vector<std::pair<std::string, std::deque<AuditEvent>>> AuditLog::takeDue(bool all, size_t atLeast) {
  const auto now = std::chrono::steady_clock::now();
  std::vector<std::pair<std::string, std::deque<AuditEvent>>> due;
  std::lock_guard lock(mutex_);
  for (auto& [key, trail] : trails_) {
    if (trail.queue.size() < atLeast || (trail.failing && trail.retryAt > now && !all)) continue;
    due.emplace_back(key, std::move(trail.queue));
    trail.queue.clear();
  }
  return due;
}

void AuditLog::settle(const std::string& key, std::deque<AuditEvent> events, const std::optional<std::string>& error) {
  std::lock_guard lock(mutex_);
  Trail& trail = trails_.at(key);
  if (!error) {
    if (trail.failing) log::info("audit trail written again; the instance is served", {{"instance", trail.instance}});
    trail.written += events.size();
    trail.failing = false;
    return;
  }
  if (!trail.failing)
    log::error("audit events not written; the instance is refused until they are",
               {{"instance", trail.instance}, {"events", std::to_string(events.size())}, {"error", *error}});
  trail.failing = true;
  trail.retryAt = std::chrono::steady_clock::now() + kRetryInterval;
  for (auto it = events.rbegin(); it != events.rend(); ++it) trail.queue.push_front(std::move(*it));
}

void AuditLog::run() {
  std::optional<std::chrono::steady_clock::time_point> giveUpAt;
  auto nextRound = std::chrono::steady_clock::now() + kBatchInterval;
  for (;;) {
    bool stop;
    {
      std::unique_lock lock(mutex_);
      wake_.wait_until(lock, nextRound, [this] { return stopping_ || batchReady_; });
      batchReady_ = false;
      stop = stopping_;
    }
    if (stop && !giveUpAt) giveUpAt = std::chrono::steady_clock::now() + kShutdownGrace;
    // Every trail is written each interval; in between, only those holding a full batch.
    const auto now = std::chrono::steady_clock::now();
    const bool round = stop || now >= nextRound;
    if (round) nextRound = now + kBatchInterval;
    bool failed = false;
    for (auto& [key, events] : takeDue(stop, round ? 1 : kBatchEvents)) {
      Trail trail;
      {
        std::lock_guard lock(mutex_);
        const Trail& t = trails_.at(key);
        trail.instance = t.instance;
        trail.schema = t.schema;
        trail.databaseUrl = t.databaseUrl;
      }
      const auto error = write(trail, events);
      failed = failed || error.has_value();
      settle(key, std::move(events), error);
    }
    drained_.notify_all();
    if (!stop) continue;
    if (!failed) return;
    if (std::chrono::steady_clock::now() >= *giveUpAt) {
      for (const auto& [instance, count] : queuedByInstance())
        log::error("audit events not written at shutdown", {{"instance", instance}, {"events", std::to_string(count)}});
      return;
    }
    std::this_thread::sleep_for(kBatchInterval);
  }
}

std::optional<std::string> AuditLog::write(const Trail& trail, const std::deque<AuditEvent>& events) {
  try {
    db::SessionScope scope;
    pqxx::work tx(db::Session::forThisThread(trail.databaseUrl).connection());
    pqxx::stream_to out(tx, db::quoteIdentifier(trail.schema) + ".audit_events",
                        std::vector<std::string>{"at", "kind", "action", "outcome", "client_id", "user_id", "patient_id",
                                                 "target", "detail"});
    for (const AuditEvent& e : events)
      out << std::make_tuple(timestamp(e.at), e.kind, e.action, e.outcome, orNull(e.clientId),
                             e.userId ? std::optional<int64_t>(e.userId) : std::nullopt, orNull(e.patientId),
                             orNull(e.target), orNull(e.detail));
    out.complete();
    tx.commit();
    return std::nullopt;
  } catch (const std::exception& e) {
    return log::redacted(e.what());
  }
}

}  // namespace flint::audit
