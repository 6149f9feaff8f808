#include "core/instances/replica_router.h"

#include <algorithm>
#include <cstdio>

#include "core/db/session_pool.h"

namespace flint::instances {
namespace {

// The poller's connections give up quickly on a server that does not answer.
std::string withConnectTimeout(const std::string& url) {
  if (url.find("://") == std::string::npos) return url + " connect_timeout=1";
  return url + (url.find('?') == std::string::npos ? "?" : "&") + "connect_timeout=1";
}

std::string keyOf(const Instance& instance) {
  std::string key = instance.databaseUrl;
  for (const auto& url : instance.replicaUrls) key += "\n" + url;
  return key;
}

}  // namespace

std::optional<uint64_t> parseLsn(std::string_view text) {
  const size_t slash = text.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash > 8 || text.size() - slash - 1 == 0 ||
      text.size() - slash - 1 > 8)
    return std::nullopt;
  uint64_t high = 0, low = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if (i == slash) continue;
    const char c = text[i];
    int digit;
    if (c >= '0' && c <= '9') digit = c - '0';
    else if (c >= 'A' && c <= 'F') digit = c - 'A' + 10;
    else if (c >= 'a' && c <= 'f') digit = c - 'a' + 10;
    else return std::nullopt;
    uint64_t& part = i < slash ? high : low;
    part = part * 16 + static_cast<uint64_t>(digit);
  }
  return (high << 32) | low;
}

std::string formatWritePosition(const Instance& instance, uint64_t lsn) {
  return instance.cluster + ":" + formatLsn(lsn);
}

uint64_t writePositionFor(const Instance& instance, std::string_view text) {
  const size_t colon = text.find(':');
  if (colon != std::string_view::npos) {
    if (text.substr(0, colon) != instance.cluster) return 0;
    text.remove_prefix(colon + 1);
  }
  return parseLsn(text).value_or(0);
}

std::string formatLsn(uint64_t lsn) {
  char text[24];
  std::snprintf(text, sizeof text, "%X/%X", static_cast<unsigned>(lsn >> 32), static_cast<unsigned>(lsn & 0xffffffffu));
  return text;
}

uint64_t committedPosition(db::Session& primary) {
  const auto lsn = primary.run([](pqxx::transaction_base& tx) {
    return tx.exec1("SELECT pg_current_wal_insert_lsn()::text")[0].as<std::string>();
  });
  return parseLsn(lsn).value_or(0);
}

ReplicaRouter::ReplicaRouter(ReplicaSettings settings) : settings_(settings) {
  thread_ = std::thread([this] { run(); });
}

ReplicaRouter::~ReplicaRouter() {
  {
    std::lock_guard lock(stopMutex_);
    stopping_ = true;
  }
  stopped_.notify_all();
  thread_.join();
}

ReplicaRouter::Cluster* ReplicaRouter::clusterOf(const Instance& instance) {
  if (instance.replicaUrls.empty()) return nullptr;
  const std::string key = keyOf(instance);
  {
    std::shared_lock lock(mutex_);
    if (auto it = clusters_.find(key); it != clusters_.end()) return it->second.get();
  }
  std::unique_lock lock(mutex_);
  auto& cluster = clusters_[key];
  if (!cluster) {
    cluster = std::make_unique<Cluster>();
    cluster->primaryUrl = instance.databaseUrl;
    for (const auto& url : instance.replicaUrls) {
      cluster->replicas.push_back(std::make_unique<Replica>());
      cluster->replicas.back()->url = url;
    }
  }
  return cluster.get();
}

ReplicaRouter::Replica* ReplicaRouter::choose(Cluster& cluster, uint64_t afterLsn, Replica** behind) {
  const size_t count = cluster.replicas.size();
  const size_t start = cluster.next.fetch_add(1, std::memory_order_relaxed);
  for (size_t i = 0; i < count; ++i) {
    Replica& replica = *cluster.replicas[(start + i) % count];
    if (!replica.up.load() || replica.lagMs.load() > settings_.maxLag.count()) continue;
    if (replica.replayed.load() >= afterLsn) return &replica;
    if (behind != nullptr && *behind == nullptr) *behind = &replica;
  }
  return nullptr;
}

