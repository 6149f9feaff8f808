// Loads an empty instance in bulk beside its live tables: rows go into bare copies of the
// resource tables in a schema of their own, whose indexes and planner statistics are then built
// on several connections at once, and the copies replace the live (empty) tables in one short
// transaction. The instance serves requests all along, and a failed load leaves it as it was.
#pragma once

#include <string>
#include <vector>

#include "core/db/session.h"
#include "core/instances/instance.h"

namespace flint::fhir {

class BulkLoad {
 public:
  // Claims the instance for this load on `session`'s connection; a second load of the same
  // instance meanwhile fails (std::runtime_error).
  BulkLoad(db::Session& session, const instances::Instance& instance);
  // Drops whatever an unfinished load staged, and gives up the claim.
  ~BulkLoad();
  BulkLoad(const BulkLoad&) = delete;
  BulkLoad& operator=(const BulkLoad&) = delete;

  // The instance as the load writes it: its resource tables are the copies (for a
  // ResourceRepository's bulkInsert on the load's session).
  const instances::Instance& staged() const { return staged_; }

  // Creates the copies (clearing what a crashed load left). Runs in the session's ambient
  // transaction, which the caller commits once the rows are in: rows COPYed into tables created
  // in the same transaction skip the WAL under wal_level = minimal (the embedded cluster's).
  void createTables();
  // Builds the copies' indexes and statistics once their rows are committed, one statement at a
  // time on each of `sessions` (separate connections; the load's may be one of them).
  void buildIndexes(const std::vector<db::Session*>& sessions);
  // Replaces the live tables with the copies. Fails (std::runtime_error), changing nothing, if
  // the instance received resources meanwhile.
  void swapIn();

 private:
  struct Step {
    std::string table;
    std::string sql;
    bool analyze;  // ANALYZE cannot run beside another statement on its table
  };


  db::Session& session_;
  instances::Instance live_;
  instances::Instance staged_;
  std::string quotedLive_;
  std::string quotedStaged_;
  std::vector<std::string> tables_;     // the tables a BulkBatch fills
  std::vector<Step> indexes_;           // the live tables' indexes, made for the copies
  std::vector<std::string> finishing_;  // statements the swap runs once the copies are live
  bool swapped_ = false;
};

}  // namespace flint::fhir
