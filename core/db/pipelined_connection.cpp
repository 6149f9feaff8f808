#include "core/db/pipelined_connection.h"

#include <poll.h>

#include <atomic>

#include "core/db/session.h"

namespace flint::db {
namespace {

constexpr int kSendTimeoutMs = 30000;
std::atomic<size_t> opened{0};

}  // namespace

PipelinedConnection::PipelinedConnection(const std::string& url, const std::string& applicationName)
    : conn_(PQconnectdb(url.c_str())) {
  ++opened;
  if (PQstatus(conn_) != CONNECTION_OK) {
    broken_ = true;
    return;
  }
  auto setup = Session::setupStatements();
  char* quoted = PQescapeLiteral(conn_, applicationName.c_str(), applicationName.size());
  if (quoted != nullptr) {
    setup.push_back(std::string("SET application_name = ") + quoted);
    PQfreemem(quoted);
  }
  for (const auto& sql : setup) {
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
  // Each statement is followed by its own sync, so that one failing aborts no other.
  if (!prepared_.count(statement.name)) {
    if (!PQsendPrepare(conn_, statement.name.c_str(), statement.sql.c_str(), 0, nullptr) || !PQpipelineSync(conn_)) {
      pending_.push_back({std::move(done)});
      return fail();
    }
    prepared_.insert(statement.name);
    pending_.push_back({nullptr, statement.name});
  }
  std::vector<const char*> values;
  values.reserve(statement.params.size());
  for (const auto& p : statement.params) values.push_back(p.c_str());
  const bool sent = PQsendQueryPrepared(conn_, statement.name.c_str(), static_cast<int>(values.size()), values.data(),
                                        nullptr, nullptr, 0) &&
                    PQpipelineSync(conn_);
  pending_.push_back({std::move(done)});
  if (!sent || !flush()) fail();
}

void PipelinedConnection::receive(bool socketReadable) {
  if (broken_) return;
  if (socketReadable && !PQconsumeInput(conn_)) return fail();
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

bool PipelinedConnection::flush() {
  for (;;) {
    const int r = PQflush(conn_);
    if (r == 0) return true;
    if (r < 0) return false;
    // The socket is full: wait for it, reading meanwhile so that the server, blocked on sending
    // results, can go on reading statements.
    pollfd p{socket(), POLLOUT | POLLIN, 0};
    if (::poll(&p, 1, kSendTimeoutMs) <= 0) return false;
    if ((p.revents & POLLIN) && !PQconsumeInput(conn_)) return false;
  }
}

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
