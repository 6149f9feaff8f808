#include "directory/service_directory.h"


#include "core/db/session_pool.h"
#include "core/log/log.h"

namespace flint::directory {
namespace {

constexpr auto kPollInterval = std::chrono::milliseconds(250);

}  // namespace

ServiceDirectory::ServiceDirectory(std::string databaseUrl, std::string publicUrl)
    : databaseUrl_(std::move(databaseUrl)),
      publicUrl_(std::move(publicUrl)),
      snapshot_(std::make_shared<DirectorySnapshot>(std::vector<Practice>{}, publicUrl_, 0)) {
  refresh();
  thread_ = std::thread([this] { run(); });
}

ServiceDirectory::~ServiceDirectory() {
  {
    std::lock_guard lock(stopMutex_);
    stopping_ = true;
  }
  stopSignal_.notify_all();
  thread_.join();
}

std::shared_ptr<const DirectorySnapshot> ServiceDirectory::snapshot() const {
  std::lock_guard lock(snapshotMutex_);
  return snapshot_;
}

bool ServiceDirectory::refresh() noexcept {
  std::lock_guard lock(refreshMutex_);
  try {
    db::PooledSession session(databaseUrl_);
    auto& conn = session->connection();
    const LogPosition now = logPosition(conn);
    if (now == position_) return true;
    auto built = std::make_shared<const DirectorySnapshot>(publishedPractices(conn), publicUrl_, now.lastChangeAt);
    {
      std::lock_guard swap(snapshotMutex_);
      snapshot_ = std::move(built);
    }
    position_ = now;
    return true;
  } catch (const std::exception& e) {
    // Redacted: a connection error names the database's host and user in quotes.
    log::warning("directory change log unavailable", {{"error", log::redacted(e.what())}});
    return false;
  }
}

void ServiceDirectory::run() {
  for (;;) {
    {
      std::unique_lock lock(stopMutex_);
      if (stopSignal_.wait_for(lock, kPollInterval, [this] { return stopping_; })) return;
    }
    refresh();
  }
}

}  // namespace flint::directory
