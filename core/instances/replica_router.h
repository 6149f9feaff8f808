// Where an instance's reads run: one of its cluster's streaming replicas that is up, lags less
// than a bound and has replayed the caller's last write (the commit LSN a write's response
// carried), else the primary. A thread of its own polls every replica it has been asked about
// (and its primary's WAL position) a few times a second, so choosing never waits on the network.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <pqxx/pqxx>

#include "core/db/session.h"
#include "core/instances/instance.h"

namespace flint::instances {

// A WAL position ("16/B374D848") as a number; nullopt for text that is none.
std::optional<uint64_t> parseLsn(std::string_view text);
std::string formatLsn(uint64_t lsn);
// The position a client is told its write is at (X-Flint-LSN), with the cluster it is on:
// "b:16/B374D848".
std::string formatWritePosition(const Instance& instance, uint64_t lsn);
// Such a position presented to read `instance`: the WAL position when it is of the instance's
// cluster (or names none), else 0 (written before the instance moved, which its read floor covers).
uint64_t writePositionFor(const Instance& instance, std::string_view text);
// The WAL position at or after every commit made on `primary` so far: the insert position, since
// with asynchronous commit what is written may lag behind a commit already acknowledged.
uint64_t committedPosition(db::Session& primary);

struct ReplicaSettings {
  std::chrono::milliseconds maxLag{1000};  // a replica further behind its primary is skipped
  std::chrono::milliseconds wait{100};     // how long a read may wait for a replica to replay its LSN
  std::chrono::milliseconds poll{100};
};

class ReplicaRouter {
 public:
  explicit ReplicaRouter(ReplicaSettings settings);
  ~ReplicaRouter();
  ReplicaRouter(const ReplicaRouter&) = delete;
  ReplicaRouter& operator=(const ReplicaRouter&) = delete;

  // A replica to read `instance` from that has replayed `afterLsn` (0: any) and the instance's
  // read floor as last polled, else the primary. Never blocks: for reactor threads.
  std::string readUrl(const Instance& instance, uint64_t afterLsn);
  // The same, but when the only replicas in bounds have not replayed `afterLsn` yet, waits up to
  // the configured bound for one (asking it directly), then settles for the primary. Workers only.
  std::string readUrlWaiting(const Instance& instance, uint64_t afterLsn);
  // A read on `replicaUrl` found it unreachable: skipped until a poll finds it back.
  void reportDown(const std::string& replicaUrl);

 private:
  struct Replica {
    std::string url;
    std::atomic<bool> up{false};
    std::atomic<uint64_t> replayed{0};
    std::atomic<int64_t> lagMs{0};
  };
  struct Cluster {
    std::string primaryUrl;
    std::vector<std::unique_ptr<Replica>> replicas;
    std::vector<std::pair<std::chrono::steady_clock::time_point, uint64_t>> samples;  // the primary's LSN, oldest first
    std::atomic<size_t> next{0};  // round robin
  };
  // The instance's cluster as tracked (added on first sight); null when it has no replicas.
  Cluster* clusterOf(const Instance& instance);
  // Replicas in bounds (up, lag within maxLag) whose replay reached `afterLsn`, or that only
  // lack the LSN (`behind`).
  Replica* choose(Cluster& cluster, uint64_t afterLsn, Replica** behind);
  void run();
  void poll(Cluster& cluster);

  ReplicaSettings settings_;
  std::shared_mutex mutex_;
  std::map<std::string, std::unique_ptr<Cluster>> clusters_;  // by primary and replica URLs
  std::mutex stopMutex_;
  std::condition_variable stopped_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace flint::instances
