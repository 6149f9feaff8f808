// A PostgreSQL connection that an event loop drives without ever waiting on it: prepared
// statements go out in libpq's pipeline mode, several may be in flight, and their results come
// back in order once the loop sees the socket readable. Opening one waits for the server, so it is
// opened off the event loop and handed to it.
#pragma once

#include <libpq-fe.h>

#include "core/db/pg_result.h"

#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

namespace flint::db {

// A prepared statement to run: its name, its text (prepared on first use per connection) and
// its parameters in text form.
struct Statement {
  std::string name;
  std::string sql;
  std::vector<std::string> params;
};

// A finished statement: its rows, or (failed) nothing.
using StatementResult = PgResult;

class PipelinedConnection {
 public:
  using Callback = std::function<void(const StatementResult&)>;

  // Connects (blocking, at most `connectTimeout`), runs the session set-up every Flint connection
  // runs and names the connection `applicationName` (as pg_stat_activity shows it).
  PipelinedConnection(const std::string& url, const std::string& applicationName, std::chrono::seconds connectTimeout);
  ~PipelinedConnection();
  PipelinedConnection(const PipelinedConnection&) = delete;
  PipelinedConnection& operator=(const PipelinedConnection&) = delete;

  // The socket to watch for readability; after a failure, the connection is broken for good.
  int socket() const { return PQsocket(conn_); }
  bool broken() const { return broken_; }
  // Nothing sent is waiting for its result.
  bool idle() const { return pending_.empty(); }
  // Statements sent and not yet finished (a preparation counts as one).
  size_t inFlight() const { return pending_.size(); }
  // How many are open in this process (for /metrics).
  static size_t openCount();

  // Sends `statement` (preparing it first when this connection has not yet); `done` is called
  // from receive() once its result is in. On a broken connection `done` runs at once, failed.
  void send(const Statement& statement, Callback done);
  // Sends what the socket would not take before, then calls back every statement that has
  // finished, in order; `socketReadable`: read what the server sent first (else only what was
  // already read).
  void receive(bool socketReadable);
  // Breaks the connection (failing what waits on it) when its oldest statement has waited longer
  // than `limit`: a server that stopped answering must not hold its callers forever.
  void expire(std::chrono::steady_clock::time_point now, std::chrono::steady_clock::duration limit);
  // How long the oldest statement still in flight has waited (zero when idle): the backlog a
  // statement sent now would queue behind.
  std::chrono::steady_clock::duration oldestWait(std::chrono::steady_clock::time_point now) const {
    return pending_.empty() ? std::chrono::steady_clock::duration::zero() : now - pending_.front().sent;
  }

 private:
  struct Pending {
    Callback done;           // empty for a statement's preparation
    std::string preparing;   // the statement being prepared
    enum class Stage { Result, End, Sync } stage = Stage::Result;
    PGresult* result = nullptr;
    std::chrono::steady_clock::time_point sent;
  };
  // Hands libpq's output to the socket as far as it takes it, never waiting; false on failure.
  bool flush();
  void fail();

  PGconn* conn_;
  bool broken_ = false;
  std::unordered_set<std::string> prepared_;
  std::deque<Pending> pending_;
};

}  // namespace flint::db
