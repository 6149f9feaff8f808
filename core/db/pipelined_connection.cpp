#include "core/db/pipelined_connection.h"

#include <atomic>

#include "core/db/session.h"

namespace flint::db {
namespace {

std::atomic<size_t> opened{0};

PGconn* connect(const std::string& url, const std::string& applicationName, std::chrono::seconds timeout) {
  // dbname is expanded as a connection string or URL; the keywords after it override what it says.
  const std::string seconds = std::to_string(timeout.count());
  const char* keywords[] = {"dbname", "application_name", "connect_timeout", nullptr};
  const char* values[] = {url.c_str(), applicationName.c_str(), seconds.c_str(), nullptr};
  return PQconnectdbParams(keywords, values, 1);
}

}  // namespace

PipelinedConnection::PipelinedConnection(const std::string& url, const std::string& applicationName,
                                         std::chrono::seconds connectTimeout)
    : conn_(connect(url, applicationName, connectTimeout)) {
  ++opened;
  if (PQstatus(conn_) != CONNECTION_OK) {
    broken_ = true;
    return;
  }
  for (const auto& sql : Session::setupStatements()) {
    PGresult* r = PQexec(conn_, sql.c_str());
    const bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
    if (!ok) {
      broken_ = true;
      return;
    }
  }
  if (PQsetnonblocking(conn_, 1) != 0 || PQenterPipelineMode(conn_) != 1) broken_ = true;
}

PipelinedConnection::~PipelinedConnection() {
  for (auto& p : pending_) PQclear(p.result);
  PQfinish(conn_);
  --opened;
}

size_t PipelinedConnection::openCount() { return opened.load(); }

void PipelinedConnection::send(const Statement& statement, Callback done) {
  if (broken_) {
    done(StatementResult(nullptr));
    return;
  }
  const auto now = std::chrono::steady_clock::now();
  // Each statement is followed by its own sync, so that one failing aborts no other.
  if (!prepared_.count(statement.name)) {
    if (!PQsendPrepare(conn_, statement.name.c_str(), statement.sql.c_str(), 0, nullptr) || !PQpipelineSync(conn_)) {
      pending_.push_back({std::move(done)});
      return fail();
    }
    prepared_.insert(statement.name);
    pending_.push_back({nullptr, statement.name, Pending::Stage::Result, nullptr, now});
  }
  std::vector<const char*> values;
  values.reserve(statement.params.size());
  for (const auto& p : statement.params) values.push_back(p.c_str());
  const bool sent = PQsendQueryPrepared(conn_, statement.name.c_str(), static_cast<int>(values.size()), values.data(),
                                        nullptr, nullptr, 0) &&
                    PQpipelineSync(conn_);
  pending_.push_back({std::move(done), {}, Pending::Stage::Result, nullptr, now});
  if (!sent || !flush()) fail();
}

void PipelinedConnection::expire(std::chrono::steady_clock::time_point now, std::chrono::steady_clock::duration limit) {
  if (!broken_ && !pending_.empty() && now - pending_.front().sent > limit) fail();
}

void PipelinedConnection::receive(bool socketReadable) {
  if (broken_) return;
  if (!flush() || (socketReadable && !PQconsumeInput(conn_))) return fail();
  // Per statement, libpq hands out its result, a null marking the statement's end, then the sync.
  while (!pending_.empty() && !PQisBusy(conn_)) {
    PGresult* r = PQgetResult(conn_);
    Pending& p = pending_.front();
    if (p.stage == Pending::Stage::Result) {
      if (r == nullptr) return;
      p.result = r;
      p.stage = Pending::Stage::End;
    } else if (p.stage == Pending::Stage::End) {
      if (r != nullptr)
        PQclear(r);
      else
        p.stage = Pending::Stage::Sync;
    } else {
      if (r == nullptr) return;
      const bool sync = PQresultStatus(r) == PGRES_PIPELINE_SYNC;
      PQclear(r);
      if (!sync) continue;
      Pending finished = std::move(p);
      pending_.pop_front();
      StatementResult result(finished.result);
      if (finished.done)
        finished.done(result);
      else if (PQresultStatus(finished.result) != PGRES_COMMAND_OK)
        prepared_.erase(finished.preparing);
    }
  }
}

// What the socket does not take now stays with libpq and goes at the next receive(): the server
// reads on while it sends results, which wakes the loop to read them.
bool PipelinedConnection::flush() { return PQflush(conn_) >= 0; }

void PipelinedConnection::fail() {
  broken_ = true;
  std::deque<Pending> failed;
  failed.swap(pending_);
  for (auto& p : failed) {
    PQclear(p.result);
    if (p.done) p.done(StatementResult(nullptr));
  }
}

}  // namespace flint::db
