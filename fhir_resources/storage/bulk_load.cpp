#include "fhir_resources/storage/bulk_load.h"

#include <algorithm>
#include <condition_variable>
#include <exception>
#include <future>
#include <map>
#include <mutex>
#include <optional>
#include <stdexcept>

#include "fhir_resources/storage/bulk_batch.h"
#include "fhir_resources/storage/resource_number.h"
#include "fhir_resources/storage/index_rows_sql.h"

namespace flint::fhir {
namespace {

// The session-level advisory lock (two int4 keys) that claims an instance for a load.
const char* const kClaim = "hashtext('flint bulk load'), hashtext($1)";

// Hands the steps out to the connections building them, largest first, keeping ANALYZE of a
// table apart from the other statements on it (its lock conflicts with CREATE INDEX's, and a
// waiting statement would idle its connection). After a failure no step is handed out.
template <typename Step>
class StepQueue {
 public:
  explicit StepQueue(std::vector<Step> steps) : pending_(std::move(steps)) {}

  std::optional<Step> take() {
    std::unique_lock lock(mutex_);
    for (;;) {
      if (failed_ || pending_.empty()) return std::nullopt;
      auto it = std::find_if(pending_.begin(), pending_.end(), [&](const Step& s) {
        const Busy& b = busy_[s.table];
        return s.analyze ? b.running == 0 : !b.analyzing;
      });
      if (it != pending_.end()) {
        Step step = std::move(*it);
        pending_.erase(it);
        Busy& b = busy_[step.table];
        ++b.running;
        b.analyzing = step.analyze;
        return step;
      }
      changed_.wait(lock);
    }
  }

  void done(const Step& step, bool ok) {
    std::lock_guard lock(mutex_);
    Busy& b = busy_[step.table];
    --b.running;
    if (step.analyze) b.analyzing = false;
    if (!ok) failed_ = true;
    changed_.notify_all();
  }

