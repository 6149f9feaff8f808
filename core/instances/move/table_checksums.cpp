#include "core/instances/move/table_checksums.h"

namespace flint::instances::move {

std::map<std::string, TableSum> tableSums(const std::string& url, const std::vector<MovedTable>& tables,
                                          const std::string& auditTable, long long auditFloor) {
  db::RawConnection conn(url);
  // Rows are compared as text: both sides must print values alike whatever their settings.
  conn.exec("SET TimeZone = 'UTC'; SET DateStyle = 'ISO, YMD'; SET IntervalStyle = 'postgres';"
            " SET extra_float_digits = 3; BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
  std::map<std::string, TableSum> out;
  for (const auto& t : tables) {
    const bool audit = t.qualified == auditTable;
    auto r = conn.exec("SELECT count(*), coalesce(sum(hashtextextended(t::text, 0)), 0) FROM " + t.qualified + " t" +
                       (audit ? " WHERE id < " + std::to_string(auditFloor) : ""));
    out[t.qualified] = {std::stoll(r.text(0, 0)), r.text(0, 1)};
  }
  conn.exec("COMMIT");
  return out;
}

std::vector<std::string> differences(const std::map<std::string, TableSum>& source,
                                     const std::map<std::string, TableSum>& target) {
  std::vector<std::string> out;
  for (const auto& [table, sum] : source) {
    auto it = target.find(table);
    if (it == target.end())
      out.push_back(table + " is missing on the target");
    else if (!(it->second == sum))
      out.push_back(table + ": " + std::to_string(sum.rows) + " rows on the source, " +
                    std::to_string(it->second.rows) + " on the target" +
                    (sum.rows == it->second.rows ? " (contents differ)" : ""));
  }
  for (const auto& [table, sum] : target)
    if (source.count(table) == 0) out.push_back(table + " is not on the source");
  return out;
}

}  // namespace flint::instances::move
