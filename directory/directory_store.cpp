#include "directory/directory_store.h"

namespace flint::directory {

LogPosition logPosition(pqxx::connection& conn) {
  pqxx::nontransaction tx(conn);
  auto r = tx.exec1(
      "SELECT count(*), coalesce((extract(epoch FROM max(changed_at)) * 1000)::bigint, 0)"
      " FROM flint.directory_changes");
  return {r[0].as<int64_t>(), r[1].as<int64_t>()};
}

std::vector<Practice> publishedPractices(pqxx::connection& conn) {
  pqxx::nontransaction tx(conn);
  auto rows = tx.exec(
      "SELECT i.name, i.organization_name, coalesce(i.organization_npi, ''), coalesce(i.organization_address, ''),"
      " i.organization_locations, coalesce(i.organization_part_of, ''),"
      " (extract(epoch FROM coalesce(max(c.changed_at), i.created_at)) * 1000)::bigint"
      " FROM flint.instances i LEFT JOIN flint.directory_changes c ON c.instance_id = i.id"
      " WHERE NOT i.disabled AND i.patient_portal AND NOT i.sandbox GROUP BY i.id ORDER BY i.name");
  std::vector<Practice> out;
  out.reserve(rows.size());
  for (const auto& r : rows)
    out.push_back({r[0].as<std::string>(), r[1].as<std::string>(), r[2].as<std::string>(), r[3].as<std::string>(),
                   r[4].as<std::string>(), r[5].as<std::string>(), r[6].as<int64_t>()});
  return out;
}

std::vector<DirectoryChange> recentChanges(pqxx::connection& conn, int limit,
                                           const std::optional<std::string>& instance) {
  pqxx::nontransaction tx(conn);
  auto rows = tx.exec_params(
      "SELECT seq, (extract(epoch FROM changed_at) * 1000)::bigint, instance_name, action, actor, changes::text"
      " FROM flint.directory_changes WHERE $1::text IS NULL OR instance_name = $1 ORDER BY seq DESC LIMIT $2",
      instance, limit);
  std::vector<DirectoryChange> out;
  out.reserve(rows.size());
  for (const auto& r : rows)
    out.push_back({r[0].as<int64_t>(), r[1].as<int64_t>(), r[2].as<std::string>(), r[3].as<std::string>(),
                   r[4].as<std::string>(), r[5].as<std::string>()});
  return out;
}

}  // namespace flint::directory