 private:
  struct Busy {
    int running = 0;
    bool analyzing = false;
  };
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<Step> pending_;
  std::map<std::string, Busy> busy_;
  bool failed_ = false;
};

}  // namespace

BulkLoad::BulkLoad(db::Session& session, const instances::Instance& instance)
    : session_(session), live_(instance), staged_(instance) {
  staged_.schema = instance.schema + "_load";
  quotedLive_ = db::quoteIdentifier(live_.schema);
  quotedStaged_ = db::quoteIdentifier(staged_.schema);
  const BulkBatch batch(instance.contentDictionaries);
  for (const auto& table : batch.tables()) tables_.push_back(table.name);
  const bool claimed = session_.run([&](pqxx::transaction_base& tx) {
    return tx.exec_params1(std::string("SELECT pg_try_advisory_lock(") + kClaim + ")", live_.schema)[0].as<bool>();
  });
  if (!claimed) throw std::runtime_error("another load into instance '" + instance.name + "' is running");
}

BulkLoad::~BulkLoad() {
  try {
    session_.run([&](pqxx::transaction_base& tx) {
      if (!swapped_) tx.exec0("DROP SCHEMA IF EXISTS " + quotedStaged_ + " CASCADE");
      tx.exec_params(std::string("SELECT pg_advisory_unlock(") + kClaim + ")", live_.schema);
    });
  } catch (const std::exception&) {
    // The connection is gone, and with it the claim; the next load clears the copies.
  }
}

void BulkLoad::createTables() {
  pqxx::work* tx = session_.ambient();
  if (tx == nullptr) throw std::logic_error("BulkLoad::createTables needs a db::Transaction");
  tx->exec0("DROP SCHEMA IF EXISTS " + quotedStaged_ + " CASCADE");
  tx->exec0("CREATE SCHEMA " + quotedStaged_);
  // Autovacuum stays off the copies until they are live: its lock would hold up the index builds.
  for (const auto& table : tables_)
    tx->exec0("CREATE TABLE " + quotedStaged_ + "." + db::quoteIdentifier(table) + " (LIKE " + quotedLive_ + "." +
              db::quoteIdentifier(table) +
              " INCLUDING DEFAULTS INCLUDING GENERATED INCLUDING CONSTRAINTS INCLUDING COMPRESSION INCLUDING STORAGE)"
              " WITH (autovacuum_enabled = false)");
  const std::string tables = pgTextArray(tables_);
  // Per-column statistics targets are not among what LIKE copies.
  for (const auto& row : tx->exec_params(
           "SELECT quote_ident(c.relname), quote_ident(a.attname), a.attstattarget FROM pg_attribute a"
           " JOIN pg_class c ON c.oid = a.attrelid"
           " WHERE c.relnamespace = $1::regnamespace AND c.relname = ANY($2::text[])"
           " AND a.attnum > 0 AND NOT a.attisdropped AND a.attstattarget >= 0",
           live_.schema, tables))
    tx->exec0("ALTER TABLE " + quotedStaged_ + "." + row[0].as<std::string>() + " ALTER COLUMN " +
              row[1].as<std::string>() + " SET STATISTICS " + row[2].as<std::string>());
  // Definitions name their tables schema-qualified (" ON i1.search_token", " FROM i1.search_token").
  const std::string restaged = "' ' || quote_ident($1) || '.', ' ' || quote_ident($2) || '.'";
  for (const auto& row : tx->exec_params(
           "SELECT replace(pg_get_statisticsobjdef(s.oid), " + restaged + "), quote_ident(s.stxname), s.stxstattarget"
           " FROM pg_statistic_ext s JOIN pg_class c ON c.oid = s.stxrelid"
           " WHERE c.relnamespace = $1::regnamespace AND c.relname = ANY($3::text[])",
           live_.schema, staged_.schema, tables)) {
    tx->exec0(row[0].as<std::string>());
    // Nor are targets part of the definition.
    if (row[2].as<int>() >= 0)
      tx->exec0("ALTER STATISTICS " + quotedStaged_ + "." + row[1].as<std::string>() + " SET STATISTICS " +
                row[2].as<std::string>());
    finishing_.push_back("ALTER STATISTICS " + quotedStaged_ + "." + row[1].as<std::string>() + " SET SCHEMA " +
                         quotedLive_);
  }
  for (const auto& row : tx->exec_params("SELECT tablename, replace(indexdef, " + restaged + ") FROM pg_indexes"
                                         " WHERE schemaname = $1 AND tablename = ANY($3::text[])",
                                         live_.schema, staged_.schema, tables))
    indexes_.push_back({row[0].as<std::string>(), row[1].as<std::string>(), false});
  // Constraints backed by an index (the primary key) take over the index built for them.
  for (const auto& row : tx->exec_params(
           "SELECT quote_ident(t.relname), quote_ident(c.conname), CASE c.contype WHEN 'p' THEN 'PRIMARY KEY'"
           " ELSE 'UNIQUE' END FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid"
           " WHERE t.relnamespace = $1::regnamespace AND t.relname = ANY($2::text[]) AND c.contype IN ('p', 'u')",
           live_.schema, tables))
    finishing_.push_back("ALTER TABLE " + quotedLive_ + "." + row[0].as<std::string>() + " ADD CONSTRAINT " +
                         row[1].as<std::string>() + " " + row[2].as<std::string>() + " USING INDEX " +
                         row[1].as<std::string>());
  for (const auto& table : tables_)
    finishing_.push_back("ALTER TABLE " + quotedLive_ + "." + db::quoteIdentifier(table) +
                         " RESET (autovacuum_enabled)");
}

void BulkLoad::buildIndexes(const std::vector<db::Session*>& sessions) {
  std::map<std::string, int64_t> size;
  session_.run([&](pqxx::transaction_base& tx) {
    for (const auto& table : tables_)
      size[table] = tx.exec_params1("SELECT pg_relation_size($1::regclass)",
                                    quotedStaged_ + "." + db::quoteIdentifier(table))[0]
                        .as<int64_t>();
  });
  std::vector<Step> steps = indexes_;
  for (const auto& table : tables_)
    steps.push_back({table, "ANALYZE " + quotedStaged_ + "." + db::quoteIdentifier(table), true});
  // Longest first, so that no connection is left with a large build at the end; the statistics
  // (a sample of each table) after the builds.
  std::stable_sort(steps.begin(), steps.end(), [&](const Step& a, const Step& b) {
    return a.analyze != b.analyze ? !a.analyze : size[a.table] > size[b.table];
  });
  StepQueue<Step> queue(std::move(steps));
  auto work = [&](db::Session& session) {
    // The connections are the parallelism: a build's own workers would only contend with them.
    session.run([](pqxx::transaction_base& tx) { tx.exec0("SET max_parallel_maintenance_workers = 0"); });
    while (auto step = queue.take()) {
      try {
        session.run([&](pqxx::transaction_base& tx) { tx.exec0(step->sql); });
      } catch (...) {
        queue.done(*step, false);
        throw;
      }
      queue.done(*step, true);
    }
    session.run([](pqxx::transaction_base& tx) { tx.exec0("RESET max_parallel_maintenance_workers"); });
  };
  std::vector<std::future<void>> others;
  for (db::Session* s : sessions)
    if (s != &session_) others.push_back(std::async(std::launch::async, [&, s] { work(*s); }));
  std::exception_ptr failure;
  try {
    work(session_);
  } catch (...) {
    failure = std::current_exception();
  }
  for (auto& other : others) {
    try {
      other.get();
    } catch (...) {
      if (!failure) failure = std::current_exception();
    }
  }
  if (failure) std::rethrow_exception(failure);
}

void BulkLoad::swapIn() {
  db::Transaction tx(session_);
  pqxx::work& w = *session_.ambient();
  std::string live;
  for (const auto& table : tables_) live += (live.empty() ? "" : ", ") + quotedLive_ + "." + db::quoteIdentifier(table);
  // Writes into the live tables meanwhile would be lost with them; the lock keeps new ones out.
  w.exec0("LOCK TABLE " + live + ", " + quotedLive_ + ".resource_history IN ACCESS EXCLUSIVE MODE");
  if (w.exec1("SELECT EXISTS (SELECT FROM " + quotedLive_ + ".resources) OR EXISTS (SELECT FROM " + quotedLive_ +
              ".resource_history)")[0]
          .as<bool>())
    throw std::runtime_error("instance '" + live_.name + "' received resources during the load; nothing was loaded");
  // The copies were numbered from 1 (resource_number.h): the instance's own numbers go on after them.
  const std::string sequence = quotedLive_ + ".resource_rid";
  w.exec1("SELECT setval('" + sequence + "', greatest((SELECT last_value FROM " + sequence +
          "), (SELECT max(rid & " + std::to_string((int64_t{1} << kResourceNumberSequenceBits) - 1) + ") FROM " +
          quotedStaged_ + ".resources)))");
  w.exec0("DROP TABLE " + live);
  for (const auto& table : tables_)
    w.exec0("ALTER TABLE " + quotedStaged_ + "." + db::quoteIdentifier(table) + " SET SCHEMA " + quotedLive_);
  for (const auto& sql : finishing_) w.exec0(sql);
  w.exec0("DROP SCHEMA " + quotedStaged_);
  tx.commit();
  swapped_ = true;
}

}  // namespace flint::fhir
