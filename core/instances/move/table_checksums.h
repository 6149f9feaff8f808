// What a move checks before switching: every table has the same rows on both sides, by count
// and an order-independent checksum of the rows' text.
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

// Count and checksum of each of `tables` in the database at `url` (by quoted name), in one
// snapshot. Rows of `auditTable` from id `auditFloor` on (the events the target wrote itself
// during the freeze) are left out.
std::map<std::string, TableSum> tableSums(const std::string& url, const std::vector<MovedTable>& tables,
                                          const std::string& auditTable, long long auditFloor);

// Where two sides differ (tables missing on one side or with other rows); empty when equal.
std::vector<std::string> differences(const std::map<std::string, TableSum>& source,
                                     const std::map<std::string, TableSum>& target);

}  // namespace flint::instances::move
