#include "core/db/session_pool.h"

#include <libpq-fe.h>

#include <stdexcept>
#include <unordered_map>

namespace flint::db {
namespace {

// An idle session unused this long is closed: a process that served a cluster once does not keep
// its connections there.
constexpr auto kIdleLifetime = std::chrono::minutes(1);

// What one thread has borrowed, given back when its outermost scope ends or it exits.
struct Borrowed {
  std::unordered_map<std::string, std::unique_ptr<Session>> sessions;
  int scopes = 0;

  void giveBackAll() {
    for (auto& [url, session] : sessions) SessionPool::process().giveBack(std::move(session));
    sessions.clear();
  }
  ~Borrowed() { giveBackAll(); }
};

thread_local Borrowed borrowed;
thread_local bool forbidden = false;

SessionPool::Closing closing(const std::string& url, std::unique_ptr<Session> session) {
  SessionPool::Closing out;
  out.emplace_back(url, std::move(session));
  return out;
}

}  // namespace

SessionPool& SessionPool::process() {
  // Never destroyed: threads give their sessions back as they exit, whenever that is.
  static SessionPool* pool = new SessionPool();
  return *pool;
}

void SessionPool::setLimit(size_t sessions) {
  std::lock_guard lock(mutex_);
  limit_ = sessions;
}

void SessionPool::forbidThisThread() { forbidden = true; }

std::unique_ptr<Session> SessionPool::borrow(const std::string& url, std::chrono::milliseconds wait) {
  if (forbidden) throw std::logic_error("a database session was asked for on a thread that must not wait on one");
  const auto deadline = std::chrono::steady_clock::now() + wait;
  std::unique_lock lock(mutex_);
  bool waited = false;
  for (;;) {
    close(expired(std::chrono::steady_clock::now()), lock);
    Database& database = databases_[url];
    while (!database.idle.empty()) {
      auto session = std::move(database.idle.back().session);
      database.idle.pop_back();
      if (session->connection().is_open()) return session;
      close(closing(url, std::move(session)), lock);
    }
    if (limit_ == 0 || open_ < limit_) {
      ++database.open;
      ++open_;
      lock.unlock();
      try {
        return std::make_unique<Session>(url);
      } catch (...) {
        lock.lock();
        --database.open;
        --open_;
        returned_.notify_one();
        throw;
      }
    }
    std::string oldestUrl;
    std::chrono::steady_clock::time_point oldest;
    for (const auto& [other, candidate] : databases_)
      if (!candidate.idle.empty() && (oldestUrl.empty() || candidate.idle.front().since < oldest)) {
        oldestUrl = other;
        oldest = candidate.idle.front().since;
      }
    if (!oldestUrl.empty()) {
      auto& victim = databases_[oldestUrl].idle;
      auto session = std::move(victim.front().session);
      victim.erase(victim.begin());
      close(closing(oldestUrl, std::move(session)), lock);
      continue;
    }
    if (!waited) {
      waited = true;
      ++waits_;
    }
    if (returned_.wait_until(lock, deadline) == std::cv_status::timeout) {
      ++exhausted_;
      throw ConnectionsExhausted("all " + std::to_string(limit_) +
                                 " database sessions of this server are in use; retry shortly");
    }
  }
}

void SessionPool::giveBack(std::unique_ptr<Session> session) {
  if (!session) return;
  std::unique_lock lock(mutex_);
  if (session->connection().is_open() && session->ambient() == nullptr) {
    databases_[session->url()].idle.push_back({std::move(session), std::chrono::steady_clock::now()});
  } else {
    const std::string url = session->url();
    close(closing(url, std::move(session)), lock);
  }
  close(expired(std::chrono::steady_clock::now()), lock);
  returned_.notify_one();
}

SessionPool::Closing SessionPool::expired(std::chrono::steady_clock::time_point now) {
  Closing out;
  for (auto& [url, database] : databases_) {
    // Oldest first: the least recently used lead the list.
    while (!database.idle.empty() && now - database.idle.front().since > kIdleLifetime) {
      out.emplace_back(url, std::move(database.idle.front().session));
      database.idle.erase(database.idle.begin());
    }
  }
  return out;
}

void SessionPool::close(Closing sessions, std::unique_lock<std::mutex>& lock) {
  if (sessions.empty()) return;
  lock.unlock();
  for (auto& [url, session] : sessions) session.reset();
  lock.lock();
  // Counted as open until closed, so that a replacement never overlaps them.
  for (const auto& [url, session] : sessions) {
    --databases_[url].open;
    --open_;
  }
  returned_.notify_all();
}

SessionPool::Figures SessionPool::figures() {
  std::unique_lock lock(mutex_);
  close(expired(std::chrono::steady_clock::now()), lock);
  Figures out{limit_, {}, waits_, exhausted_};
  std::map<std::string, DatabaseFigures> byLabel;
  for (const auto& [url, database] : databases_) {
    if (database.open == 0) continue;
    auto& figures = byLabel[databaseLabel(url)];
    figures.open += database.open;
    figures.inUse += database.open - database.idle.size();
  }
  for (auto& [label, figures] : byLabel) {
    figures.database = label;
    out.databases.push_back(figures);
  }
  return out;
}

SessionScope::SessionScope() { ++borrowed.scopes; }

SessionScope::~SessionScope() {
  if (--borrowed.scopes == 0) borrowed.giveBackAll();
}

Session& Session::forThisThread(const std::string& url) {
  auto& session = borrowed.sessions[url];
  if (session && !session->connection().is_open()) SessionPool::process().giveBack(std::move(session));
  if (!session) session = SessionPool::process().borrow(url);
  return *session;
}

std::string databaseLabel(const std::string& url) {
  char* error = nullptr;
  std::unique_ptr<PQconninfoOption, void (*)(PQconninfoOption*)> options(PQconninfoParse(url.c_str(), &error),
                                                                         PQconninfoFree);
  PQfreemem(error);
  if (!options) return "unknown";
  std::string host = "localhost", port = "5432", name;
  for (PQconninfoOption* o = options.get(); o->keyword != nullptr; ++o) {
    if (o->val == nullptr || *o->val == '\0') continue;
    const std::string keyword = o->keyword;
    if (keyword == "host") host = o->val;
    if (keyword == "port") port = o->val;
    if (keyword == "dbname") name = o->val;
  }
  return host + ":" + port + "/" + name;
}

}  // namespace flint::db