std::string ReplicaRouter::readUrl(const Instance& instance, uint64_t afterLsn) {
  Cluster* cluster = clusterOf(instance);
  if (cluster == nullptr) return instance.databaseUrl;
  afterLsn = std::max(afterLsn, instance.readFloorLsn);
  Replica* replica = choose(*cluster, afterLsn, nullptr);
  return replica != nullptr ? replica->url : instance.databaseUrl;
}

std::string ReplicaRouter::readUrlWaiting(const Instance& instance, uint64_t afterLsn) {
  Cluster* cluster = clusterOf(instance);
  if (cluster == nullptr) return instance.databaseUrl;
  afterLsn = std::max(afterLsn, instance.readFloorLsn);
  Replica* behind = nullptr;
  if (Replica* replica = choose(*cluster, afterLsn, &behind)) return replica->url;
  if (behind == nullptr) return instance.databaseUrl;
  // Replay usually catches up within milliseconds of a commit; ask the replica itself.
  const auto deadline = std::chrono::steady_clock::now() + settings_.wait;
  try {
    auto& session = db::Session::forThisThread(behind->url);
    for (;;) {
      const auto replayed = session.run([](pqxx::transaction_base& tx) {
        return tx.exec1("SELECT pg_last_wal_replay_lsn()::text")[0].as<std::string>();
      });
      if (parseLsn(replayed).value_or(0) >= afterLsn) return behind->url;
      if (std::chrono::steady_clock::now() >= deadline) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  } catch (const pqxx::broken_connection&) {
    reportDown(behind->url);
  }
  return instance.databaseUrl;
}

void ReplicaRouter::reportDown(const std::string& replicaUrl) {
  std::shared_lock lock(mutex_);
  for (auto& [key, cluster] : clusters_)
    for (auto& replica : cluster->replicas)
      if (replica->url == replicaUrl) replica->up = false;
}

void ReplicaRouter::run() {
  for (;;) {
    {
      std::unique_lock lock(stopMutex_);
      if (stopped_.wait_for(lock, settings_.poll, [this] { return stopping_; })) return;
    }
    std::vector<Cluster*> clusters;
    {
      std::shared_lock lock(mutex_);
      for (auto& [key, cluster] : clusters_) clusters.push_back(cluster.get());
    }
    for (Cluster* cluster : clusters) poll(*cluster);
  }
}

void ReplicaRouter::poll(Cluster& cluster) {
  // One position query per server: the primary's WAL position, each replica's replay position.
  auto position = [this](const std::string& url, const char* sql) -> std::optional<uint64_t> {
    try {
      db::PooledSession session(withConnectTimeout(url));
      pqxx::nontransaction tx(session->connection());
      const auto row = tx.exec1(sql);
      if (row[0].is_null()) return std::nullopt;
      return parseLsn(row[0].as<std::string>());
    } catch (const std::exception&) {
      return std::nullopt;
    }
  };
  const auto now = std::chrono::steady_clock::now();
  if (auto lsn = position(cluster.primaryUrl, "SELECT pg_current_wal_insert_lsn()::text")) {
    if (cluster.samples.empty() || cluster.samples.back().second != *lsn) cluster.samples.emplace_back(now, *lsn);
  }
  // Samples older than the bound say nothing more than that a replica is beyond it.
  while (cluster.samples.size() > 1 && now - cluster.samples[1].first > 2 * settings_.maxLag)
    cluster.samples.erase(cluster.samples.begin());
  for (auto& replica : cluster.replicas) {
    const auto replayed = position(replica->url, "SELECT pg_last_wal_replay_lsn()::text");
    if (!replayed) {
      replica->up = false;
      continue;
    }
    // Behind since the oldest position of the primary it has not replayed yet.
    int64_t lag = 0;
    for (const auto& [at, lsn] : cluster.samples)
      if (lsn > *replayed) {
        lag = std::chrono::duration_cast<std::chrono::milliseconds>(now - at).count();
        break;
      }
    replica->replayed = *replayed;
    replica->lagMs = lag;
    replica->up = true;
  }
}

}  // namespace flint::instances
