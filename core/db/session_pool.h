// The process's database sessions, shared by its threads within one limit across every database:
// a thread borrows a session per database for a unit of work (a SessionScope) and gives it back
// when that ends, so a process's connections grow with neither its threads nor its clusters.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "core/db/session.h"

namespace flint::db {

// Every session of the limit stayed in use for as long as a borrower could wait.
class ConnectionsExhausted : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class SessionPool {
 public:
  // The pool Session::forThisThread borrows from.
  static SessionPool& process();

  // At most `sessions` open at once over all databases; 0 (the default, for commands) is no limit.
  void setLimit(size_t sessions);

  // The most recently used idle session on `url`, else a new one. At the limit, the least recently
  // used idle session of another database is closed to make room; with none idle, this waits up to
  // `wait` for one to come back, then throws ConnectionsExhausted.
  // Throws std::logic_error on a thread that forbade it.
  std::unique_ptr<Session> borrow(const std::string& url, std::chrono::milliseconds wait = std::chrono::seconds(5));
  // From now on, borrowing on this thread is a defect that throws: a reactor thread, which must
  // never wait on a database, says so once.
  static void forbidThisThread();
  // A broken session is closed; an idle one is closed after a minute unused.
  void giveBack(std::unique_ptr<Session> session);

  // Sessions to close, with their URLs.
  using Closing = std::vector<std::pair<std::string, std::unique_ptr<Session>>>;

  struct DatabaseFigures {
    std::string database;  // host:port/name, never credentials
    size_t open = 0;
    size_t inUse = 0;
  };
  struct Figures {
    size_t limit = 0;
    std::vector<DatabaseFigures> databases;
    uint64_t waits = 0;      // borrows that had to wait for a session to come back
    uint64_t exhausted = 0;  // borrows that waited in vain
  };
  Figures figures();

 private:
  struct Idle {
    std::unique_ptr<Session> session;
    std::chrono::steady_clock::time_point since;
  };
  struct Database {
    std::vector<Idle> idle;  // most recently given back last
    size_t open = 0;         // idle, in use and being opened
  };
  // Takes out the sessions idle for too long.
  Closing expired(std::chrono::steady_clock::time_point now);
  // Closes `sessions` (taken out of the idle lists) outside the lock, then counts them closed.
  void close(Closing sessions, std::unique_lock<std::mutex>& lock);

  std::mutex mutex_;
  std::condition_variable returned_;
  std::map<std::string, Database> databases_;  // by URL
  size_t limit_ = 0;
  size_t open_ = 0;
  uint64_t waits_ = 0;
  uint64_t exhausted_ = 0;
};

// A session borrowed for one scope apart from the thread's own (Session::forThisThread), for work
// that must not join a transaction the thread may have open.
class PooledSession {
 public:
  explicit PooledSession(const std::string& url) : session_(SessionPool::process().borrow(url)) {}
  ~PooledSession() { SessionPool::process().giveBack(std::move(session_)); }
  PooledSession(const PooledSession&) = delete;
  PooledSession& operator=(const PooledSession&) = delete;
  Session& operator*() { return *session_; }
  Session* operator->() { return session_.get(); }

 private:
  std::unique_ptr<Session> session_;
};

// Sessions the thread borrows (Session::forThisThread) while a scope is open go back to the pool
// when the outermost scope ends. A thread outside any scope keeps what it borrows until it exits.
class SessionScope {
 public:
  SessionScope();
  ~SessionScope();
  SessionScope(const SessionScope&) = delete;
  SessionScope& operator=(const SessionScope&) = delete;
};

// `url`'s server and database, for reports (no user or password).
std::string databaseLabel(const std::string& url);

}  // namespace flint::db
