// What a move checks: every table has the same rows on both sides. The snapshot copy is compared
// whole (count and an order-independent checksum of every row) outside any freeze; during the
// freeze only what changed since: each table's count, and a checksum of the rows written after
// the copy (by transaction: rows whose xmin the copy's snapshot did not see), so the freeze
// costs the changes, not the instance's size.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/db/raw_connection.h"
#include "core/instances/move/moved_tables.h"

namespace flint::instances::move {

struct TableSum {
  long long rows = 0;
  std::string checksum;
  bool operator==(const TableSum&) const = default;
};

// Which rows are hashed (all are counted).
struct SumScope {
  std::string changedSince;  // a pg_snapshot ("xmin:xmax:xip,..."); empty: every row
  std::string changedIds;    // with changedSince: a table of the ids whose derived rows are hashed
  std::string auditTable;    // quoted; its rows from auditFloor on are left out entirely
  long long auditFloor = 0;
};

// Count and checksum of each of `tables` on `conn`, in the transaction the caller opened (by
// quoted name).
std::map<std::string, TableSum> tableSums(db::RawConnection& conn, const std::vector<MovedTable>& tables,
                                          const SumScope& scope);

// Where two sides differ (tables missing on one side or with other rows); empty when equal.
std::vector<std::string> differences(const std::map<std::string, TableSum>& source,
                                     const std::map<std::string, TableSum>& target);

}  // namespace flint::instances::move
