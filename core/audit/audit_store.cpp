#include "core/audit/audit_store.h"

namespace flint::audit {

std::vector<StoredEvent> recentEvents(db::Session& session, const instances::Instance& instance, int limit,
                                      int64_t beforeId, const std::string& kind, const std::string& clientId) {
  const auto& name = session.preparedIn(
      instance.schema, "audit_recent",
      "SELECT id, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), kind, action, outcome,"
      " coalesce(client_id, ''), coalesce(user_id, 0), coalesce(patient_id, ''), coalesce(target, ''),"
      " coalesce(detail, '') FROM {s}.audit_events"
      " WHERE ($2::bigint = 0 OR id < $2) AND ($3 = '' OR kind = $3) AND ($4 = '' OR client_id = $4)"
      " ORDER BY id DESC LIMIT $1");
  auto rows =
      session.run([&](pqxx::transaction_base& tx) { return tx.exec_prepared(name, limit, beforeId, kind, clientId); });
  std::vector<StoredEvent> out;
  for (const auto& r : rows)
    out.push_back({r[0].as<int64_t>(), r[1].as<std::string>(), r[2].as<std::string>(), r[3].as<std::string>(),
                   r[4].as<int>(), r[5].as<std::string>(), r[6].as<int64_t>(), r[7].as<std::string>(),
                   r[8].as<std::string>(), r[9].as<std::string>()});
  return out;
}

}  // namespace flint::audit
