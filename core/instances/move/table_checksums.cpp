#include "core/instances/move/table_checksums.h"

#include <sstream>

namespace flint::instances::move {
namespace {

// A row's hash: one hash per column (seeded by its position), combined; cheaper than hashing the
// row's text, which quotes and escapes every value.
std::string rowHash(const MovedTable& t) {
  std::string out;
  for (size_t i = 0; i < t.columnList.size(); ++i)
    out += (i ? " # " : "") + std::string("hashtextextended(coalesce(") + t.columnList[i] + "::text, '\\N'), " +
           std::to_string(i + 1) + ")";
  return out.empty() ? "0" : out;
}

// Whether a row's xmin is a transaction `snapshot` did not see (32-bit transaction ids compared
// modulo 2^32, as PostgreSQL does; 1 and 2 are the bootstrap and frozen ids).
std::string writtenAfter(const std::string& snapshot) {
  std::istringstream parts(snapshot);
  std::string xmin, xmax, xip;
  std::getline(parts, xmin, ':');
  std::getline(parts, xmax, ':');
  std::getline(parts, xip);
  const auto low = [](const std::string& xid) { return std::to_string(std::stoull(xid) % 4294967296ULL); };
  const std::string x = "xmin::text::bigint";
  const auto notBefore = [&](const std::string& bound) {
    return "((" + x + " - " + low(bound) + " + 4294967296) % 4294967296) < 2147483648";
  };
  std::string inProgress;
  std::istringstream ids(xip);
  for (std::string id; std::getline(ids, id, ',');) inProgress += (inProgress.empty() ? "" : ",") + low(id);
  return "(" + x + " > 2 AND " + notBefore(xmin) + " AND (" + notBefore(xmax) +
         (inProgress.empty() ? "" : " OR " + x + " IN (" + inProgress + ")") + "))";
}

}  // namespace

std::map<std::string, TableSum> tableSums(db::RawConnection& conn, const std::vector<MovedTable>& tables,
                                          const SumScope& scope) {
  // Values are hashed as text: both sides must print them alike whatever their settings.
  conn.exec("SET TimeZone = 'UTC'; SET DateStyle = 'ISO, YMD'; SET IntervalStyle = 'postgres';"
            " SET extra_float_digits = 3; SET bytea_output = 'hex'");
  std::map<std::string, TableSum> out;
  for (const auto& t : tables) {
    std::string hashed = "true";
    if (!scope.changedSince.empty())
      hashed = t.derived ? "rid IN (SELECT rid FROM " + scope.changedIds + ")" : writtenAfter(scope.changedSince);
    auto r = conn.exec("SELECT count(*), coalesce(sum(" + rowHash(t) + ") FILTER (WHERE " + hashed + "), 0) FROM " +
                       t.qualified + (t.qualified == scope.auditTable ? " WHERE id < " + std::to_string(scope.auditFloor) : ""));
    out[t.qualified] = {std::stoll(r.value(0, 0)), r.value(0, 1)};
  }
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
