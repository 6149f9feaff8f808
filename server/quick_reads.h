// Answers a reactor thread's quick requests: plain reads by id go to the database on the
// thread's own pipelined connection, one statement per instance and round (custom data rows: one
// per row), several rounds in flight, so the thread never waits for PostgreSQL; anything else is
// answered by App::handle.
#pragma once

#include <chrono>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "core/db/pipelined_connection.h"
#include "server/app.h"
#include "server/http/connection.h"

namespace flint::server {

class QuickReads : public http::QuickAnswerer {
 public:
  QuickReads(App& app, std::string databaseUrl) : app_(app), databaseUrl_(std::move(databaseUrl)) {}

  void start(const std::vector<const http::HttpRequest*>& requests) override;
  std::vector<std::vector<http::HttpResponse>> collect(bool readable) override;
  int descriptor() const override { return connection_ && !connection_->broken() ? connection_->socket() : -1; }

 private:
  struct Round {
    std::vector<http::HttpResponse> responses;
    size_t waiting = 0;  // statements sent and not yet answered
  };
  struct Fetch;
  // The connection, reopened after it broke (after a failed attempt, a second later); null while
  // it cannot be.
  db::PipelinedConnection* connection();
  void send(Round& round, std::shared_ptr<Fetch> fetch);
  void sendRow(Round& round, size_t position, std::shared_ptr<const custom_data::QuickRowRead> read);
  // Fills the round's responses for `fetch` from the statement's result.
  void answer(Round& round, const Fetch& fetch, const std::vector<fhir::RowKey>& keys,
              const db::StatementResult& result);

  App& app_;
  std::string databaseUrl_;
  std::unique_ptr<db::PipelinedConnection> connection_;
  std::chrono::steady_clock::time_point lastFailure_{};
  std::deque<Round> rounds_;  // oldest first
};

}  // namespace flint::server
