// The changes written to an instance while it is copied, carried by PostgreSQL's own logical
// replication: a publication of the instance's tables on the source, a slot whose exported
// snapshot the copy reads, and a subscription on the target that applies everything after it.
// All objects of one move are named after it (flint_move_<instance id>).
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "core/db/raw_connection.h"
#include "core/instances/move/moved_tables.h"

namespace flint::instances::move {

// The move's name: its publication, slot, subscription and helper schema on both sides.
std::string moveName(long long instanceId);

// Publishes `tables` (all but the derived ones) and the move's marker table. Keyless tables
// are given REPLICA IDENTITY FULL, without which PostgreSQL refuses their updates once published.
void publish(db::RawConnection& source, const std::string& name, const std::vector<MovedTable>& tables);

// A logical slot created with an exported snapshot: reading in that snapshot sees exactly what
// the slot's changes start after. The snapshot lives while this object does.
class SnapshotSlot {
 public:
  SnapshotSlot(const std::string& sourceUrl, const std::string& name);
  const std::string& snapshot() const { return snapshot_; }

 private:
  db::RawConnection replication_;
  std::string snapshot_;
};

// Creates the marker table on the target and subscribes to the slot (no initial copy: the
// snapshot copy made it).
void subscribe(db::RawConnection& target, const std::string& name, const std::string& sourceUrl);

// Writes a marker on the source and waits until the target has applied it, i.e. everything the
// source committed before it; throws std::runtime_error after `timeout`.
void waitCaughtUp(db::RawConnection& source, db::RawConnection& target, const std::string& name,
                  std::chrono::milliseconds timeout);

// Whether the target's subscription still exists (dropStream removes it first).
bool subscribed(db::RawConnection& target, const std::string& name);

// Removes the subscription, slot and publication, whichever exist.
void dropStream(db::RawConnection& source, db::RawConnection& target, const std::string& name);

}  // namespace flint::instances::move
