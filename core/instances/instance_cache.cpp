#include "core/instances/instance_cache.h"

#include <algorithm>
#include <vector>

#include "core/db/session.h"
#include "core/instances/instance_store.h"

namespace flint::instances {

bool InstanceCache::fresh(const Entry& entry, std::chrono::steady_clock::time_point now) const {
  const auto ttl = entry.instance && entry.instance->moving() ? std::min(ttl_, kMovingTtl) : ttl_;
  return now - entry.loaded < ttl;
}

std::shared_ptr<const Instance> InstanceCache::peek(const std::string& name) {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(name);
  if (it == entries_.end() || !fresh(it->second, std::chrono::steady_clock::now())) return nullptr;
  it->second.used = true;
  return it->second.instance;
}

bool InstanceCache::knows(const std::string& name) {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(name);
  return it != entries_.end() && fresh(it->second, std::chrono::steady_clock::now());
}

std::shared_ptr<const Instance> InstanceCache::find(const std::string& name) {
  const auto now = std::chrono::steady_clock::now();
  {
    std::lock_guard lock(mutex_);
    auto it = entries_.find(name);
    if (it != entries_.end() && fresh(it->second, now)) {
      it->second.used = true;
      return it->second.instance;
    }
  }
  // Names that cannot be instances never reach the database (nor fill the cache).
  try {
    validateName(name);
  } catch (const InstanceError&) {
    return nullptr;
  }
  std::shared_ptr<const Instance> found;
  auto row = findInstance(db::Session::forThisThread(databaseUrl_).connection(), name);
  if (row && !row->disabled) found = std::make_shared<const Instance>(std::move(*row));
  std::lock_guard lock(mutex_);
  // Bounded: lookups of many made-up names must not grow memory without limit.
  if (entries_.size() >= 10000) entries_.clear();
  entries_[name] = Entry{found, now};
  return found;
}

void InstanceCache::refreshAhead() {
  const auto now = std::chrono::steady_clock::now();
  std::vector<std::string> due;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [name, entry] : entries_)
      if (entry.used && now - entry.loaded >= ttl_ / 2) due.push_back(name);
  }
  if (due.empty()) return;
  std::vector<Instance> found;
  try {
    found = findInstances(db::Session::forThisThread(databaseUrl_).connection(), due);
  } catch (const std::exception&) {
    // The answers expire; the requests that then need them meet the failure and report it.
    return;
  }
  std::lock_guard lock(mutex_);
  // Loaded as of before the query: a change committed while it ran shows at the next reload.
  for (const auto& name : due) entries_[name] = Entry{nullptr, now};
  for (auto& instance : found) {
    if (instance.disabled) continue;
    auto& entry = entries_[instance.name];
    entry.instance = std::make_shared<const Instance>(std::move(instance));
  }
}

}  // namespace flint::instances
