#include "core/instances/move/instance_move.h"

#include <chrono>
#include <cstdio>
#include <future>
#include <optional>
#include <set>
#include <thread>

#include "core/db/raw_connection.h"
#include "core/db/session.h"
#include "core/instances/cluster_store.h"
#include "core/instances/instance_store.h"
#include "core/instances/move/change_stream.h"
#include "core/instances/move/derived_rows.h"
#include "core/instances/move/moved_tables.h"
#include "core/instances/move/schema_ddl.h"
#include "core/instances/move/table_checksums.h"

namespace flint::instances::move {
namespace {

using Clock = std::chrono::steady_clock;

constexpr int kMoveLock = 0x666d6f76;  // "fmov": with the instance id, one move per instance at a time
// How long until every server process has seen a change of a moving instance (its instance
// cache holds one for 100 ms) and written the audit events it had queued before (every 200 ms).
constexpr double kPropagationSeconds = 0.5;
// How long the move streams at least before freezing: until every process has re-read the
// instance as moving (it cached it for up to a second before) and so re-reads it often.
constexpr double kStreamingSeconds = 1.3;
// The target's own audit event ids start this far above the source's, clear of any the
// source still hands out while the freeze propagates.
constexpr long long kAuditGap = 1'000'000'000;
// Changed resources left when the freeze starts: their index rows are copied while frozen.
constexpr long long kFreezeBacklog = 200;

double secondsSince(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

std::string seconds(Clock::time_point start) {
  char text[32];
  std::snprintf(text, sizeof text, "%.2f", secondsSince(start));
  return text;
}

struct MoveRecord {
  std::string source;
  std::string target;
  std::string state;
  std::optional<long long> auditFloor;
  double secondsInState = 0;
  std::string sourceSnapshot;  // the copy's, on each side
  std::string targetSnapshot;
};

std::optional<MoveRecord> moveRecord(pqxx::connection& control, long long instanceId) {
  pqxx::work tx(control);
  auto r = tx.exec_params("SELECT source, target, state, audit_floor, extract(epoch FROM now() - state_changed_at),"
                          " coalesce(source_snapshot, ''), coalesce(target_snapshot, '')"
                          " FROM flint.instance_moves WHERE instance_id = $1",
                          instanceId);
  tx.commit();
  if (r.empty()) return std::nullopt;
  MoveRecord m{r[0][0].as<std::string>(), r[0][1].as<std::string>(), r[0][2].as<std::string>(), std::nullopt,
               r[0][4].as<double>(), r[0][5].as<std::string>(), r[0][6].as<std::string>()};
  if (!r[0][3].is_null()) m.auditFloor = r[0][3].as<long long>();
  return m;
}

std::string clusterUrl(pqxx::connection& control, const std::string& cluster) {
  if (cluster == kMainCluster) return control.options();
  pqxx::work tx(control);
  auto found = findCluster(tx, cluster);
  tx.commit();
  if (!found) throw MoveError("there is no cluster named '" + cluster + "'");
  return found->databaseUrl;
}

int majorVersion(db::RawConnection& conn) { return std::stoi(conn.exec("SHOW server_version_num").value(0, 0)) / 10000; }

class Mover {
 public:
  Mover(pqxx::connection& control, Instance instance, MoveRecord record, const Progress& progress)
      : control_(control),
        instance_(std::move(instance)),
        record_(std::move(record)),
        progress_(progress),
        name_(moveName(instance_.id)),
        sourceUrl_(clusterUrl(control, record_.source)),
        targetUrl_(clusterUrl(control, record_.target)),
        source_(sourceUrl_),
        target_(targetUrl_) {
    lock();
  }
  ~Mover() {
    try {
      pqxx::nontransaction tx(control_);
      tx.exec_params("SELECT pg_advisory_unlock($1, $2)", kMoveLock, static_cast<int>(instance_.id));
    } catch (const std::exception&) {
    }
  }

  void checkClusters() {
    const std::string walLevel = source_.exec("SHOW wal_level").value(0, 0);
    if (walLevel != "logical")
      throw MoveError("cluster '" + record_.source + "' has wal_level = " + walLevel +
                      "; moving an instance out of it needs wal_level = logical (set in postgresql.conf, then restart)");
    for (auto* side : {&source_, &target_})
      if (side->exec("SELECT rolsuper FROM pg_roles WHERE rolname = current_user").value(0, 0) != "t")
        throw MoveError("a move connects to both clusters as a superuser (PostgreSQL 15 requires it to subscribe)");
    if (majorVersion(target_) < majorVersion(source_))
      throw MoveError("cluster '" + record_.target + "' runs an older PostgreSQL than '" + record_.source + "'");
    if (target_.exec("SELECT 1 FROM pg_namespace WHERE nspname = " + target_.literal(instance_.schema)).rows() > 0)
      throw MoveError("cluster '" + record_.target + "' already has a schema named " + instance_.schema +
                      "; it is not the copy of a move Flint recorded, so Flint leaves it alone");
  }

  MoveFigures run() {
    const auto start = Clock::now();
    if (record_.state == "rollback")
      throw MoveError("this move is being rolled back; finish that with --rollback");
    if (record_.state == "copying") copy();
    if (record_.state == "streaming") stream();
    if (record_.state == "frozen") finishFrozen();
    if (record_.state == "switched") finishSwitched();
    figures_.seconds = secondsSince(start);
    return figures_;
  }

  void rollBack() {
    if (record_.state == "switched")
      throw MoveError("the instance is already served from '" + record_.target +
                      "'; the move can only be finished (--resume), or the instance moved back");
    if (record_.state == "frozen") setState("rollback");
    if (record_.auditFloor) {
      // Servers may still send audit events to the target until they see the freeze is over.
      waitPropagation();
    }
    progress_("rolling back: removing the subscription and the copy on '" + record_.target + "'");
    dropStream(source_, target_, name_);
    const auto schemas = schemasOf(source_, instance_.schema);
    if (record_.auditFloor && hasSchema(target_, instance_.schema)) copyAuditBack(*record_.auditFloor);
    dropSchemas(target_, schemas);
    dropSchemas(source_, {});
    for (const auto& t : tablesOf(source_, instance_.schema, schemas))
      if (!t.hasPrimaryKey && !t.derived) source_.exec("ALTER TABLE " + t.qualified + " REPLICA IDENTITY DEFAULT");
    finish();
    progress_("rolled back: " + instance_.name + " stays on '" + record_.source + "'");
  }

 private:
  void lock() {
    pqxx::nontransaction tx(control_);
    if (!tx.exec_params1("SELECT pg_try_advisory_lock($1, $2)", kMoveLock, static_cast<int>(instance_.id))[0].as<bool>())
      throw MoveError("another process is moving " + instance_.name + " right now");
  }

  void setState(const std::string& state, std::optional<long long> auditFloor = std::nullopt) {
    pqxx::work tx(control_);
    tx.exec_params0("UPDATE flint.instance_moves SET state = $2, state_changed_at = now(),"
                    " audit_floor = coalesce($3, audit_floor) WHERE instance_id = $1",
                    instance_.id, state, auditFloor);
    tx.commit();
    record_.state = state;
    record_.secondsInState = 0;
    if (auditFloor) record_.auditFloor = auditFloor;
  }

  void finish() {
    pqxx::work tx(control_);
    tx.exec_params0("DELETE FROM flint.instance_moves WHERE instance_id = $1", instance_.id);
    tx.commit();
  }

  // Waits until every server has seen the current state (counted from when it was entered).
  void waitPropagation() {
    const double left = kPropagationSeconds - record_.secondsInState;
    if (left > 0) std::this_thread::sleep_for(std::chrono::duration<double>(left));
    record_.secondsInState = kPropagationSeconds;
  }

  static bool hasSchema(db::RawConnection& conn, const std::string& schema) {
    return conn.exec("SELECT 1 FROM pg_namespace WHERE nspname = " + conn.literal(schema)).rows() > 0;
  }

  // Drops `schemas` and the move's helper schema on `conn`.
  void dropSchemas(db::RawConnection& conn, const std::vector<std::string>& schemas) {
    std::string sql = "DROP SCHEMA IF EXISTS " + db::quoteIdentifier(name_) + " CASCADE;";
    for (const auto& s : schemas) sql += "DROP SCHEMA IF EXISTS " + db::quoteIdentifier(s) + " CASCADE;";
    conn.exec(sql);
  }

  void copy() {
    progress_("copying " + instance_.name + " from '" + record_.source + "' to '" + record_.target + "'");
    const auto start = Clock::now();
    const auto schemas = schemasOf(source_, instance_.schema);
    // A copy interrupted before is started over.
    dropStream(source_, target_, name_);
    dropSchemas(target_, schemas);
    const auto tables = tablesOf(source_, instance_.schema, schemas);
    publish(source_, name_, tables);
    std::vector<std::string> wrong;
    {
      SnapshotSlot slot(sourceUrl_, name_);
      target_.exec(schemaDdl(sourceUrl_, majorVersion(source_), schemas, "pre-data"));
      db::RawConnection reader(sourceUrl_);
      reader.exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET TRANSACTION SNAPSHOT " +
                  reader.literal(slot.snapshot()));
      target_.exec("BEGIN");
      for (const auto& t : tables)
        figures_.copiedBytes += db::streamCopy(reader, "COPY " + t.qualified + " (" + t.columns + ") TO STDOUT (FORMAT binary)",
                                               target_, "COPY " + t.qualified + " (" + t.columns + ") FROM STDIN (FORMAT binary)");
      target_.exec("COMMIT");
      figures_.tables = static_cast<long long>(tables.size());
      progress_("copied " + std::to_string(tables.size()) + " tables (" + std::to_string(figures_.copiedBytes / 1024) +
                " kB); comparing them");
      // The whole copy is compared here, while nothing is frozen; the freeze compares only the
      // rows written after these two snapshots.
      record_.sourceSnapshot = reader.exec("SELECT pg_current_snapshot()").value(0, 0);
      auto sourceSums = std::async(std::launch::async, [&] { return tableSums(reader, tables, {}); });
      target_.exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
      record_.targetSnapshot = target_.exec("SELECT pg_current_snapshot()").value(0, 0);
      const auto targetSums = tableSums(target_, tables, {});
      target_.exec("COMMIT");
      wrong = differences(sourceSums.get(), targetSums);
      reader.exec("COMMIT");
    }
    failIfDifferent(wrong);
    progress_("the copy is identical; building indexes");
    target_.exec(schemaDdl(sourceUrl_, majorVersion(source_), schemas, "post-data"));
    target_.exec("ANALYZE");
    noteChangedResources(target_, name_, instance_.schema);
    subscribe(target_, name_, sourceUrl_);
    figures_.copySeconds = secondsSince(start);
    pqxx::work tx(control_);
    tx.exec_params0("UPDATE flint.instance_moves SET state = 'streaming', state_changed_at = now(),"
                    " source_snapshot = $2, target_snapshot = $3 WHERE instance_id = $1",
                    instance_.id, record_.sourceSnapshot, record_.targetSnapshot);
    tx.commit();
    record_.state = "streaming";
    record_.secondsInState = 0;
  }

  // Rolls the move back (undoing a freeze) when the two sides differ in `wrong` ways.
  void failIfDifferent(const std::vector<std::string>& wrong) {
    if (wrong.empty()) return;
    std::string list;
    for (const auto& w : wrong) list += "\n  " + w;
    progress_("the copies differ; rolling back" + list);
    rollBack();
    throw MoveError("the copy on '" + record_.target + "' differs from the source, so " + instance_.name +
                    " stays on '" + record_.source + "' (rolled back); run the move again:" + list);
  }

  void stream() {
    progress_("applying the changes written since the copy");
    const auto start = Clock::now();
    const auto tables = tablesOf(source_, instance_.schema, schemasOf(source_, instance_.schema));
    for (;;) {
      waitCaughtUp(source_, target_, name_, std::chrono::minutes(5));
      const long long backlog = syncDerivedRows(source_, target_, name_, tables);
      if (backlog <= kFreezeBacklog && record_.secondsInState + secondsSince(start) >= kStreamingSeconds) break;
      if (backlog <= kFreezeBacklog) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    const std::string sequence = auditSequence(source_);
    const long long floor =
        std::stoll(source_.exec("SELECT last_value FROM " + sequence).value(0, 0)) + kAuditGap;
    target_.exec("SELECT setval(" + target_.literal(sequence) + ", " + std::to_string(floor) + ", false)");
    progress_("freezing writes");
    setState("frozen", floor);
  }

  std::string auditSequence(db::RawConnection& conn) {
    return conn.exec("SELECT pg_get_serial_sequence(" + conn.literal(auditTable()) + ", 'id')").value(0, 0);
  }

  std::string auditTable() const { return db::quoteIdentifier(instance_.schema) + "." + db::quoteIdentifier("audit_events"); }

  void finishFrozen() {
    const auto frozenFor = record_.secondsInState;
    const auto start = Clock::now();
    waitPropagation();
    waitCaughtUp(source_, target_, name_, std::chrono::seconds(30));
    const auto sourceSchemas = schemasOf(source_, instance_.schema);
    const auto tables = tablesOf(source_, instance_.schema, sourceSchemas);
    syncDerivedRows(source_, target_, name_, tables);
    progress_("frozen: every process refuses writes; the target caught up (" + seconds(start) + " s)");
    const auto comparing = Clock::now();
    const std::string audit = auditTable();
    const std::string changedIds = db::quoteIdentifier(name_) + ".changed_ids";
    std::set<std::string> sourceNames, targetNames;
    for (const auto& t : tables) sourceNames.insert(t.qualified);
    for (const auto& t : tablesOf(target_, instance_.schema, schemasOf(target_, instance_.schema))) targetNames.insert(t.qualified);
    if (sourceNames != targetNames)
      failIfDifferent({"the instance's tables changed during the move (a plugin installed or removed?)"});
    // The source learns the target's list of changed resources, for their index rows.
    db::RawConnection sourceSide(sourceUrl_);
    sourceSide.exec("CREATE TEMP TABLE changed_ids (rid bigint PRIMARY KEY)");
    db::streamCopy(target_, "COPY " + changedIds + " TO STDOUT (FORMAT binary)", sourceSide,
                   "COPY changed_ids FROM STDIN (FORMAT binary)");
    sourceSide.exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    auto sourceSums = std::async(std::launch::async, [&] {
      auto sums = tableSums(sourceSide, tables, {record_.sourceSnapshot, "pg_temp.changed_ids", audit, *record_.auditFloor});
      sourceSide.exec("COMMIT");
      return sums;
    });
    target_.exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    const auto targetSums = tableSums(target_, tables, {record_.targetSnapshot, changedIds, audit, *record_.auditFloor});
    target_.exec("COMMIT");
    const auto sums = sourceSums.get();
    progress_("compared " + std::to_string(tables.size()) + " tables on both sides (" + seconds(comparing) + " s)");
    failIfDifferent(differences(sums, targetSums));
    copySequences(sourceSchemas);
    // Everything the instance holds is on the target from here on.
    const std::string floor = target_.exec("SELECT pg_current_wal_insert_lsn()::text").value(0, 0);
    {
      pqxx::work tx(control_);
      tx.exec_params0("UPDATE flint.instances SET cluster = $2, read_floor_lsn = $3::pg_lsn WHERE id = $1",
                      instance_.id, record_.target, floor);
      tx.exec_params0("UPDATE flint.instance_moves SET state = 'switched', state_changed_at = now()"
                      " WHERE instance_id = $1",
                      instance_.id);
      tx.commit();
    }
    record_.state = "switched";
    record_.secondsInState = 0;
    figures_.frozenSeconds = frozenFor + secondsSince(start);
    progress_("switched: " + instance_.name + " is served from '" + record_.target + "'");
  }

  // Each sequence of the target continues after the source's, unless it is already past it
  // (the audit events' sequence, which the target used during the freeze).
  void copySequences(const std::vector<std::string>& schemas) {
    for (const auto& sequence : sequencesOf(source_, schemas)) {
      const std::string used = "SELECT last_value, is_called, last_value - CASE WHEN is_called THEN 0 ELSE 1 END FROM ";
      auto s = source_.exec(used + sequence);
      auto t = target_.exec(used + sequence);
      if (std::stoll(t.value(0, 2)) >= std::stoll(s.value(0, 2))) continue;
      target_.exec("SELECT setval(" + target_.literal(sequence) + ", " + s.value(0, 0) + ", " +
                   (s.value(0, 1) == "t" ? "true" : "false") + ")");
    }
  }

  void finishSwitched() {
    waitPropagation();
    // A write that was under way when the freeze began still reaches the target. A resumed move
    // whose stream is gone caught up before dropping it.
    if (subscribed(target_, name_)) {
      waitCaughtUp(source_, target_, name_, std::chrono::seconds(30));
      syncDerivedRows(source_, target_, name_, tablesOf(source_, instance_.schema, schemasOf(source_, instance_.schema)));
    }
    progress_("dropping the copy on '" + record_.source + "'");
    dropStream(source_, target_, name_);
    dropSchemas(source_, schemasOf(source_, instance_.schema));
    dropSchemas(target_, {});
    finish();
    progress_("moved: " + instance_.name + " is on '" + record_.target + "'");
  }

  // The audit events the target wrote itself during an undone freeze go back to the source.
  void copyAuditBack(long long floor) {
    const auto tables = tablesOf(target_, instance_.schema, {instance_.schema});
    for (const auto& t : tables) {
      if (t.name != "audit_events") continue;
      source_.exec("BEGIN; CREATE TEMP TABLE flint_move_audit (LIKE " + t.qualified + ") ON COMMIT DROP");
      db::streamCopy(target_,
                     "COPY (SELECT " + t.columns + " FROM " + t.qualified + " WHERE id >= " + std::to_string(floor) +
                         ") TO STDOUT (FORMAT binary)",
                     source_, "COPY flint_move_audit (" + t.columns + ") FROM STDIN (FORMAT binary)");
      source_.exec("INSERT INTO " + t.qualified + " (" + t.columns + ") SELECT " + t.columns +
                   " FROM flint_move_audit ON CONFLICT DO NOTHING; COMMIT");
    }
  }

  pqxx::connection& control_;
  Instance instance_;
  MoveRecord record_;
  const Progress& progress_;
  std::string name_;
  std::string sourceUrl_;
  std::string targetUrl_;
  db::RawConnection source_;
  db::RawConnection target_;
  MoveFigures figures_;
};

Instance instanceFor(pqxx::connection& control, const std::string& name) {
  auto instance = findInstance(control, name);
  if (!instance) throw MoveError("there is no instance named '" + name + "'");
  return *instance;
}

MoveRecord recordFor(pqxx::connection& control, const Instance& instance) {
  auto record = moveRecord(control, instance.id);
  if (!record) throw MoveError(instance.name + " is not being moved");
  return *record;
}

}  // namespace

MoveFigures moveInstance(pqxx::connection& control, const std::string& instanceName, const std::string& targetCluster,
                         const Progress& progress) {
  const Instance instance = instanceFor(control, instanceName);
  if (moveRecord(control, instance.id))
    throw MoveError(instanceName + " is already being moved; resume (--resume) or roll back (--rollback) that move");
  if (targetCluster == instance.cluster) throw MoveError(instanceName + " is already on '" + targetCluster + "'");
  {
    pqxx::work tx(control);
    auto target = findCluster(tx, targetCluster);
    if (!target) throw MoveError("there is no cluster named '" + targetCluster + "'");
    if (target->draining) throw MoveError("cluster '" + targetCluster + "' is draining and takes no instances");
  }
  Mover mover(control, instance, MoveRecord{instance.cluster, targetCluster, "copying", std::nullopt, 0}, progress);
  mover.checkClusters();
  {
    pqxx::work tx(control);
    tx.exec_params0("INSERT INTO flint.instance_moves (instance_id, source, target, state) VALUES ($1, $2, $3, 'copying')",
                    instance.id, instance.cluster, targetCluster);
    tx.commit();
  }
  return mover.run();
}

MoveFigures resumeMove(pqxx::connection& control, const std::string& instanceName, const Progress& progress) {
  const Instance instance = instanceFor(control, instanceName);
  Mover mover(control, instance, recordFor(control, instance), progress);
  return mover.run();
}

void rollBackMove(pqxx::connection& control, const std::string& instanceName, const Progress& progress) {
  const Instance instance = instanceFor(control, instanceName);
  Mover mover(control, instance, recordFor(control, instance), progress);
  mover.rollBack();
}

}  // namespace flint::instances::move
