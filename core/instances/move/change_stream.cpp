#include "core/instances/move/change_stream.h"

#include <stdexcept>
#include <thread>

#include "core/crypto/digest.h"
#include "core/db/session.h"

namespace flint::instances::move {
namespace {

std::string markerTable(const std::string& name) { return db::quoteIdentifier(name) + ".marker"; }

void createMarker(db::RawConnection& conn, const std::string& name) {
  conn.exec("CREATE SCHEMA IF NOT EXISTS " + db::quoteIdentifier(name) + "; CREATE TABLE IF NOT EXISTS " +
            markerTable(name) + " (token text PRIMARY KEY)");
}

}  // namespace

std::string moveName(long long instanceId) { return "flint_move_" + std::to_string(instanceId); }

void publish(db::RawConnection& source, const std::string& name, const std::vector<MovedTable>& tables) {
  createMarker(source, name);
  std::string list = markerTable(name);
  for (const auto& t : tables) {
    if (t.derived) continue;
    if (!t.hasPrimaryKey) source.exec("ALTER TABLE " + t.qualified + " REPLICA IDENTITY FULL");
    list += ", " + t.qualified;
  }
  source.exec("DROP PUBLICATION IF EXISTS " + db::quoteIdentifier(name) + "; CREATE PUBLICATION " +
              db::quoteIdentifier(name) + " FOR TABLE " + list);
}

SnapshotSlot::SnapshotSlot(const std::string& sourceUrl, const std::string& name) : replication_(sourceUrl, true) {
  auto r = replication_.exec("CREATE_REPLICATION_SLOT " + db::quoteIdentifier(name) +
                             " LOGICAL pgoutput (SNAPSHOT 'export')");
  snapshot_ = r.value(0, 2);
}

void subscribe(db::RawConnection& target, const std::string& name, const std::string& sourceUrl) {
  createMarker(target, name);
  // A slot made beforehand (create_slot = false) also lets source and target be two databases
  // of one PostgreSQL server, where CREATE SUBSCRIPTION cannot create the slot itself.
  target.exec("CREATE SUBSCRIPTION " + db::quoteIdentifier(name) + " CONNECTION " + target.literal(sourceUrl) +
              " PUBLICATION " + db::quoteIdentifier(name) + " WITH (create_slot = false, slot_name = " +
              target.literal(name) + ", copy_data = false)");
}

void waitCaughtUp(db::RawConnection& source, db::RawConnection& target, const std::string& name,
                  std::chrono::milliseconds timeout) {
  const std::string token = target.literal(crypto::randomToken(12));
  source.exec("INSERT INTO " + markerTable(name) + " VALUES (" + token + ")");
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (target.exec("SELECT 1 FROM " + markerTable(name) + " WHERE token = " + token).rows() == 0) {
    if (std::chrono::steady_clock::now() > deadline)
      throw std::runtime_error("the target has not applied the source's changes within " +
                               std::to_string(timeout.count()) + " ms (see the target's log)");
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

bool subscribed(db::RawConnection& target, const std::string& name) {
  return target.exec("SELECT 1 FROM pg_subscription WHERE subname = " + target.literal(name)).rows() > 0;
}

void dropStream(db::RawConnection& source, db::RawConnection& target, const std::string& name) {
  const std::string quoted = db::quoteIdentifier(name);
  if (subscribed(target, name)) {
    // Detached from its slot first: dropping the slot through the subscription would hang when
    // both are on one server, and fails when the source is unreachable.
    target.exec("ALTER SUBSCRIPTION " + quoted + " DISABLE");
    target.exec("ALTER SUBSCRIPTION " + quoted + " SET (slot_name = NONE)");
    target.exec("DROP SUBSCRIPTION " + quoted);
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  for (;;) {
    auto slot = source.exec("SELECT active FROM pg_replication_slots WHERE slot_name = " + source.literal(name));
    if (slot.rows() == 0) break;
    if (slot.value(0, 0) == "f") {
      source.exec("SELECT pg_drop_replication_slot(" + source.literal(name) + ")");
      break;
    }
    // The disabled subscription's sender takes a moment to exit.
    if (std::chrono::steady_clock::now() > deadline) throw std::runtime_error("replication slot " + name + " stays active");
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  source.exec("DROP PUBLICATION IF EXISTS " + quoted);
}

}  // namespace flint::instances::move
