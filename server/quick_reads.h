// Answers a reactor thread's quick requests: plain reads by id go to the instance's cluster on the
// thread's own pipelined connection to it, one statement per instance for the reads that arrive
// together (custom data rows: one per row), several rounds in flight. The thread never waits:
// connections are opened by a worker, an instance not cached is looked up by one (its reads wait for
// that lookup), and whatever needs more than a remembered instance and token (a token not yet
// cached, a patient-restricted scope, any failure) is answered by App::handle on a worker.
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
#include "server/http/handbacks.h"
#include "server/http/reactor_timer.h"
#include "server/read_admission.h"

namespace flint::server {

class QuickReads : public http::QuickAnswerer {
 public:
  // `maxConnections`: the pipelined connections this thread may keep open at once; beyond them, the
  // least recently used idle one is closed for a database it has none to. Made on the reactor
  // thread, which from then on may not borrow a database session. Under overload a read is
  // answered 503 at once when it has waited beyond the target, counting from when it reached the
  // machine and adding what the statements ahead of it on its connection and the reads kept for
  // it have waited, or how long the connection has been opening (ReadAdmission): there the wait
  // would only grow.
  QuickReads(App& app, http::WorkerPool& workers, size_t maxConnections, std::chrono::milliseconds targetReadWait,
             std::chrono::milliseconds readOverloadAfter);

  void start(const std::vector<http::QuickAnswerer::Round>& rounds) override;
  std::vector<std::pair<uint64_t, std::vector<http::HttpResponse>>> collect(bool readable) override;
  void descriptors(std::vector<Watched>& out) const override;

 private:
  struct Round {
    std::vector<http::HttpResponse> responses;
    size_t waiting = 0;  // statements and hand-offs not yet answered
  };
  struct Fetch;
  // Answers, starts or hands off request `position` of `round`; a read goes into `byInstance`, to
  // be sent with the others of its instance. `lookedUp`: its instance has been looked up for it,
  // so one still uncached goes to a worker.
  void take(Round& round, size_t position, const http::HttpRequest& request, std::map<std::string, Fetch>& byInstance,
            bool lookedUp);
  // Keeps a read of instance `name`, which this process has not cached, until a worker has looked
  // it up: the reads of an uncached instance wait for one lookup instead of each going to a worker,
  // which in a burst (the first after a restart, or after the instance was idle) filled the
  // workers' queue and was shed. Then the reads are taken again (resumeAfterLookup).
  void awaitLookup(Round& round, size_t position, const http::HttpRequest& request, const std::string& name);
  void resumeAfterLookup(const std::string& name);
  // The connection to `databaseUrl`; null while it cannot be had (after a failed attempt, for a
  // second), or (`busy`) while a worker opens it or all this thread may keep have statements in
  // flight.
  db::PipelinedConnection* connection(const std::string& databaseUrl, bool& busy);
  // Whether `request` is shed before anything is looked up for it: while the server sheds, one
  // that has waited beyond the target in its socket alone is (what it would wait for on its
  // database connection only adds), and under overload every cycle a refusal costs is taken from
  // an answer. Counts it when shed.
  bool shedOnArrival(const http::HttpRequest& request, std::chrono::steady_clock::time_point now);
  // Whether `request`, a read from `databaseUrl`, still goes there (judged at `now`); counts it when shed.
  bool admit(const http::HttpRequest& request, const std::string& databaseUrl,
             std::chrono::steady_clock::time_point now);
  // `reads` admitted have been answered (or shed after all): they no longer wait.
  void answered(int64_t reads);
  // Has a worker answer request `position` of `round` with App::handle; at once 503 when the
  // workers' queue is full.
  void handOff(Round& round, size_t position, const http::HttpRequest& request);
  // Sends `retry` once a connection comes free; the rounds wait for it meanwhile.
  void defer(std::vector<Round*> rounds, std::function<void()> retry);
  void send(std::shared_ptr<Fetch> fetch);
  // Keeps `fetch` until its connection has room, merged with the reads of its instance kept last.
  void hold(std::shared_ptr<Fetch> fetch);
  // Sends what was kept for the connections that have room again (or are gone: then send() answers).
  void sendHeld();
  // Judges each read of `fetch` again as its slot frees, with `ahead` the wait of the statement
  // before it: while the server sheds, one that has by now waited beyond the target is answered
  // 503 and taken out (ReadAdmission::shedsAtOnce), as CoDel drops at the head of its queue. A kept
  // read's wait is only guessed when it is admitted (from the oldest kept), and at twice capacity
  // reads admitted with a few milliseconds' wait went out 60 ms later, behind other kept ones.
  void shedStale(Fetch& fetch, std::chrono::steady_clock::duration ahead);
  void sendRow(Round& round, size_t position, std::shared_ptr<const custom_data::QuickRowRead> read);
  // Fills the responses of `fetch`'s rounds from the statement's result.
  void answer(const Fetch& fetch, const std::vector<fhir::RowKey>& keys, const db::StatementResult& result);

  struct Link {
    std::shared_ptr<db::PipelinedConnection> connection;
    bool opening = false;  // by a worker, since openingSince: reads sent meanwhile wait at least as long
    std::chrono::steady_clock::time_point openingSince{};
    uint64_t serial = 0;
    std::chrono::steady_clock::time_point lastFailure{};
    std::chrono::steady_clock::time_point lastUse{};
    // Reads kept while the connection has its fill of statements in flight, merged per instance
    // up to kMaxReadsPerStatement, in the order they came: they go out as slots free, so under
    // load a statement carries many reads, and no instance waits behind another's stream.
    std::deque<std::shared_ptr<Fetch>> held;
  };
  // Closes the least recently used idle connection to make room; false when every one is busy.
  bool makeRoom();
  // Fails what has waited too long on a connection; keeps the timer ticking while anything waits.
  void checkDeadlines();

  App& app_;
  http::WorkerPool& workers_;
  size_t maxConnections_;
  ReadAdmission admission_;
  std::shared_ptr<http::Handbacks> handbacks_ = std::make_shared<http::Handbacks>();
  http::ReactorTimer timer_;
  std::map<std::string, Link> links_;  // by database URL
  uint64_t nextSerial_ = 0;
  std::map<uint64_t, Round> rounds_;  // by number; a node stays put until erased
  std::vector<std::function<void()>> deferred_;
  struct AwaitingLookup {
    Round* round;
    size_t position;
    const http::HttpRequest* request;  // valid until the round is collected
  };
  std::map<std::string, std::vector<AwaitingLookup>> lookups_;  // by instance name
};

}  // namespace flint::server
