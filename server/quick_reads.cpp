#include "server/quick_reads.h"

#include <unistd.h>

#include <map>

#include "core/db/session_pool.h"
#include "fhir_resources/interactions/interactions.h"
#include "fhir_resources/rest/fhir_router.h"

namespace flint::server {
namespace {

// After a failed attempt to connect, the next waits this long; meanwhile reads are answered 503.
constexpr auto kReconnectInterval = std::chrono::seconds(1);

}  // namespace

// Plain reads of one instance in one round, fetched by one statement from one server.
struct QuickReads::Fetch {
  std::string url;  // a replica, or the instance's primary
  std::vector<const http::HttpRequest*> requests;
  std::vector<App::PlainRead> reads;
  std::vector<size_t> positions;  // in the round
};

void QuickReads::start(const std::vector<const http::HttpRequest*>& requests) {
  // An instance not yet cached is looked up on a session borrowed for this round only.
  db::SessionScope scope;
  Round& round = rounds_.emplace_back();
  round.responses.resize(requests.size());
  std::map<std::string, Fetch> byInstance;
  for (size_t i = 0; i < requests.size(); ++i) {
    std::optional<App::PlainRead> read;
    try {
      read = app_.plainRead(*requests[i]);
    } catch (const std::exception&) {
      // handle() meets the same failure and answers it.
    }
    if (!read) {
      if (auto row = app_.customRowRead(*requests[i])) {
        sendRow(round, i, std::make_shared<custom_data::QuickRowRead>(std::move(*row)));
      } else {
        round.responses[i] = app_.handle(*requests[i]);
      }
      continue;
    }
    auto& fetch = byInstance[read->readUrl + "\n" + read->instance->schema];
    fetch.url = read->readUrl;
    fetch.requests.push_back(requests[i]);
    fetch.reads.push_back(std::move(*read));
    fetch.positions.push_back(i);
  }
  for (auto& [where, fetch] : byInstance) send(round, std::make_shared<Fetch>(std::move(fetch)));
}

void QuickReads::send(Round& round, std::shared_ptr<Fetch> fetch) {
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
  if (busy) return defer(round, [this, &round, fetch] { send(round, fetch); });
  if (connection == nullptr) return answer(round, *fetch, {}, db::StatementResult(nullptr));
  ++round.waiting;
  // Rounds stay where they are until collected, and a round is collected only once nothing it
  // sent is waiting: the reference stays valid until the call back.
  connection->send(fhir::plainReadsStatement(*fetch->reads.front().instance, keys),
                   [this, &round, fetch, keys, primary](const db::StatementResult& result) {
                     if (!result.ok() && fetch->url != primary) {
                       // A replica that failed (down, or a read cancelled by replay): the primary answers.
                       app_.replicaFailed(fetch->url);
                       fetch->url = primary;
                       send(round, fetch);
                     } else {
                       answer(round, *fetch, keys, result);
                     }
                     --round.waiting;
                   });
}

void QuickReads::sendRow(Round& round, size_t position, std::shared_ptr<const custom_data::QuickRowRead> read) {
  bool busy = false;
  auto* connection = this->connection(read->databaseUrl, busy);
  if (busy) return defer(round, [this, &round, position, read] { sendRow(round, position, read); });
  if (connection == nullptr) {
    round.responses[position] = App::answerCustomRowRead(*read, db::StatementResult(nullptr));
    return;
  }
  ++round.waiting;
  connection->send(read->statement, [&round, position, read](const db::StatementResult& result) {
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

void QuickReads::answer(Round& round, const Fetch& fetch, const std::vector<fhir::RowKey>& keys,
                        const db::StatementResult& result) {
  const size_t count = fetch.reads.size();
  // Should answering fail (out of memory or similar), these stay 500s that close the connection.
  for (size_t position : fetch.positions) {
    round.responses[position].status = 500;
    round.responses[position].close = true;
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
    for (size_t k = 0; k < count; ++k)
      round.responses[fetch.positions[k]] = app_.answerPlainRead(*fetch.requests[k], fetch.reads[k], std::move(answers[k]));
  } catch (const std::exception&) {
  }
}

std::vector<std::vector<http::HttpResponse>> QuickReads::collect(bool readable) {
  for (auto& [url, link] : links_) {
    if (link.connection) link.connection->receive(readable);
    // A broken connection is closed now, which also takes its socket off the reactor's watch.
    if (link.connection && link.connection->broken()) link.connection.reset();
  }
  // What waited for a connection goes out now that results came in (and freed some).
  auto retries = std::move(deferred_);
  deferred_.clear();
  for (auto& retry : retries) retry();
  std::vector<std::vector<http::HttpResponse>> finished;
  while (!rounds_.empty() && rounds_.front().waiting == 0) {
    finished.push_back(std::move(rounds_.front().responses));
    rounds_.pop_front();
  }
  return finished;
}

std::vector<http::QuickAnswerer::Watched> QuickReads::descriptors() const {
  std::vector<Watched> out;
  for (const auto& [url, link] : links_)
    if (link.connection && !link.connection->broken()) out.push_back({link.connection->socket(), link.serial});
  return out;
}

void QuickReads::defer(Round& round, std::function<void()> retry) {
  ++round.waiting;
  deferred_.push_back([&round, retry = std::move(retry)] {
    --round.waiting;
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
  if (now - link.lastFailure < kReconnectInterval) return nullptr;
  link.connection.reset();
  if (!makeRoom()) {
    busy = true;
    return nullptr;
  }
  link.lastUse = now;
  auto fresh = std::make_unique<db::PipelinedConnection>(databaseUrl, "flint reads " + std::to_string(::getpid()));
  if (fresh->broken()) {
    link.lastFailure = now;
    return nullptr;
  }
  link.connection = std::move(fresh);
  link.serial = ++nextSerial_;
  return link.connection.get();
}

bool QuickReads::makeRoom() {
  size_t open = 0;
  Link* oldestIdle = nullptr;
  for (auto& [url, link] : links_) {
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
