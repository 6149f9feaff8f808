// Looks up instances by name for every request, caching answers for a short time so that a
// change made by another server process (created, disabled) shows within a second, and the
// freeze and switch of an instance being moved within a tenth of one. Answers in use are
// reloaded ahead of their expiry (refreshAhead), so that busy instances never miss.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "core/instances/instance.h"

namespace flint::instances {

// How long a moving instance is cached (see Instance::moving).
inline constexpr std::chrono::milliseconds kMovingTtl{100};

class InstanceCache {
 public:
  explicit InstanceCache(std::string databaseUrl, std::chrono::milliseconds ttl = std::chrono::milliseconds(1000))
      : databaseUrl_(std::move(databaseUrl)), ttl_(ttl) {}

  // The enabled instance of that name, if any. Shared, so a request costs no copy of it.
  std::shared_ptr<const Instance> find(const std::string& name);
  // The instance when the cache holds a fresh answer for it, without asking the database (for a
  // reactor thread, which must not wait); null otherwise.
  std::shared_ptr<const Instance> peek(const std::string& name);
  // Whether the cache holds a fresh answer for `name`, that it is an instance or that it is none.
  bool knows(const std::string& name);
  // Reloads, in one query, the answers used since they were loaded and past half their time.
  // Called every quarter of the time to live (by a task of its own): otherwise every answer in use
  // expired once a second, and until a worker had reloaded it (tens of milliseconds on a busy
  // machine) every read of that instance left the network threads for the workers, in a burst
  // that filled their queue. A failed reload leaves the answers to expire.
  void refreshAhead();
  std::chrono::milliseconds ttl() const { return ttl_; }

 private:
  struct Entry {
    std::shared_ptr<const Instance> instance;
    std::chrono::steady_clock::time_point loaded;
    bool used = false;  // since loaded
  };
  bool fresh(const Entry& entry, std::chrono::steady_clock::time_point now) const;

  std::string databaseUrl_;
  std::chrono::milliseconds ttl_;
  std::mutex mutex_;
  std::unordered_map<std::string, Entry> entries_;
};

}  // namespace flint::instances
