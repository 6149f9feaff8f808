#include "server/quick_reads.h"

#include <unistd.h>

#include <iterator>
#include <map>

#include "core/db/session_pool.h"
#include "fhir_resources/interactions/interactions.h"
#include "fhir_resources/rest/fhir_router.h"
#include "server/http/server_figures.h"

namespace flint::server {
namespace {

// After a failed attempt to connect, the next waits this long; meanwhile reads are answered 503.
constexpr auto kReconnectInterval = std::chrono::seconds(1);
constexpr auto kConnectTimeout = std::chrono::seconds(10);
// A read by id takes milliseconds; a connection whose oldest statement has waited this long
// belongs to a server that stopped answering (stopped, or unreachable without a reset), and its
// reads are answered 503 rather than held.
constexpr auto kResultTimeout = std::chrono::seconds(30);
constexpr auto kTick = std::chrono::milliseconds(1000);
// Statements a connection has in flight before further reads wait to go out together: the server
// has the next statement at hand while it answers one, and under load each carries many reads
// rather than each read costing a statement of its own.
constexpr size_t kStatementsInFlight = 2;
// At most this many reads go in one statement: a statement's answers are made on the network
// thread in one go, and a thousand of them (an overload's backlog merged) held it, and every
// request behind it, for tens of milliseconds; they also came back as megabytes the thread had to
// read before the database could go on.
constexpr size_t kMaxReadsPerStatement = 64;
// The descriptors that stay open as long as the answerer; a connection's serial counts on from these.
constexpr uint64_t kHandbacksSerial = 1;
constexpr uint64_t kTimerSerial = 2;

}  // namespace

QuickReads::QuickReads(App& app, http::WorkerPool& workers, size_t maxConnections,
                       std::chrono::milliseconds targetReadWait, std::chrono::milliseconds readOverloadAfter)
    : app_(app),
      workers_(workers),
      maxConnections_(maxConnections),
      admission_(targetReadWait, readOverloadAfter),
      timer_(kTick),
      nextSerial_(kTimerSerial) {
  db::SessionPool::forbidThisThread();
}

// Plain reads of one instance that arrived together, fetched by one statement from one server.
struct QuickReads::Fetch {
  std::string url;  // a replica, or the instance's primary
  std::vector<const http::HttpRequest*> requests;
  std::vector<App::PlainRead> reads;
  // Where each answer goes: a round, and the position in it. Rounds stay where they are until
  // collected, and a round is collected only once nothing it sent is waiting.
  std::vector<std::pair<Round*, size_t>> slots;
  std::chrono::steady_clock::time_point heldSince{};  // kept for a slot on the connection since
};

void QuickReads::start(const std::vector<http::QuickAnswerer::Round>& started) {
  std::map<std::string, Fetch> byInstance;
  for (const auto& [number, requests] : started) {
    Round& round = rounds_[number];
    round.responses.resize(requests.size());
    for (size_t i = 0; i < requests.size(); ++i) take(round, i, *requests[i], byInstance, false);
  }
  for (auto& [where, fetch] : byInstance) send(std::make_shared<Fetch>(std::move(fetch)));
  checkDeadlines();
}

void QuickReads::take(Round& round, size_t position, const http::HttpRequest& request,
                      std::map<std::string, Fetch>& byInstance, bool lookedUp) {
  if (auto answer = app_.immediateAnswer(request)) {
    round.responses[position] = std::move(*answer);
    return;
  }
  // One clock reading judges the read on arrival and, once looked up, with its connection's wait.
  const auto now = std::chrono::steady_clock::now();
  if (shedOnArrival(request, now)) {
    round.responses[position] = App::readsBacklogged();
    return;
  }
  std::optional<App::PlainRead> read;
  try {
    read = app_.plainRead(request);
  } catch (const std::exception&) {
    // handle() meets the same failure and answers it.
  }
  if (!read) {
    if (auto row = app_.customRowRead(request)) {
      if (admit(request, row->databaseUrl, now))
        sendRow(round, position, std::make_shared<custom_data::QuickRowRead>(std::move(*row)));
      else
        round.responses[position] = App::readsBacklogged();
    } else if (auto name = lookedUp ? std::nullopt : app_.uncachedInstance(request)) {
      awaitLookup(round, position, request, *name);
    } else {
      handOff(round, position, request);
    }
    return;
  }
  if (!admit(request, read->readUrl, now)) {
    round.responses[position] = App::readsBacklogged();
    return;
  }
  auto& fetch = byInstance[read->readUrl + "\n" + read->instance->schema];
  fetch.url = read->readUrl;
  fetch.requests.push_back(&request);
  fetch.reads.push_back(std::move(*read));
  fetch.slots.emplace_back(&round, position);
}

void QuickReads::awaitLookup(Round& round, size_t position, const http::HttpRequest& request,
                             const std::string& name) {
  ++round.waiting;
  auto& waiting = lookups_[name];
  waiting.push_back({&round, position, &request});
  if (waiting.size() > 1) return;
  auto handbacks = handbacks_;
  const bool queued = workers_.offer([this, &app = app_, handbacks, name] {
    app.lookUpInstance(name);
    handbacks->push([this, name] { resumeAfterLookup(name); });
  });
  if (!queued) resumeAfterLookup(name);
}

void QuickReads::resumeAfterLookup(const std::string& name) {
  auto it = lookups_.find(name);
  if (it == lookups_.end()) return;
  const auto waiting = std::move(it->second);
  lookups_.erase(it);
  std::map<std::string, Fetch> byInstance;
  for (const auto& [round, position, request] : waiting) {
    --round->waiting;
    take(*round, position, *request, byInstance, true);
  }
  for (auto& [where, fetch] : byInstance) send(std::make_shared<Fetch>(std::move(fetch)));
}

void QuickReads::handOff(Round& round, size_t position, const http::HttpRequest& request) {
  ++round.waiting;
  auto handbacks = handbacks_;
  // The request is copied: should this thread stop first, the worker still has it.
  const bool queued = workers_.offer([&round, position, handbacks, &app = app_, request] {
    http::HttpResponse response;
    response.status = 500;
    response.close = true;
    try {
      response = app.handle(request);
    } catch (const std::exception&) {
    }
    handbacks->push([&round, position, response = std::move(response)]() mutable {
      round.responses[position] = std::move(response);
      --round.waiting;
    });
  });
  if (!queued) {
    http::HttpRequest shed = request;
    shed.rejectStatus = 503;
    shed.rejectReason = "the server is at capacity: every worker is busy and its queue is full; retry shortly";
    ++http::serverFigures().shed;
    round.responses[position] = app_.handle(shed);
    --round.waiting;
  }
}

void QuickReads::send(std::shared_ptr<Fetch> fetch) {
  std::vector<fhir::RowKey> keys;
  for (const auto& read : fetch->reads) keys.push_back(read.key);
  const std::string& primary = fetch->reads.front().instance->databaseUrl;
  bool busy = false;
  auto* connection = this->connection(fetch->url, busy);
  if (connection == nullptr && !busy && fetch->url != primary) {
    app_.replicaFailed(fetch->url);
    fetch->url = primary;
    connection = this->connection(primary, busy);
  }
  std::vector<Round*> rounds;
  for (const auto& [round, position] : fetch->slots) rounds.push_back(round);
  if (busy) return defer(rounds, [this, fetch] { send(fetch); });
  if (connection == nullptr) return answer(*fetch, {}, db::StatementResult(nullptr));
  if (connection->inFlight() >= kStatementsInFlight) return hold(std::move(fetch));
  ++http::serverFigures().readStatements;
  http::serverFigures().readsFetched += keys.size();
  for (auto* round : rounds) ++round->waiting;
  connection->send(fhir::plainReadsStatement(*fetch->reads.front().instance, keys),
                   [this, fetch, keys, primary, rounds](const db::StatementResult& result) {
                     if (!result.ok() && fetch->url != primary) {
                       // A replica that failed (down, or a read cancelled by replay): the primary answers.
                       app_.replicaFailed(fetch->url);
                       fetch->url = primary;
                       send(fetch);
                     } else {
                       answer(*fetch, keys, result);
                     }
                     for (auto* round : rounds) --round->waiting;
                   });
}

void QuickReads::hold(std::shared_ptr<Fetch> fetch) {
  for (const auto& [round, position] : fetch->slots) ++round->waiting;
  auto& held = links_[fetch->url].held;
  const auto& schema = fetch->reads.front().instance->schema;
  for (auto it = held.rbegin(); it != held.rend(); ++it) {
    Fetch& last = **it;
    if (last.reads.front().instance->schema != schema) continue;
    if (last.reads.size() + fetch->reads.size() > kMaxReadsPerStatement) break;
    last.requests.insert(last.requests.end(), fetch->requests.begin(), fetch->requests.end());
    std::move(fetch->reads.begin(), fetch->reads.end(), std::back_inserter(last.reads));
    last.slots.insert(last.slots.end(), fetch->slots.begin(), fetch->slots.end());
    return;
  }
  fetch->heldSince = std::chrono::steady_clock::now();
  held.push_back(std::move(fetch));
}

void QuickReads::sendHeld() {
  for (auto& [url, link] : links_) {
    while (!link.held.empty() && (!link.connection || link.connection->inFlight() < kStatementsInFlight)) {
      auto fetch = std::move(link.held.front());
      link.held.pop_front();
      for (const auto& [round, position] : fetch->slots) --round->waiting;
      if (link.connection) shedStale(*fetch, link.connection->oldestWait(std::chrono::steady_clock::now()));
      if (!fetch->reads.empty()) send(std::move(fetch));
    }
  }
}

void QuickReads::shedStale(Fetch& fetch, std::chrono::steady_clock::duration ahead) {
  const auto now = std::chrono::steady_clock::now();
  size_t kept = 0;
  for (size_t k = 0; k < fetch.reads.size(); ++k) {
    const auto& request = *fetch.requests[k];
    if (admission_.shedsAtOnce(now - request.received + ahead, now)) {
      const auto& [round, position] = fetch.slots[k];
      round->responses[position] = App::readsBacklogged();
      ++http::serverFigures().shed;
      answered(1);
      continue;
    }
    if (kept != k) {
      fetch.requests[kept] = fetch.requests[k];
      fetch.reads[kept] = std::move(fetch.reads[k]);
      fetch.slots[kept] = fetch.slots[k];
    }
    ++kept;
  }
  fetch.requests.resize(kept);
  fetch.reads.erase(fetch.reads.begin() + static_cast<std::ptrdiff_t>(kept), fetch.reads.end());
  fetch.slots.resize(kept);
}

void QuickReads::sendRow(Round& round, size_t position, std::shared_ptr<const custom_data::QuickRowRead> read) {
  bool busy = false;
  auto* connection = this->connection(read->databaseUrl, busy);
  if (busy) return defer({&round}, [this, &round, position, read] { sendRow(round, position, read); });
  if (connection == nullptr) {
    round.responses[position] = App::answerCustomRowRead(*read, db::StatementResult(nullptr));
    answered(1);
    return;
  }
  ++round.waiting;
  connection->send(read->statement, [this, &round, position, read](const db::StatementResult& result) {
    answered(1);
    auto& response = round.responses[position];
    // Should answering fail (out of memory or similar), this stays a 500 that closes the connection.
    response.status = 500;
    response.close = true;
    try {
      response = App::answerCustomRowRead(*read, result);
    } catch (const std::exception&) {
    }
    --round.waiting;
  });
}

bool QuickReads::shedOnArrival(const http::HttpRequest& request, std::chrono::steady_clock::time_point now) {
  if (request.rejectStatus != 0) return false;
  const auto waited = now - request.received;
  if (!admission_.shedsAtOnce(waited, now)) return false;
  // Shed, as it would be with its connection's wait added; and like any read shed, it prolongs the overload.
  admission_.admit(request.received, waited, now);
  ++http::serverFigures().shed;
  return true;
}

bool QuickReads::admit(const http::HttpRequest& request, const std::string& databaseUrl,
                       std::chrono::steady_clock::time_point now) {
  auto waited = now - request.received;
  if (auto it = links_.find(databaseUrl); it != links_.end()) {
    const Link& link = it->second;
    if (link.connection && !link.connection->broken())
      waited += link.connection->oldestWait(now);
    else if (link.opening)
      waited += now - link.openingSince;
    // Reads kept for a slot go out in order: this one would follow them all.
    if (!link.held.empty()) waited += now - link.held.front()->heldSince;
  }
  if (admission_.admit(request.received, waited, now)) {
    ++http::serverFigures().readsWaiting;
    return true;
  }
  ++http::serverFigures().shed;
  return false;
}

void QuickReads::answered(int64_t reads) {
  admission_.answered(reads);
  http::serverFigures().readsWaiting -= reads;
}

void QuickReads::answer(const Fetch& fetch, const std::vector<fhir::RowKey>& keys, const db::StatementResult& result) {
  const size_t count = fetch.reads.size();
  answered(static_cast<int64_t>(count));
  // Should answering fail (out of memory or similar), these stay 500s that close the connection.
  for (const auto& [round, position] : fetch.slots) {
    round->responses[position].status = 500;
    round->responses[position].close = true;
  }
  std::vector<fhir::FhirResponse> answers;
  try {
    if (result.ok()) {
      std::vector<const fhir::FhirRequest*> requests;
      for (const auto& read : fetch.reads) requests.push_back(&read.req);
      answers = fhir::answerPlainReads(result, *fetch.reads.front().instance, requests, keys);
    } else {
      answers.assign(count, fhir::databaseFailureResponse(result.sqlState()));
    }
    for (size_t k = 0; k < count; ++k) {
      const auto& [round, position] = fetch.slots[k];
      round->responses[position] = app_.answerPlainRead(*fetch.requests[k], fetch.reads[k], std::move(answers[k]));
    }
  } catch (const std::exception&) {
  }
}

std::vector<std::pair<uint64_t, std::vector<http::HttpResponse>>> QuickReads::collect(bool readable) {
  if (readable) {
    timer_.acknowledge();
    for (auto& apply : handbacks_->take()) apply();
  }
  for (auto& [url, link] : links_) {
    if (link.connection) link.connection->receive(readable);
    // A broken connection is closed now, which also takes its socket off the reactor's watch.
    if (link.connection && link.connection->broken()) link.connection.reset();
  }
  sendHeld();
  // What waited for a connection goes out now that results came in (and freed some).
  auto retries = std::move(deferred_);
  deferred_.clear();
  for (auto& retry : retries) retry();
  std::vector<std::pair<uint64_t, std::vector<http::HttpResponse>>> finished;
  for (auto it = rounds_.begin(); it != rounds_.end();) {
    if (it->second.waiting != 0) {
      ++it;
      continue;
    }
    finished.emplace_back(it->first, std::move(it->second.responses));
    it = rounds_.erase(it);
  }
  checkDeadlines();
  return finished;
}

void QuickReads::checkDeadlines() {
  const auto now = std::chrono::steady_clock::now();
  bool waiting = !rounds_.empty();
  for (auto& [url, link] : links_) {
    if (!link.connection) continue;
    link.connection->expire(now, kResultTimeout);
    // The reads it failed are answered at the next collect(), which the timer brings.
    waiting = waiting || !link.connection->idle() || link.connection->broken();
  }
  timer_.arm(waiting);
}

void QuickReads::descriptors(std::vector<Watched>& out) const {
  out.push_back({handbacks_->fd(), kHandbacksSerial});
  out.push_back({timer_.fd(), kTimerSerial});
  for (const auto& [url, link] : links_)
    if (link.connection && !link.connection->broken()) out.push_back({link.connection->socket(), link.serial});
}

void QuickReads::defer(std::vector<Round*> rounds, std::function<void()> retry) {
  for (auto* round : rounds) ++round->waiting;
  deferred_.push_back([rounds = std::move(rounds), retry = std::move(retry)] {
    for (auto* round : rounds) --round->waiting;
    retry();
  });
}

db::PipelinedConnection* QuickReads::connection(const std::string& databaseUrl, bool& busy) {
  const auto now = std::chrono::steady_clock::now();
  Link& link = links_[databaseUrl];
  if (link.connection && !link.connection->broken()) {
    link.lastUse = now;
    return link.connection.get();
  }
  busy = link.opening;
  if (link.opening || now - link.lastFailure < kReconnectInterval) return nullptr;
  link.connection.reset();
  busy = true;
  if (!makeRoom()) return nullptr;
  link.opening = true;
  link.openingSince = now;
  link.lastUse = now;
  // Links stay in the map for good, so the reference holds when the worker hands back.
  workers_.submit([this, &link, handbacks = handbacks_, databaseUrl] {
    auto fresh = std::make_shared<db::PipelinedConnection>(
        databaseUrl, "flint reads " + std::to_string(::getpid()), kConnectTimeout);
    handbacks->push([this, &link, fresh] {
      link.opening = false;
      if (fresh->broken()) {
        link.lastFailure = std::chrono::steady_clock::now();
        return;
      }
      link.connection = fresh;
      link.serial = ++nextSerial_;
    });
  });
  return nullptr;
}

bool QuickReads::makeRoom() {
  size_t open = 0;
  Link* oldestIdle = nullptr;
  for (auto& [url, link] : links_) {
    if (link.opening) ++open;
    if (!link.connection) continue;
    ++open;
    if (link.connection->idle() && (oldestIdle == nullptr || link.lastUse < oldestIdle->lastUse)) oldestIdle = &link;
  }
  if (open < maxConnections_) return true;
  if (oldestIdle == nullptr) return false;
  oldestIdle->connection.reset();
  return true;
}

}  // namespace flint::server
