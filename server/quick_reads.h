// Answers a reactor thread's quick requests: plain reads by id go to the instance's cluster on the
// thread's own pipelined connection to it, one statement per instance and round (custom data
// rows: one per row), several rounds in flight, so the thread never waits for PostgreSQL; anything
// else is answered by App::handle.
#pragma once

#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/db/pipelined_connection.h"
#include "server/app.h"
#include "server/http/connection.h"

namespace flint::server {

class QuickReads : public http::QuickAnswerer {
 public:
  // `maxConnections`: the pipelined connections this thread may keep open at once; beyond them, the
  // least recently used idle one is closed for a database it has none to.
  QuickReads(App& app, size_t maxConnections) : app_(app), maxConnections_(maxConnections) {}

  void start(const std::vector<const http::HttpRequest*>& requests) override;
  std::vector<std::vector<http::HttpResponse>> collect(bool readable) override;
  std::vector<Watched> descriptors() const override;

 private:
  struct Round {
    std::vector<http::HttpResponse> responses;
    size_t waiting = 0;  // statements sent and not yet answered
  };
  struct Fetch;
  // The connection to `databaseUrl`, reopened after it broke (after a failed attempt, a second
  // later); null while it cannot be, or (`busy`) while all this thread may keep have statements
  // in flight.
  db::PipelinedConnection* connection(const std::string& databaseUrl, bool& busy);
  // Sends `retry` once a connection comes free; the round waits for it meanwhile.
  void defer(Round& round, std::function<void()> retry);
  void send(Round& round, std::shared_ptr<Fetch> fetch);
  void sendRow(Round& round, size_t position, std::shared_ptr<const custom_data::QuickRowRead> read);
  // Fills the round's responses for `fetch` from the statement's result.
  void answer(Round& round, const Fetch& fetch, const std::vector<fhir::RowKey>& keys,
              const db::StatementResult& result);

  struct Link {
    std::unique_ptr<db::PipelinedConnection> connection;
    uint64_t serial = 0;
    std::chrono::steady_clock::time_point lastFailure{};
    std::chrono::steady_clock::time_point lastUse{};
  };
  // Closes the least recently used idle connection to make room; false when every one is busy.
  bool makeRoom();

  App& app_;
  size_t maxConnections_;
  std::map<std::string, Link> links_;  // by database URL
  uint64_t nextSerial_ = 0;
  std::deque<Round> rounds_;  // oldest first
  std::vector<std::function<void()>> deferred_;
};

}  // namespace flint::server
