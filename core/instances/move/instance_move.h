// Moving an instance to another cluster while it keeps serving: its schemas are copied in one
// snapshot, the changes written meanwhile follow through logical replication, then a short
// write freeze lets the target catch up exactly, every table is compared, and the routing
// switches; only then is the old copy dropped. Each step is recorded in flint.instance_moves,
// so a move interrupted anywhere is resumed or rolled back, and until the switch the source
// stays the one place the instance is served from.
#pragma once

#include <functional>
#include <pqxx/pqxx>
#include <stdexcept>
#include <string>

namespace flint::instances::move {

// A move that cannot start or go on (no such cluster, wrong PostgreSQL settings, another move
// running, the copies differ, ...), with what to do about it.
class MoveError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct MoveFigures {
  double seconds = 0;        // the whole move, as this run saw it
  double copySeconds = 0;    // the snapshot copy
  double frozenSeconds = 0;  // writes refused
  long long copiedBytes = 0;
  long long tables = 0;
};

// What a move is doing, for the operator.
using Progress = std::function<void(const std::string&)>;

MoveFigures moveInstance(pqxx::connection& control, const std::string& instanceName, const std::string& targetCluster,
                         const Progress& progress);
// Carries an interrupted move on from where it stands.
MoveFigures resumeMove(pqxx::connection& control, const std::string& instanceName, const Progress& progress);
// Undoes a move that has not switched: the instance stays where it was (with the audit events
// written to the target during a freeze) and nothing of the move is left on either side.
void rollBackMove(pqxx::connection& control, const std::string& instanceName, const Progress& progress);

}  // namespace flint::instances::move
