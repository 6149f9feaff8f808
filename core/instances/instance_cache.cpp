#include "core/instances/instance_cache.h"

#include <algorithm>

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
  if (it != entries_.end() && fresh(it->second, std::chrono::steady_clock::now())) return it->second.instance;
  return nullptr;
}

std::shared_ptr<const Instance> InstanceCache::find(const std::string& name) {
  const auto now = std::chrono::steady_clock::now();
  {
    std::lock_guard lock(mutex_);
    auto it = entries_.find(name);
    if (it != entries_.end() && fresh(it->second, now)) return it->second.instance;
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

}  // namespace flint::instances
